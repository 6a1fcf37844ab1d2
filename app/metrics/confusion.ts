/**
 * Detection confusion matrix with a background row and column, as Ultralytics'
 * `ConfusionMatrix.process_batch` counts it for the detect task (transposed: here rows
 * are the reference, columns the prediction). Per image:
 *
 * - detections with score > the confidence threshold (default 0.25) take part; the rest
 *   are left out (counted in `belowConfidence`); crowd reference boxes are left out too
 *   (Ultralytics' COCO conversion drops them);
 * - candidates are the (reference, detection) pairs, of any classes, with IoU strictly
 *   above the IoU threshold (default 0.5; `iou > iou_thres` in Ultralytics), the IoU as its
 *   `box_iou` computes it: corners [x, y, x + w, y + h] taken to float32 (its `.float()`),
 *   then intersection / (area1 + area2 − intersection + 1e-7), every step in float32, and
 *   compared with the threshold in float32;
 * - candidates sorted by IoU, highest first, then kept one per detection (its best
 *   reference box), then sorted again and kept one per reference box (its best detection
 *   among those left). A reference box whose best detection preferred another box stays
 *   missed even if a worse detection overlaps it: that is Ultralytics' rule, not a
 *   one-to-one assignment. On equal IoU the earlier pair in input order (reference box,
 *   then detection) wins; Ultralytics leaves such ties to numpy's unstable sort, so they
 *   can differ there from machine to machine;
 * - a reference box with a kept pair counts at [its class][the detection's class] (the
 *   diagonal when the classes agree); without one at [its class][background] (missed);
 * - a detection in no kept pair counts at [background][its class] (a false alarm).
 *
 * Host-agnostic and synchronous.
 */
import { LoupeError } from '../domain/errors.ts';
import type { EvalInput } from './cocoEval.ts';

/** Options of `confusionMatrix`. */
export interface ConfusionOptions {
  /** Detections with a score above this take part; default 0.25. */
  confidence?: number;
  /** Pairs with an IoU above this can match; default 0.5. */
  iou?: number;
  signal?: AbortSignal;
}

/** A confusion matrix of K classes plus background. */
export interface ConfusionResult {
  /** The classes, ascending; row and column i is categoryIds[i], index K is background. */
  categoryIds: number[];
  /**
   * counts[r][c], (K + 1) × (K + 1): r the reference class (K = background: a detection that
   * matched no reference box), c the predicted class (K = background: a reference box no
   * detection matched). counts[K][K] is always 0.
   */
  counts: number[][];
  confidence: number;
  iou: number;
  /** Detections at or below the confidence threshold, left out. */
  belowConfidence: number;
  /** Crowd reference boxes, left out. */
  crowd: number;
}

const f32 = Math.fround;
/** Ultralytics' box_iou eps, as float32 arithmetic sees it. */
const EPS32 = f32(1e-7);

/**
 * The confusion matrix of `input`'s detections against its reference boxes (see the file
 * comment for the rule). Every detection and reference box must be on one of
 * `input.imageIds` and of one of `input.categoryIds`; throws a LoupeError naming the
 * first one that is not, or a malformed one, before counting anything.
 */
export function confusionMatrix(input: EvalInput, opts: ConfusionOptions = {}): ConfusionResult {
  const signal = opts.signal;
  signal?.throwIfAborted();
  const confidence = opts.confidence ?? 0.25;
  const iou = opts.iou ?? 0.5;
  if (typeof confidence !== 'number' || !Number.isFinite(confidence)) throw new LoupeError('bad_request', `confidence must be a finite number, got ${String(confidence)}`);
  if (typeof iou !== 'number' || !(iou >= 0 && iou < 1)) throw new LoupeError('bad_request', `iou must be a number in [0, 1), got ${String(iou)}`);
  const imageIds = idList(input?.imageIds, 'imageIds');
  const categoryIds = [...new Set(idList(input?.categoryIds, 'categoryIds'))].sort((a, b) => a - b);
  const K = categoryIds.length;
  const catIndex = new Map(categoryIds.map((c, i) => [c, i]));
  const images = new Set(imageIds);

  // Per image, the reference boxes and the detections above the threshold, in input order.
  const perImage = new Map<number, { g: Corner[]; d: Corner[] }>();
  const slot = (img: number) => {
    let e = perImage.get(img);
    if (!e) perImage.set(img, (e = { g: [], d: [] }));
    return e;
  };
  let crowd = 0;
  let belowConfidence = 0;
  boxes(input.gt, 'gt').forEach((b, i) => {
    const c = check(b, `gt[${i}]`, images, catIndex);
    if (b.iscrowd === true || (b.iscrowd as unknown) === 1) crowd++;
    else slot(b.imageId).g.push(c);
  });
  boxes(input.dt, 'dt').forEach((b, i) => {
    const c = check(b, `dt[${i}]`, images, catIndex);
    const score = (b as { score?: unknown }).score;
    if (typeof score !== 'number' || !Number.isFinite(score)) throw new LoupeError('bad_request', `dt[${i}].score must be a finite number, got ${String(score)}`);
    if (score > confidence) slot(b.imageId).d.push(c);
    else belowConfidence++;
  });

  const counts = Array.from({ length: K + 1 }, () => new Array<number>(K + 1).fill(0));
  const thr = f32(iou);
  for (const { g, d } of perImage.values()) {
    signal?.throwIfAborted();
    const matchedDet = matchImage(g, d, thr);
    const usedDet = new Uint8Array(d.length);
    g.forEach((gt, i) => {
      const j = matchedDet[i];
      if (j < 0) counts[gt.cls][K]++;
      else {
        counts[gt.cls][d[j].cls]++;
        usedDet[j] = 1;
      }
    });
    d.forEach((det, j) => {
      if (!usedDet[j]) counts[K][det.cls]++;
    });
  }
  return { categoryIds, counts, confidence, iou, belowConfidence, crowd };
}

/** A box as float32 corners (box_iou's `.float()`), with its class index. */
interface Corner {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  cls: number;
}

/**
 * process_batch's matching for one image: for each reference box, the index of the
 * detection it is paired with, or -1.
 */
function matchImage(g: Corner[], d: Corner[], thr: number): Int32Array {
  const out = new Int32Array(g.length).fill(-1);
  if (g.length === 0 || d.length === 0) return out;
  // Candidates in torch.where's order (row-major: reference, then detection).
  const ci: number[] = [];
  const cj: number[] = [];
  const cv: number[] = [];
  for (let i = 0; i < g.length; i++) {
    const a = g[i];
    const areaA = f32(f32(a.x2 - a.x1) * f32(a.y2 - a.y1));
    for (let j = 0; j < d.length; j++) {
      const b = d[j];
      const iw = Math.max(f32(Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1)), 0);
      const ih = Math.max(f32(Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1)), 0);
      const inter = f32(iw * ih);
      const areaB = f32(f32(b.x2 - b.x1) * f32(b.y2 - b.y1));
      const v = f32(inter / f32(f32(f32(areaA + areaB) - inter) + EPS32));
      if (v > thr) {
        ci.push(i);
        cj.push(j);
        cv.push(v);
      }
    }
  }
  // Best reference box per detection, then best detection per reference box; equal IoU:
  // the earlier candidate (a stable sort, highest first).
  const byIou = (idx: number[]) => idx.sort((p, q) => cv[q] - cv[p] || p - q);
  const bestPerDet = new Map<number, number>();
  for (const c of byIou(cv.map((_, n) => n))) if (!bestPerDet.has(cj[c])) bestPerDet.set(cj[c], c);
  // np.unique leaves them by detection index; the second sort starts from that order.
  const kept = [...bestPerDet.values()].sort((p, q) => cj[p] - cj[q]);
  const rank = new Map(kept.map((c, n) => [c, n]));
  kept.sort((p, q) => cv[q] - cv[p] || rank.get(p)! - rank.get(q)!);
  for (const c of kept) if (out[ci[c]] === -1) out[ci[c]] = cj[c];
  return out;
}

function idList(ids: unknown, name: string): number[] {
  if (!Array.isArray(ids)) throw new LoupeError('bad_request', `${name} must be an array of numbers`);
  ids.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new LoupeError('bad_request', `${name}[${i}] must be a finite number, got ${String(v)}`);
  });
  return ids as number[];
}

function boxes(items: unknown, name: 'gt' | 'dt'): EvalInput['gt'] {
  if (!Array.isArray(items)) throw new LoupeError('bad_request', `${name} must be an array`);
  return items as EvalInput['gt'];
}

function check(b: EvalInput['gt'][number], at: string, images: Set<number>, catIndex: Map<number, number>): Corner {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new LoupeError('bad_request', `${at} must be an object, got ${b === null ? 'null' : typeof b}`);
  if (!images.has(b.imageId)) throw new LoupeError('bad_request', `${at}.imageId must be one of imageIds, got ${String(b.imageId)}`);
  const cls = catIndex.get(b.categoryId);
  if (cls === undefined) throw new LoupeError('bad_request', `${at}.categoryId must be one of categoryIds, got ${String(b.categoryId)}`);
  const bb = b.bbox;
  if (!Array.isArray(bb) || bb.length !== 4) throw new LoupeError('bad_request', `${at}.bbox must be an array [x, y, w, h]`);
  for (let c = 0; c < 4; c++) {
    const v = bb[c];
    if (typeof v !== 'number' || !Number.isFinite(v) || (c >= 2 && v < 0)) throw new LoupeError('bad_request', `${at}.bbox[${c}] must be a finite number${c >= 2 ? ' ≥ 0' : ''}, got ${String(v)}`);
  }
  const [x, y, w, h] = bb;
  return { x1: f32(x), y1: f32(y), x2: f32(x + w), y2: f32(y + h), cls };
}
