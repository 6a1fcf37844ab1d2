/** A detection in model-input pixels, corners form (as the decoders produce and NMS consumes). */
export interface Candidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classIndex: number;
}

/** IoU of two corner boxes, computed like torchvision.ops.box_iou (NaN when both have no area). */
export function iou(a: Candidate, b: Candidate): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  const inter = iw > 0 && ih > 0 ? iw * ih : 0;
  const areaA = (a.x2 - a.x1) * (a.y2 - a.y1);
  const areaB = (b.x2 - b.x1) * (b.y2 - b.y1);
  return inter / (areaA + areaB - inter);
}

/** Sort by score, highest first; equal scores keep their input order so results are deterministic. */
export function byScore(cands: Candidate[]): Candidate[] {
  return cands
    .map((c, i) => ({ c, i }))
    .sort((p, q) => q.c.score - p.c.score || p.i - q.i)
    .map((p) => p.c);
}

/**
 * Class-aware greedy non-maximum suppression, as Ultralytics runs
 * torchvision.ops.nms with per-class offsets: walking from the highest score,
 * a box is dropped when its IoU with an already kept box of the same class is
 * strictly greater than `iouThreshold`. Returns at most `maxDet` boxes, highest score first.
 */
export function nms(cands: Candidate[], iouThreshold: number, maxDet: number): Candidate[] {
  const kept: Candidate[] = [];
  const keptByClass = new Map<number, Candidate[]>();
  for (const c of byScore(cands)) {
    // Later boxes have lower scores and can only be appended, so the first maxDet kept are final.
    if (kept.length >= maxDet) break;
    let same = keptByClass.get(c.classIndex);
    if (!same) keptByClass.set(c.classIndex, (same = []));
    if (same.some((k) => iou(k, c) > iouThreshold)) continue;
    same.push(c);
    kept.push(c);
  }
  return kept;
}
