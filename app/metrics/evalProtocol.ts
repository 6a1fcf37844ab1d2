import type { BoxGeometry } from '../domain/box.ts';
import type { SliceReport } from './slices.ts';

/** Boxes as columns (image id, class id, x, y, w, h, score; NaN for no score), moved to a worker without copying. */
export interface PackedBoxes {
  n: number;
  data: Float64Array<ArrayBuffer>;
}

const COLS = 7;

export function packBoxes(boxes: BoxGeometry[]): PackedBoxes {
  const data = new Float64Array(boxes.length * COLS);
  boxes.forEach((b, i) => {
    const o = i * COLS;
    data[o] = b.imageId;
    data[o + 1] = b.classId;
    data[o + 2] = b.x;
    data[o + 3] = b.y;
    data[o + 4] = b.w;
    data[o + 5] = b.h;
    data[o + 6] = b.score ?? NaN;
  });
  return { n: boxes.length, data };
}

export function unpackBoxes(p: PackedBoxes): BoxGeometry[] {
  const out: BoxGeometry[] = new Array(p.n);
  const d = p.data;
  for (let i = 0; i < p.n; i++) {
    const o = i * COLS;
    const s = d[o + 6];
    out[i] = { imageId: d[o], classId: d[o + 1], x: d[o + 2], y: d[o + 3], w: d[o + 4], h: d[o + 5], score: s === s ? s : null };
  }
  return out;
}

/** What an evaluation worker is started with. */
export interface EvalWorkerData {
  metadata: [number, Record<string, unknown>][];
  classIds: number[];
  reference: PackedBoxes;
  detections: PackedBoxes;
  maxValues?: number;
}

export type FromEvalWorker =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; report: SliceReport }
  | { type: 'error'; message: string };
