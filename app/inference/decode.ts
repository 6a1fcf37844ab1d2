/**
 * From a YOLO output tensor to boxes in original-image pixels: layout
 * recognition, confidence filtering, class-aware NMS and the letterbox
 * back-mapping, following Ultralytics' non_max_suppression and scale_boxes.
 */
import { LoupeError } from '../domain/errors.ts';
import type { LetterboxGeometry } from './letterbox.ts';
import { byScore, nms, type Candidate } from './nms.ts';
import { DEFAULTS } from '../contract/defaults.ts';

/** Output layouts: v8/v11 `[1, 4+nc, N]`, v5 `[1, N, 5+nc]`, end-to-end `[1, K, 6]`. */
export type Layout = 'v8' | 'v5' | 'e2e';

/** The supported layouts, as error messages list them. */
export const SUPPORTED_LAYOUTS = '[1, 4+nc, N] (YOLOv8/11), [1, N, 5+nc] (YOLOv5), [1, K, 6] (end-to-end YOLOv10/26)';

/** Ultralytics caps the candidates entering NMS at this many (max_nms). */
export const MAX_NMS = 30000;

/** A box in original-image pixels: top-left corner, size, score and 0-based class index. */
export interface Detection {
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
  classIndex: number;
}

/** Post-processing knobs; each defaults to Ultralytics' predict default. */
export interface DetectParams {
  /** Keep boxes whose score is strictly greater than this (DEFAULTS.conf). */
  conf?: number;
  /** NMS suppresses a box whose IoU with a better same-class box is greater than this (DEFAULTS.iou). */
  iou?: number;
  /** At most this many boxes per image (default 300). */
  maxDet?: number;
  /** Only these 0-based class indices (default: all). */
  classes?: readonly number[];
}

/** DetectParams with defaults filled in and values checked. */
export interface ResolvedParams {
  conf: number;
  iou: number;
  maxDet: number;
  classes: ReadonlySet<number> | null;
}

/** Fill defaults and reject out-of-range parameters with a 'bad_request' LoupeError. */
export function resolveParams(p: DetectParams = {}): ResolvedParams {
  const conf = p.conf ?? DEFAULTS.conf;
  const iouT = p.iou ?? DEFAULTS.iou;
  const maxDet = p.maxDet ?? DEFAULTS.maxDet;
  if (!(conf >= 0 && conf <= 1)) throw new LoupeError('bad_request', `confidence threshold must be between 0 and 1, got ${conf}`);
  if (!(iouT >= 0 && iouT <= 1)) throw new LoupeError('bad_request', `NMS IoU threshold must be between 0 and 1, got ${iouT}`);
  if (!(Number.isInteger(maxDet) && maxDet >= 1)) throw new LoupeError('bad_request', `max detections must be a positive integer, got ${maxDet}`);
  const classes = p.classes ? new Set(p.classes) : null;
  return { conf, iou: iouT, maxDet, classes };
}

/** "[1, 84, 8400]" (symbolic dims by name). */
export function formatShape(dims: readonly (number | string | null)[] | null | undefined): string {
  if (!dims) return '[unknown shape]';
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** Anchor points of a stride-8/16/32 head on a w×h input (v8: N; v5 has three anchors per point). */
export function anchorPoints(w: number, h: number): number {
  return [8, 16, 32].reduce((n, s) => n + Math.ceil(h / s) * Math.ceil(w / s), 0);
}

/** What layout recognition can use besides the shape. */
export interface LayoutHints {
  numClasses: number;
  inputW: number;
  inputH: number;
  /** Whether the export says its output is final boxes (`end2end`, or exported with `nms`), when it says. */
  end2end?: boolean;
}

/**
 * Recognise the layout of a detection output from its dims and class count;
 * throws an Error saying what was found and what is supported.
 */
export function detectLayout(dims: readonly number[], hints: LayoutHints): Layout {
  const shape = formatShape(dims);
  if (dims.length !== 3 || dims[0] !== 1) {
    throw new Error(`output ${shape} is not a detection layout; supported: ${SUPPORTED_LAYOUTS}`);
  }
  const [, a, b] = dims;
  const nc = hints.numClasses;
  const v8Like = a >= 5 && b > a;
  const v5Like = b >= 6 && a > b;
  const e2eLike = b === 6;
  const v8 = v8Like && a - 4 === nc;
  const v5 = v5Like && b - 5 === nc;
  if (v8) return 'v8';
  if (v5 && e2eLike) {
    // One class: [1, N, 6] is either; trust the export's own flag, else the anchor count of a v5 head.
    if (hints.end2end !== undefined) return hints.end2end ? 'e2e' : 'v5';
    return a === 3 * anchorPoints(hints.inputW, hints.inputH) ? 'v5' : 'e2e';
  }
  if (v5) return 'v5';
  // [1, K, 6] is end-to-end unless it has exactly the rows of a v5 head and the export does not say otherwise.
  const v5Head = a === 3 * anchorPoints(hints.inputW, hints.inputH);
  if (e2eLike && (!v5Head || hints.end2end === true)) return 'e2e';
  if (v8Like) throw new Error(`output ${shape} has ${a - 4} classes in the YOLOv8/11 layout [1, 4+nc, N], but the class names list ${nc}`);
  if (v5Like) throw new Error(`output ${shape} has ${b - 5} classes in the YOLOv5 layout [1, N, 5+nc], but the class names list ${nc}`);
  throw new Error(`output ${shape} is not a detection layout; supported: ${SUPPORTED_LAYOUTS}`);
}

/**
 * Candidates above the confidence threshold, in model-input pixels. v8 and v5
 * rows are converted from centre form; the highest-scoring MAX_NMS are kept,
 * as Ultralytics does before NMS. Class filtering applies to the best class.
 */
export function decodeOutput(data: ArrayLike<number>, dims: readonly number[], layout: Layout, p: ResolvedParams, numClasses: number): Candidate[] {
  const out: Candidate[] = [];
  const keep = (cls: number) => !p.classes || p.classes.has(cls);
  if (layout === 'v8') {
    const n = dims[2];
    const nc = dims[1] - 4;
    const best = new Float32Array(n).fill(-Infinity);
    const bestClass = new Int32Array(n);
    // Class-major walk: the tensor is [4+nc][N], so this reads memory in order.
    for (let c = 0; c < nc; c++) {
      const off = (4 + c) * n;
      for (let i = 0; i < n; i++) {
        const v = data[off + i];
        if (v > best[i]) {
          best[i] = v;
          bestClass[i] = c;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      if (!(best[i] > p.conf) || !keep(bestClass[i])) continue;
      out.push(fromCentre(data[i], data[n + i], data[2 * n + i], data[3 * n + i], best[i], bestClass[i]));
    }
  } else if (layout === 'v5') {
    const n = dims[1];
    const f = dims[2];
    for (let i = 0; i < n; i++) {
      const row = i * f;
      const obj = data[row + 4];
      if (!(obj > p.conf)) continue;
      let score = -Infinity;
      let cls = 0;
      for (let c = 5; c < f; c++) {
        const s = Math.fround(data[row + c] * obj);
        if (s > score) {
          score = s;
          cls = c - 5;
        }
      }
      if (!(score > p.conf) || !keep(cls)) continue;
      out.push(fromCentre(data[row], data[row + 1], data[row + 2], data[row + 3], score, cls));
    }
  } else {
    const k = dims[1];
    for (let i = 0; i < k; i++) {
      const row = i * 6;
      const score = data[row + 4];
      const cls = Math.round(data[row + 5]);
      // A class id outside the names cannot be labelled; such rows are dropped.
      if (!(score > p.conf) || !(cls >= 0 && cls < numClasses) || !keep(cls)) continue;
      out.push({ x1: data[row], y1: data[row + 1], x2: data[row + 2], y2: data[row + 3], score, classIndex: cls });
    }
  }
  return out.length > MAX_NMS ? byScore(out).slice(0, MAX_NMS) : out;
}

function fromCentre(cx: number, cy: number, w: number, h: number, score: number, classIndex: number): Candidate {
  return { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, classIndex };
}

/**
 * Map a model-input box back to original pixels ((v − pad) / r, as Ultralytics
 * scale_boxes does with the letterbox's own padding), clip it to the image,
 * and return it as x, y, w, h; null when nothing of it is left inside.
 */
export function toOriginal(c: Candidate, g: LetterboxGeometry): Detection | null {
  const clip = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  const x1 = clip((c.x1 - g.left) / g.ratio, g.srcW);
  const y1 = clip((c.y1 - g.top) / g.ratio, g.srcH);
  const x2 = clip((c.x2 - g.left) / g.ratio, g.srcW);
  const y2 = clip((c.y2 - g.top) / g.ratio, g.srcH);
  if (!(x2 > x1 && y2 > y1)) return null;
  return { x: x1, y: y1, w: x2 - x1, h: y2 - y1, score: c.score, classIndex: c.classIndex };
}

/** The whole post-processing of one output tensor: decode, NMS (not for end-to-end outputs), back-map, clip. */
export function postprocess(
  data: ArrayLike<number>,
  dims: readonly number[],
  layout: Layout,
  geometry: LetterboxGeometry,
  params: ResolvedParams,
  numClasses: number,
): Detection[] {
  const cands = decodeOutput(data, dims, layout, params, numClasses);
  const kept = layout === 'e2e' ? byScore(cands).slice(0, params.maxDet) : nms(cands, params.iou, params.maxDet);
  const out: Detection[] = [];
  for (const c of kept) {
    const d = toOriginal(c, geometry);
    if (d) out.push(d);
  }
  return out;
}
