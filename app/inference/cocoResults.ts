import fs from 'node:fs/promises';
import path from 'node:path';
import type { Detection } from './decode.ts';

/** One entry of a COCO results file (what pycocotools' loadRes reads), plus names for people and scripts. */
export interface CocoResult {
  image_id: number;
  /** Class index + 1: COCO ids start at 1. */
  category_id: number;
  /** [x, y, w, h] in original pixels, floats as detected. */
  bbox: [number, number, number, number];
  score: number;
  file_name: string;
  category_name: string;
}

/** COCO result entries for one image's detections; `imageId` must be an integer ≥ 1. */
export function toCocoResults(imageId: number, fileName: string, boxes: readonly Detection[], classes: readonly string[]): CocoResult[] {
  if (!(Number.isInteger(imageId) && imageId >= 1)) throw new Error(`COCO image ids are integers ≥ 1, got ${imageId}`);
  return boxes.map((b) => ({
    image_id: imageId,
    category_id: b.classIndex + 1,
    bbox: [b.x, b.y, b.w, b.h],
    score: b.score,
    file_name: fileName,
    category_name: classes[b.classIndex] ?? `class ${b.classIndex}`,
  }));
}

/** Write a COCO results JSON array, replacing the file only once it is complete. */
export async function writeCocoResults(file: string, results: readonly CocoResult[]): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(results));
  await fs.rename(tmp, file);
}
