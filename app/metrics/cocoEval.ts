/**
 * COCO bounding-box evaluation, computing what pycocotools' `COCOeval(gt, dt, 'bbox')`
 * computes with its default parameters (`evaluate()`, `accumulate()`, `summarize()`),
 * number for number:
 *
 * - per image and category, detections sorted by score (stable, highest first), the top
 *   100 kept; IoU of [x, y, w, h] boxes as `maskUtils.iou` (a crowd GT divides by the
 *   detection's area instead of the union);
 * - GT ignored when crowd or its area is outside the area range; greedy matching at the
 *   IoU thresholds 0.50:0.05:0.95 exactly as `evaluateImg`; unmatched detections outside
 *   the area range ignored;
 * - precision at 101 recall points, made non-increasing, per category, area range
 *   (all, small, medium, large) and maxDets (1, 10, 100), -1 where there is no GT;
 * - the 12 summary numbers, each a mean (numpy's pairwise summation) over the entries > -1;
 * - with `{ curves: true }`, also `eval['precision']`, `eval['scores']` and `eval['recall']`
 *   at every threshold, area range and maxDets (EvalCurves), value for value.
 *
 * Host-agnostic, synchronous and allocation-light: boxes live in typed arrays, one
 * category is matched and accumulated at a time.
 */
import { AREA_HI, AREA_LO, AREA_RANGES, countingSort, EPS, FP, grow, IGNORED, IOU_THRESHOLDS, MAX_DET, MAX_DETS, meanAboveMinusOne, RECALL_THRESHOLDS, sortByScore, THRESHOLD_CAPPED, TP } from './cocoShared.ts';

export { AREA_RANGES, IOU_THRESHOLDS, linspace, MAX_DETS, RECALL_THRESHOLDS } from './cocoShared.ts';

export interface EvalGt {
  imageId: number;
  categoryId: number;
  /** [x, y, w, h], pixels, top-left origin. */
  bbox: [number, number, number, number];
  /** Area used for the small/medium/large ranges (COCO files carry the mask's area); default w*h. */
  area?: number;
  /** A crowd region: never a miss, and detections inside it are not false positives. */
  iscrowd?: boolean;
}

export interface EvalDt {
  imageId: number;
  categoryId: number;
  bbox: [number, number, number, number];
  score: number;
}

export interface EvalInput {
  /** Images evaluated, including those with no GT or no detections. Repeats are dropped. */
  imageIds: number[];
  /** Categories evaluated, including those with no GT. Repeats are dropped. */
  categoryIds: number[];
  gt: EvalGt[];
  dt: EvalDt[];
}

export interface EvalCategoryResult {
  categoryId: number;
  /** AP at IoU 0.50:0.95, area 'all', maxDets 100; -1 when the category has no (non-crowd) GT. */
  ap: number;
  /** AP at IoU 0.50, area 'all', maxDets 100; -1 likewise. */
  ap50: number;
  /** GT boxes of this category (crowd regions included). */
  gt: number;
  /** Detections of this category (all of them, before the top 100 per image are kept). */
  dt: number;
}

/** Area ranges in pycocotools' order (`Params.areaRngLbl`). */
export const AREA_LABELS: readonly ['all', 'small', 'medium', 'large'] = Object.freeze(['all', 'small', 'medium', 'large'] as const);

/** One category's precision-recall curves at area 'all' and maxDets 100. */
export interface EvalCategoryCurve {
  categoryId: number;
  /**
   * precision[t][r]: pycocotools' `eval['precision'][t, r, k, 0, 2]` for IoU threshold t
   * (IOU_THRESHOLDS) and recall point r (RECALL_THRESHOLDS, 101 of them); made
   * non-increasing; 0 past the highest recall reached; all -1 when the category has no GT.
   */
  precision: number[][];
  /** scores[t][r]: `eval['scores'][t, r, k, 0, 2]`, the score of the detection that reaches recall point r (0 past the end, -1 with no GT). */
  scores: number[][];
}

/** pycocotools' accumulated arrays, asked for with `cocoEvaluate(input, { curves: true })`. */
export interface EvalCurves {
  /** `eval['counts']`: [T, R, K, A, M] = [10, 101, categories, 4, 3]. */
  counts: [number, number, number, number, number];
  /** `eval['precision']`, row-major [T][R][K][A][M], every area range and maxDets; -1 where there is no GT. */
  precision: Float64Array;
  /** `eval['scores']`, the same layout. */
  scores: Float64Array;
  /** `eval['recall']`, row-major [T][K][A][M]. */
  recall: Float64Array;
  /** Per category (ascending id, as EvalResult.perCategory), the curves at area 'all' and maxDets 100. */
  perCategory: EvalCategoryCurve[];
}

/** Options of `cocoEvaluate`. */
export interface EvalOptions {
  signal?: AbortSignal;
  /** Also return pycocotools' precision, scores and recall arrays (EvalResult.curves). */
  curves?: boolean;
}

export interface EvalResult {
  /**
   * pycocotools' 12 numbers, in its order: AP, AP50, AP75, AP small, AP medium, AP large,
   * AR1, AR10, AR100, AR small, AR medium, AR large; -1 where nothing could be measured.
   */
  stats: number[];
  /** One entry per distinct category id, in ascending id order. */
  perCategory: EvalCategoryResult[];
  /** Present when asked for with `{ curves: true }`. */
  curves?: EvalCurves;
}

const T = IOU_THRESHOLDS.length;
const R = RECALL_THRESHOLDS.length;
const A = AREA_RANGES.length;
const M = MAX_DETS.length;

/**
 * Evaluate detections against GT as pycocotools' COCOeval does for bounding boxes
 * (useCats = 1, default parameters), over exactly the images and categories given;
 * `curves: true` adds pycocotools' accumulated arrays (the default leaves them out and
 * accumulates only what the numbers read).
 * Throws an Error naming the offending item on bad input. The call is synchronous:
 * an already aborted signal throws its reason before any work, and it is checked again
 * between categories, but nothing on this thread can abort it mid-call — a caller that
 * must stay responsive evaluates in pieces (as slices do) or in a worker.
 */
export function cocoEvaluate(input: EvalInput, opts: EvalOptions & { curves: true }): EvalResult & { curves: EvalCurves };
export function cocoEvaluate(input: EvalInput, opts?: EvalOptions): EvalResult;
export function cocoEvaluate(input: EvalInput, opts: EvalOptions = {}): EvalResult {
  const signal = opts.signal;
  signal?.throwIfAborted();
  const imgIds = uniqueSorted(input?.imageIds, 'imageIds');
  const catIds = uniqueSorted(input?.categoryIds, 'categoryIds');
  const I = imgIds.length;
  const K = catIds.length;
  const imgIndex = new Map<number, number>();
  imgIds.forEach((id, n) => imgIndex.set(id, n));
  const catIndex = new Map<number, number>();
  catIds.forEach((id, n) => catIndex.set(id, n));

  // Boxes reordered by (category, image), each group in input order.
  const gts = grouped(readBoxes(input.gt, 'gt', imgIndex, catIndex, false), I, K);
  const dts = grouped(readBoxes(input.dt, 'dt', imgIndex, catIndex, true), I, K);
  const gCatStart = categoryStarts(gts.cat, K);
  const dCatStart = categoryStarts(dts.cat, K);

  // precision[a][t][r][k] at maxDets 100 (the only one the outputs read); recall[a][m][t][k].
  const precision = new Float64Array(A * T * R * K).fill(-1);
  const recall = new Float64Array(A * M * T * K).fill(-1);
  const w = new Work();
  const curves = opts.curves ? newCurveArrays(K) : null;

  for (let k = 0; k < K; k++) {
    signal?.throwIfAborted();
    const g0 = gCatStart[k];
    const g1 = gCatStart[k + 1];
    const d0 = dCatStart[k];
    const d1 = dCatStart[k + 1];
    if (g1 === g0 && d1 === d0) continue; // every evalImg of this category is None
    w.startCategory(d1 - d0);
    // evaluateImg for every image of the category (images with neither GT nor dt are None).
    let gs = g0;
    let ds = d0;
    while (gs < g1 || ds < d1) {
      const img = Math.min(gs < g1 ? gts.img[gs] : I, ds < d1 ? dts.img[ds] : I);
      let ge = gs;
      while (ge < g1 && gts.img[ge] === img) ge++;
      let de = ds;
      while (de < d1 && dts.img[de] === img) de++;
      evaluateImage(w, gts, gs, ge - gs, dts, ds, de - ds);
      gs = ge;
      ds = de;
    }
    accumulateCategory(w, k, K, precision, recall);
    if (curves) accumulateCurves(w, k, K, curves);
  }

  // summarize
  const scratch = new Float64Array(Math.max(T * R * K, 1));
  const tAt = (thr: number) => IOU_THRESHOLDS.indexOf(thr);
  const ap = (a: number, t: number | null) => {
    const t0 = t === null ? 0 : t;
    const t1 = t === null ? T : t + 1;
    if (t0 < 0) return -1;
    return meanAboveMinusOne(precision.subarray((a * T + t0) * R * K, (a * T + t1) * R * K), scratch);
  };
  const ar = (a: number, m: number) => meanAboveMinusOne(recall.subarray((a * M + m) * T * K, (a * M + m + 1) * T * K), scratch);
  const stats = [
    ap(0, null),
    ap(0, tAt(0.5)),
    ap(0, tAt(0.75)),
    ap(1, null),
    ap(2, null),
    ap(3, null),
    ar(0, 0),
    ar(0, 1),
    ar(0, 2),
    ar(1, 2),
    ar(2, 2),
    ar(3, 2),
  ];

  const perCategory: EvalCategoryResult[] = [];
  const one = new Float64Array(T * R);
  const t50 = tAt(0.5);
  for (let k = 0; k < K; k++) {
    for (let t = 0; t < T; t++) for (let r = 0; r < R; r++) one[t * R + r] = precision[(t * R + r) * K + k];
    perCategory.push({
      categoryId: catIds[k],
      ap: meanAboveMinusOne(one, scratch),
      ap50: t50 < 0 ? -1 : meanAboveMinusOne(one.subarray(t50 * R, (t50 + 1) * R), scratch),
      gt: gCatStart[k + 1] - gCatStart[k],
      dt: dCatStart[k + 1] - dCatStart[k],
    });
  }
  if (!curves) return { stats, perCategory };
  return { stats, perCategory, curves: { counts: [T, R, K, A, M], ...curves, perCategory: catIds.map((id, k) => categoryCurve(curves, id, k, K)) } };
}

interface CurveArrays {
  precision: Float64Array;
  scores: Float64Array;
  recall: Float64Array;
}

function newCurveArrays(K: number): CurveArrays {
  return {
    precision: new Float64Array(T * R * K * A * M).fill(-1),
    scores: new Float64Array(T * R * K * A * M).fill(-1),
    recall: new Float64Array(T * K * A * M).fill(-1),
  };
}

/** `eval['precision'][t, :, k, 0, 2]` and `eval['scores'][t, :, k, 0, 2]` for every t. */
function categoryCurve(c: CurveArrays, categoryId: number, k: number, K: number): EvalCategoryCurve {
  const precision: number[][] = [];
  const scores: number[][] = [];
  for (let t = 0; t < T; t++) {
    const p = new Array<number>(R);
    const s = new Array<number>(R);
    for (let r = 0; r < R; r++) {
      const at = (((t * R + r) * K + k) * A + 0) * M + (M - 1);
      p[r] = c.precision[at];
      s[r] = c.scores[at];
    }
    precision.push(p);
    scores.push(s);
  }
  return { categoryId, precision, scores };
}

/** Scratch buffers and the running state of one category, reused across categories. */
class Work {
  ious = new Float64Array(MAX_DET * 16);
  gtOrder = new Int32Array(16);
  gtIgSorted = new Uint8Array(16);
  gtCrowdSorted = new Uint8Array(16);
  /** gtMatched[g] === stamp: GT g (in ignore-last order) is matched in the current pass. */
  gtMatched = new Int32Array(16);
  stamp = 0;
  dtOut = new Uint8Array(MAX_DET * A);
  sortBuf = new Int32Array(16);
  /** Kept detections of the category (top MAX_DET per image), in image order then rank order. */
  cap = 256;
  nKept = 0;
  kScore = new Float64Array(256);
  /** Status of kept detection j at area a and threshold t: kStatus[(a * T + t) * cap + j]. */
  kStatus = new Uint8Array(256 * A * T);
  kSorted = new Int32Array(256);
  /** Rank of kept detection j within its image (0 = best score). */
  kRank = new Uint8Array(256);
  /** The kept detections of rank < maxDets[m], in score order (curves only). */
  kSub = new Int32Array(256);
  rc = new Float64Array(256);
  pr = new Float64Array(256);
  /** Non-ignored GT per area range. */
  npig = new Int32Array(A);
  /** True positives among the detections of rank < maxDets[m]: tpCount[(a * M + m) * T + t]. */
  tpCount = new Int32Array(A * M * T);

  startCategory(maxKept: number): void {
    this.npig.fill(0);
    this.tpCount.fill(0);
    this.nKept = 0;
    if (this.cap < maxKept) {
      const cap = grow(maxKept);
      this.cap = cap;
      this.kScore = new Float64Array(cap);
      this.kStatus = new Uint8Array(cap * A * T);
      this.kSorted = new Int32Array(cap);
      this.kRank = new Uint8Array(cap);
      this.kSub = new Int32Array(cap);
      this.rc = new Float64Array(cap);
      this.pr = new Float64Array(cap);
    }
  }

  reserveGt(G: number, D: number): void {
    if (G > this.gtOrder.length) {
      const n = grow(G);
      this.gtOrder = new Int32Array(n);
      this.gtIgSorted = new Uint8Array(n);
      this.gtCrowdSorted = new Uint8Array(n);
      this.gtMatched = new Int32Array(n);
      this.stamp = 0;
    }
    if (D * G > this.ious.length) this.ious = new Float64Array(grow(D * G));
  }

  nextStamp(): number {
    if (++this.stamp > 0x3fffffff) {
      this.gtMatched.fill(0);
      this.stamp = 1;
    }
    return this.stamp;
  }
}

/**
 * evaluateImg for one image and category, at every area range: G GT from gs, nd
 * detections from ds (grouped boxes). Appends the kept detections to the category's.
 */
function evaluateImage(w: Work, gts: Boxes, gs: number, G: number, dts: Boxes, ds: number, nd: number): void {
  // Detections by score, highest first, stable (argsort(-score, kind='mergesort')); top MAX_DET.
  if (w.sortBuf.length < nd) w.sortBuf = new Int32Array(grow(nd));
  const sorted = w.sortBuf;
  for (let j = 0; j < nd; j++) sorted[j] = ds + j;
  sortByScore(sorted, nd, dts.score);
  const D = Math.min(nd, MAX_DET);
  w.reserveGt(G, D);
  const { ious, gtOrder, gtIgSorted, gtCrowdSorted, dtOut, kScore, kRank, kStatus, npig, tpCount } = w;

  // ious[d * G + g], g in input order: bbIou of maskApi.c.
  for (let g = 0; g < G; g++) {
    const gi = gs + g;
    const gx = gts.x[gi];
    const gy = gts.y[gi];
    const gw = gts.w[gi];
    const gh = gts.h[gi];
    const ga = gw * gh;
    const crowd = gts.crowd[gi] === 1;
    for (let d = 0; d < D; d++) {
      const di = sorted[d];
      const dx = dts.x[di];
      const dy = dts.y[di];
      const dw = dts.w[di];
      const dh = dts.h[di];
      const da = dw * dh;
      let o = 0;
      const iw = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (iw > 0) {
        const ih = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
        if (ih > 0) {
          const i = iw * ih;
          const u = crowd ? da : da + ga - i;
          o = i / u;
        }
      }
      ious[d * G + g] = o;
    }
  }
  // Whether each kept detection's area is outside each range.
  const base = w.nKept;
  for (let d = 0; d < D; d++) {
    const di = sorted[d];
    const area = dts.area[di];
    for (let a = 0; a < A; a++) dtOut[d * A + a] = area < AREA_LO[a] || area > AREA_HI[a] ? 1 : 0;
    kScore[base + d] = dts.score[di];
    kRank[base + d] = d;
  }
  w.nKept += D;

  for (let a = 0; a < A; a++) {
    const lo = AREA_LO[a];
    const hi = AREA_HI[a];
    // GT sorted with the ignored last, stable.
    let n = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let g = 0; g < G; g++) {
        const gi = gs + g;
        const area = gts.area[gi];
        const ig = gts.crowd[gi] === 1 || area < lo || area > hi ? 1 : 0;
        if (ig !== pass) continue;
        gtOrder[n] = g;
        gtIgSorted[n] = ig;
        gtCrowdSorted[n] = gts.crowd[gi];
        n++;
        if (ig === 0) npig[a]++;
      }
    }
    for (let t = 0; t < T; t++) {
      const stamp = w.nextStamp();
      const gtMatched = w.gtMatched;
      const thr = THRESHOLD_CAPPED[t];
      const plane = (a * T + t) * w.cap + base;
      for (let d = 0; d < D; d++) {
        let best = thr;
        let m = -1;
        const row = d * G;
        for (let g = 0; g < G; g++) {
          if (gtMatched[g] === stamp && gtCrowdSorted[g] === 0) continue;
          if (m > -1 && gtIgSorted[m] === 0 && gtIgSorted[g] === 1) break;
          const v = ious[row + gtOrder[g]];
          if (v < best) continue;
          best = v;
          m = g;
        }
        let status: number;
        if (m === -1) {
          status = dtOut[d * A + a] === 1 ? IGNORED : FP;
        } else {
          gtMatched[m] = stamp;
          status = gtIgSorted[m] === 1 ? IGNORED : TP;
        }
        kStatus[plane + d] = status;
        // Recall at the smaller maxDets: true positives among the top maxDets[m] (the largest is read from rc).
        if (status === TP) for (let mi = 0; mi < M - 1; mi++) if (d < MAX_DETS[mi]) tpCount[(a * M + mi) * T + t]++;
      }
    }
  }
}

/**
 * accumulate for category k. At maxDets[m] < 100 only the recall is read, and it is the
 * last point of the cumulative counts, which needs no order: true positives / GT. At 100
 * every kept detection counts, sorted by score stably over the concatenation (image,
 * then rank), as np.argsort(-dtScores, kind='mergesort') orders it.
 */
function accumulateCategory(w: Work, k: number, K: number, precision: Float64Array, recall: Float64Array): void {
  const { nKept: nd, kSorted: order, kStatus, npig, tpCount, rc, pr, cap } = w;
  for (let j = 0; j < nd; j++) order[j] = j;
  sortByScore(order, nd, w.kScore);
  for (let a = 0; a < A; a++) {
    const np = npig[a];
    if (np === 0) continue;
    for (let t = 0; t < T; t++) {
      for (let m = 0; m < M - 1; m++) recall[((a * M + m) * T + t) * K + k] = tpCount[(a * M + m) * T + t] / np;
      const plane = (a * T + t) * cap;
      let tp = 0;
      let fp = 0;
      for (let j = 0; j < nd; j++) {
        const s = kStatus[plane + order[j]];
        if (s === TP) tp++;
        else if (s === FP) fp++;
        rc[j] = tp / np;
        pr[j] = tp / (fp + tp + EPS);
      }
      recall[((a * M + M - 1) * T + t) * K + k] = nd ? rc[nd - 1] : 0;
      for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
      // searchsorted(rc, recThrs, side='left'); past the end the rest stay 0.
      let j = 0;
      const out = (a * T + t) * R * K + k;
      for (let r = 0; r < R; r++) {
        const thrR = RECALL_THRESHOLDS[r];
        while (j < nd && rc[j] < thrR) j++;
        precision[out + r * K] = j < nd ? pr[j] : 0;
      }
    }
  }
}

/**
 * accumulate for category k at every area range, maxDets and threshold, into pycocotools'
 * [T][R][K][A][M] arrays, scores too. Runs after accumulateCategory, whose kSorted is the
 * stable score order of all kept detections; at maxDets[m] the detections of rank <
 * maxDets[m] in that order are the ones `np.argsort(-dtScores, kind='mergesort')` sorts
 * over the images' `dtScores[0:maxDet]`, in the same order (a stable sort of a subset).
 */
function accumulateCurves(w: Work, k: number, K: number, c: CurveArrays): void {
  const { nKept, kSorted: order, kStatus, kRank, kScore, kSub: sub, npig, rc, pr, cap } = w;
  for (let m = 0; m < M; m++) {
    const maxDet = MAX_DETS[m];
    let nd = 0;
    for (let j = 0; j < nKept; j++) if (kRank[order[j]] < maxDet) sub[nd++] = order[j];
    for (let a = 0; a < A; a++) {
      const np = npig[a];
      if (np === 0) continue;
      for (let t = 0; t < T; t++) {
        const plane = (a * T + t) * cap;
        let tp = 0;
        let fp = 0;
        for (let j = 0; j < nd; j++) {
          const s = kStatus[plane + sub[j]];
          if (s === TP) tp++;
          else if (s === FP) fp++;
          rc[j] = tp / np;
          pr[j] = tp / (fp + tp + EPS);
        }
        c.recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1] : 0;
        for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
        let j = 0;
        for (let r = 0; r < R; r++) {
          const thrR = RECALL_THRESHOLDS[r];
          while (j < nd && rc[j] < thrR) j++;
          const at = (((t * R + r) * K + k) * A + a) * M + m;
          c.precision[at] = j < nd ? pr[j] : 0;
          c.scores[at] = j < nd ? kScore[sub[j]] : 0;
        }
      }
    }
  }
}

interface Boxes {
  n: number;
  img: Int32Array;
  cat: Int32Array;
  x: Float64Array;
  y: Float64Array;
  w: Float64Array;
  h: Float64Array;
  area: Float64Array;
  crowd: Uint8Array;
  score: Float64Array;
}

function describe(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v;
}

function fail(what: string, expected: string, got: unknown): never {
  throw new Error(`${what} must be ${expected}, got ${describe(got)}`);
}

function uniqueSorted(ids: unknown, name: string): number[] {
  if (!Array.isArray(ids)) fail(name, 'an array of numbers', ids);
  for (let i = 0; i < ids.length; i++) {
    if (typeof ids[i] !== 'number' || !Number.isFinite(ids[i])) fail(`${name}[${i}]`, 'a finite number', ids[i]);
  }
  return [...new Set(ids as number[])].sort((a, b) => a - b);
}

function readBoxes(items: unknown, name: 'gt' | 'dt', imgIndex: Map<number, number>, catIndex: Map<number, number>, isDt: boolean): Boxes {
  if (!Array.isArray(items)) fail(name, 'an array', items);
  const n = items.length;
  const b: Boxes = {
    n,
    img: new Int32Array(n),
    cat: new Int32Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    w: new Float64Array(n),
    h: new Float64Array(n),
    area: new Float64Array(n),
    crowd: new Uint8Array(n),
    score: new Float64Array(isDt ? n : 0),
  };
  for (let i = 0; i < n; i++) {
    const it = items[i] as Partial<EvalGt & EvalDt> | null;
    const at = `${name}[${i}]`;
    if (typeof it !== 'object' || it === null || Array.isArray(it)) fail(at, 'an object', it);
    const imageId = it.imageId;
    if (typeof imageId !== 'number' || !Number.isFinite(imageId)) fail(`${at}.imageId`, 'a finite number', imageId);
    const ii = imgIndex.get(imageId);
    if (ii === undefined) fail(`${at}.imageId`, 'one of imageIds', imageId);
    const categoryId = it.categoryId;
    if (typeof categoryId !== 'number' || !Number.isFinite(categoryId)) fail(`${at}.categoryId`, 'a finite number', categoryId);
    const ci = catIndex.get(categoryId);
    if (ci === undefined) fail(`${at}.categoryId`, 'one of categoryIds', categoryId);
    const bbox = it.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4) fail(`${at}.bbox`, 'an array [x, y, w, h]', bbox);
    for (let c = 0; c < 4; c++) {
      const v = bbox[c];
      if (typeof v !== 'number' || !Number.isFinite(v) || (c >= 2 && v < 0)) fail(`${at}.bbox[${c}]`, c >= 2 ? 'a finite number ≥ 0' : 'a finite number', v);
    }
    b.img[i] = ii;
    b.cat[i] = ci;
    b.x[i] = bbox[0];
    b.y[i] = bbox[1];
    b.w[i] = bbox[2];
    b.h[i] = bbox[3];
    if (isDt) {
      const score = it.score;
      if (typeof score !== 'number' || !Number.isFinite(score)) fail(`${at}.score`, 'a finite number', score);
      b.score[i] = score;
      b.area[i] = bbox[2] * bbox[3];
    } else {
      const area = it.area;
      if (area === undefined) b.area[i] = bbox[2] * bbox[3];
      else if (typeof area !== 'number' || !Number.isFinite(area) || area < 0) fail(`${at}.area`, 'a finite number ≥ 0 or absent', area);
      else b.area[i] = area;
      const crowd = it.iscrowd as unknown;
      if (crowd === undefined || crowd === false || crowd === 0) b.crowd[i] = 0;
      else if (crowd === true || crowd === 1) b.crowd[i] = 1;
      else fail(`${at}.iscrowd`, 'a boolean or absent', crowd);
    }
  }
  return b;
}

/**
 * The boxes reordered by category, then image, each (category, image) group in input order
 * (two stable counting sorts), so every group is a contiguous run.
 */
function grouped(b: Boxes, I: number, K: number): Boxes {
  const n = b.n;
  const order = countingSort(countingSort(null, b.img, I, n), b.cat, K, n);
  // One loop per array type keeps each monomorphic.
  const f64 = (src: Float64Array): Float64Array => {
    const out = new Float64Array(src.length);
    for (let j = 0; j < src.length; j++) out[j] = src[order[j]];
    return out;
  };
  const i32 = (src: Int32Array): Int32Array => {
    const out = new Int32Array(src.length);
    for (let j = 0; j < src.length; j++) out[j] = src[order[j]];
    return out;
  };
  const u8 = (src: Uint8Array): Uint8Array => {
    const out = new Uint8Array(src.length);
    for (let j = 0; j < src.length; j++) out[j] = src[order[j]];
    return out;
  };
  return { n, img: i32(b.img), cat: i32(b.cat), x: f64(b.x), y: f64(b.y), w: f64(b.w), h: f64(b.h), area: f64(b.area), crowd: u8(b.crowd), score: f64(b.score) };
}

/** Where each category's run starts in grouped boxes; K + 1 entries. */
function categoryStarts(cat: Int32Array, K: number): Int32Array {
  const start = new Int32Array(K + 1);
  for (let j = 0; j < cat.length; j++) start[cat[j] + 1]++;
  for (let k = 0; k < K; k++) start[k + 1] += start[k];
  return start;
}
