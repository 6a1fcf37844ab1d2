import path from 'node:path';
import type { SplitName } from './exportSplit.ts';
import { safeRelativePath } from './safePaths.ts';

/** One image as a dataset writer sees it. */
export interface DatasetImage {
  id: number;
  /** Path inside `images/<split>/`, with forward slashes. */
  name: string;
  width: number;
  height: number;
  split: SplitName;
}

/** One box in original-image pixels, already clamped to its image. */
export interface DatasetBox {
  id: number;
  classId: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A class in export order: `index` is the YOLO class, `id` the COCO category. */
export interface DatasetClass {
  index: number;
  id: number;
  name: string;
}

/** What a format writer needs: the classes, the images per split (each in id order), and their boxes in batches. */
export interface Dataset {
  /** Absolute final folder (data.yaml's `path`); files go to `dir`, a temporary folder beside it. */
  out: string;
  dir: string;
  splits: SplitName[];
  classes: DatasetClass[];
  images: Map<SplitName, DatasetImage[]>;
  /**
   * Call `fn` for each image of `images` (in id order) with its boxes, in
   * batches of images; `afterBatch` runs after each batch, then progress is
   * counted and cancel checked.
   */
  eachWithBoxes(images: readonly DatasetImage[], fn: (img: DatasetImage, boxes: DatasetBox[]) => void, afterBatch?: () => Promise<void>): Promise<void>;
  /** Called before each chunk of a large file is written (tests simulate a full disk here). */
  beforeChunk?: () => void;
}

/**
 * Clamp a box to its image. A box already inside is returned as it is (the
 * same object, values bit for bit); a box with no area left inside is null.
 */
export function clampBox<B extends { x: number; y: number; w: number; h: number }>(b: B, width: number, height: number): B | null {
  if (b.x >= 0 && b.y >= 0 && b.x + b.w <= width && b.y + b.h <= height) return b;
  const x1 = Math.max(0, b.x);
  const y1 = Math.max(0, b.y);
  const x2 = Math.min(width, b.x + b.w);
  const y2 = Math.min(height, b.y + b.h);
  if (!(x2 > x1 && y2 > y1)) return null;
  return { ...b, x: x1, y: y1, w: x2 - x1, h: y2 - y1 };
}

/**
 * File names inside `images/<split>/`: the image's path inside its root. When
 * images of different roots would share a label file (same path without
 * extension), every such image goes under a folder named after its root
 * (`root-<id>/`); two files of one root that differ only by extension
 * (a.jpg, a.png) get the extension in the name (a_png.png), since YOLO would
 * give both the label file a.txt.
 */
export function datasetNames(stored: readonly { id: number; rootId: number; path: string }[]): Map<number, string> {
  const stem = (p: string) => p.slice(0, p.length - path.posix.extname(p).length).toLowerCase();
  // Whatever a stored path says (.., absolute, drive letters, backslashes), the name stays inside the dataset.
  const images = stored.map((img) => ({ id: img.id, rootId: img.rootId, path: safeRelativePath(img.path) }));
  const roots = new Map<string, Set<number>>();
  for (const img of images) {
    const k = stem(img.path);
    const set = roots.get(k);
    if (set) set.add(img.rootId);
    else roots.set(k, new Set([img.rootId]));
  }
  const names = new Map<number, string>();
  const seen = new Map<string, number>();
  for (const img of images) {
    const name = roots.get(stem(img.path))!.size > 1 ? `root-${img.rootId}/${img.path}` : img.path;
    const k = stem(name);
    seen.set(k, (seen.get(k) ?? 0) + 1);
    names.set(img.id, name);
  }
  for (const img of images) {
    const name = names.get(img.id)!;
    if (seen.get(stem(name))! > 1) {
      const ext = path.posix.extname(name);
      names.set(img.id, `${name.slice(0, name.length - ext.length)}_${ext.slice(1)}${ext}`);
    }
  }
  // Paths that differ only in what sanitising replaced (a:b.png, a_b.png) still
  // meet here: each such image gets its id in the name.
  const count = new Map<string, number>();
  for (const name of names.values()) count.set(stem(name), (count.get(stem(name)) ?? 0) + 1);
  for (const [id, name] of names) {
    if (count.get(stem(name))! > 1) {
      const ext = path.posix.extname(name);
      names.set(id, `${name.slice(0, name.length - ext.length)}-${id}${ext}`);
    }
  }
  return names;
}
