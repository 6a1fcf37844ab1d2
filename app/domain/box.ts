/** A box in original-image pixels: top-left origin, floats, never normalised. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A stored box with its author. */
export interface Box extends Rect {
  id: number;
  imageId: number;
  annotatorId: number;
  classId: number;
  score: number | null;
  provenance: 'drawn' | 'accepted' | 'edited' | 'imported' | 'predicted';
  modelRunId: number | null;
  sourceBoxId: number | null;
}

/** Where a box is and what it is, without its history (for metrics over a whole project); `score` on predictions. */
export interface BoxGeometry extends Rect {
  imageId: number;
  classId: number;
  score?: number | null;
}

/** What a diff carries for a box: everything but the image and author, which the edit fixes. */
export interface BoxState extends Rect {
  id: number;
  classId: number;
}

/** A box to add: the id is assigned by the store unless redoing a known box. */
export interface NewBox extends Rect {
  id?: number;
  classId: number;
  /** The prediction this box accepts, when it is an accepted copy. */
  sourceBoxId?: number;
}

/**
 * Clamp a rectangle to the image [0,W]×[0,H]. Returns null when what remains has
 * no area, since a zero-area box is never stored.
 */
export function clampRect(r: Rect, width: number, height: number): Rect | null {
  // A box already inside keeps its exact numbers: x + w - x is not always w in floating point.
  if (r.x >= 0 && r.y >= 0 && r.x + r.w <= width && r.y + r.h <= height) {
    return r.w > 0 && r.h > 0 ? { x: r.x, y: r.y, w: r.w, h: r.h } : null;
  }
  const x1 = Math.min(Math.max(r.x, 0), width);
  const y1 = Math.min(Math.max(r.y, 0), height);
  const x2 = Math.min(Math.max(r.x + r.w, 0), width);
  const y2 = Math.min(Math.max(r.y + r.h, 0), height);
  const w = x2 - x1;
  const h = y2 - y1;
  if (!(w > 0) || !(h > 0)) return null;
  return { x: x1, y: y1, w, h };
}

/** Intersection over union of two rectangles (0 when either has no area). */
export function iou(a: Rect, b: Rect): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy matching as COCO does it at one IoU threshold: detections by score,
 * highest first, each taking the unmatched reference box of its class with the
 * highest IoU ≥ `threshold`. Returns, per reference box, the index of the
 * detection that found it, or -1 when it was missed.
 */
export function matchGreedy(reference: (Rect & { classId: number })[], detections: (Rect & { classId: number; score?: number | null })[], threshold = 0.5): Int32Array {
  const foundBy = new Int32Array(reference.length).fill(-1);
  const order = detections.map((_, i) => i).sort((i, j) => (detections[j].score ?? 0) - (detections[i].score ?? 0));
  for (const i of order) {
    const d = detections[i];
    let best = -1;
    let bestIou = threshold;
    for (let g = 0; g < reference.length; g++) {
      if (foundBy[g] >= 0 || reference[g].classId !== d.classId) continue;
      const v = iou(d, reference[g]);
      if (v >= bestIou) {
        bestIou = v;
        best = g;
      }
    }
    if (best >= 0) foundBy[best] = i;
  }
  return foundBy;
}
