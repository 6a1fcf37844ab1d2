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
 * - the 12 summary numbers, each a mean (numpy's pairwise summation) over the entries > -1.
 *
 * Host-agnostic, synchronous and allocation-light: boxes live in typed arrays, one
 * category is matched and accumulated at a time.
 */

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

export interface EvalResult {
  /**
   * pycocotools' 12 numbers, in its order: AP, AP50, AP75, AP small, AP medium, AP large,
   * AR1, AR10, AR100, AR small, AR medium, AR large; -1 where nothing could be measured.
   */
  stats: number[];
  /** One entry per distinct category id, in ascending id order. */
  perCategory: EvalCategoryResult[];
}

/** Like `np.linspace(start, stop, num)` (endpoint included), value for value. */
export function linspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const out = new Array<number>(num);
  if (div <= 0) {
    for (let i = 0; i < num; i++) out[i] = start;
    return out;
  }
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  out[num - 1] = stop;
  return out;
}

/** pycocotools' `Params.iouThrs`: np.linspace(.5, 0.95, 10). */
export const IOU_THRESHOLDS: readonly number[] = Object.freeze(linspace(0.5, 0.95, 10));
/** pycocotools' `Params.recThrs`: np.linspace(.0, 1.00, 101). */
export const RECALL_THRESHOLDS: readonly number[] = Object.freeze(linspace(0, 1, 101));
/** pycocotools' `Params.maxDets`. */
export const MAX_DETS: readonly number[] = Object.freeze([1, 10, 100]);
/** pycocotools' `Params.areaRng`, labelled all, small, medium, large. */
export const AREA_RANGES: readonly (readonly [number, number])[] = Object.freeze([
  [0 ** 2, 1e5 ** 2],
  [0 ** 2, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e5 ** 2],
] as const);

const T = IOU_THRESHOLDS.length;
const R = RECALL_THRESHOLDS.length;
const A = AREA_RANGES.length;
const M = MAX_DETS.length;
const MAX_DET = MAX_DETS[M - 1];
/** `np.spacing(1)`. */
const EPS = 2.220446049250313e-16;
/** Per detection, area range and threshold: how `accumulate` counts it. */
const FP = 0;
const TP = 1;
const IGNORED = 2;

/**
 * Evaluate detections against GT as pycocotools' COCOeval does for bounding boxes
 * (useCats = 1, default parameters), over exactly the images and categories given.
 * Throws an Error naming the offending item on bad input. The signal is checked
 * between categories.
 */
export function cocoEvaluate(input: EvalInput, opts: { signal?: AbortSignal } = {}): EvalResult {
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

  const gts = readBoxes(input.gt, 'gt', imgIndex, catIndex, false);
  const dts = readBoxes(input.dt, 'dt', imgIndex, catIndex, true);
  // Annotations grouped by (category, image), each group in input order.
  const gOrder = groupOrder(gts, I, K);
  const dOrder = groupOrder(dts, I, K);
  const gCatStart = categoryStarts(gts.cat, gOrder, K);
  const dCatStart = categoryStarts(dts.cat, dOrder, K);

  // precision[a][t][r][k] at maxDets 100 (the only one the outputs read); recall[a][m][t][k].
  const precision = new Float64Array(A * T * R * K).fill(-1);
  const recall = new Float64Array(A * M * T * K).fill(-1);

  // Scratch, grown as needed.
  let ious = new Float64Array(MAX_DET * 16);
  let gtOrder = new Int32Array(16);
  let gtIgSorted = new Uint8Array(16);
  let gtCrowdSorted = new Uint8Array(16);
  let gtMatched = new Uint8Array(16);
  const dtOut = new Uint8Array(MAX_DET * A);
  let sortBuf = new Int32Array(16);
  let kScore = new Float64Array(256);
  let kRank = new Uint8Array(256);
  let kStatus = new Uint8Array(256 * A * T);
  let kSorted = new Int32Array(256);
  let rc = new Float64Array(256);
  let pr = new Float64Array(256);
  const npig = new Int32Array(A);

  for (let k = 0; k < K; k++) {
    signal?.throwIfAborted();
    const g0 = gCatStart[k];
    const g1 = gCatStart[k + 1];
    const d0 = dCatStart[k];
    const d1 = dCatStart[k + 1];
    if (g1 === g0 && d1 === d0) continue; // every evalImg of this category is None
    npig.fill(0);
    // Upper bound of detections kept for this category: all of them.
    const nDtCat = d1 - d0;
    if (kScore.length < nDtCat) {
      const n = grow(nDtCat);
      kScore = new Float64Array(n);
      kRank = new Uint8Array(n);
      kStatus = new Uint8Array(n * A * T);
      kSorted = new Int32Array(n);
      rc = new Float64Array(n);
      pr = new Float64Array(n);
    }
    let nKept = 0;

    // evaluateImg for every image of the category (images with neither GT nor dt are None).
    let gi = g0;
    let di = d0;
    while (gi < g1 || di < d1) {
      const img = Math.min(gi < g1 ? gts.img[gOrder[gi]] : I, di < d1 ? dts.img[dOrder[di]] : I);
      const gs = gi;
      while (gi < g1 && gts.img[gOrder[gi]] === img) gi++;
      const ds = di;
      while (di < d1 && dts.img[dOrder[di]] === img) di++;
      const G = gi - gs;
      const nd = di - ds;

      // Detections by score, highest first, stable (argsort(-score, kind='mergesort')); top MAX_DET.
      if (sortBuf.length < nd) sortBuf = new Int32Array(grow(nd));
      const sorted = sortBuf.subarray(0, nd);
      for (let j = 0; j < nd; j++) sorted[j] = dOrder[ds + j];
      sortByScore(sorted, dts.score);
      const D = Math.min(nd, MAX_DET);

      if (G > gtOrder.length) {
        const n = grow(G);
        gtOrder = new Int32Array(n);
        gtIgSorted = new Uint8Array(n);
        gtCrowdSorted = new Uint8Array(n);
        gtMatched = new Uint8Array(n);
      }
      if (D * G > ious.length) ious = new Float64Array(grow(D * G));
      // ious[d * G + g], g in input order (bbIou).
      for (let g = 0; g < G; g++) {
        const gIdx = gOrder[gs + g];
        const gx = gts.x[gIdx];
        const gy = gts.y[gIdx];
        const gw = gts.w[gIdx];
        const gh = gts.h[gIdx];
        const ga = gw * gh;
        const crowd = gts.crowd[gIdx] === 1;
        for (let d = 0; d < D; d++) {
          const dIdx = sorted[d];
          const dx = dts.x[dIdx];
          const dy = dts.y[dIdx];
          const dw = dts.w[dIdx];
          const dh = dts.h[dIdx];
          const da = dw * dh;
          let o = 0;
          const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
          if (w > 0) {
            const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
            if (h > 0) {
              const i = w * h;
              const u = crowd ? da : da + ga - i;
              o = i / u;
            }
          }
          ious[d * G + g] = o;
        }
      }
      // Whether each kept detection's area is outside each range.
      for (let d = 0; d < D; d++) {
        const dIdx = sorted[d];
        const area = dts.area[dIdx];
        for (let a = 0; a < A; a++) dtOut[d * A + a] = area < AREA_RANGES[a][0] || area > AREA_RANGES[a][1] ? 1 : 0;
      }

      const base = nKept;
      for (let d = 0; d < D; d++) {
        kScore[base + d] = dts.score[sorted[d]];
        kRank[base + d] = d;
      }
      nKept += D;

      for (let a = 0; a < A; a++) {
        const lo = AREA_RANGES[a][0];
        const hi = AREA_RANGES[a][1];
        // GT sorted with the ignored last, stable.
        let n = 0;
        for (let pass = 0; pass < 2; pass++) {
          for (let g = 0; g < G; g++) {
            const gIdx = gOrder[gs + g];
            const area = gts.area[gIdx];
            const ig = gts.crowd[gIdx] === 1 || area < lo || area > hi ? 1 : 0;
            if (ig !== pass) continue;
            gtOrder[n] = g;
            gtIgSorted[n] = ig;
            gtCrowdSorted[n] = gts.crowd[gIdx];
            n++;
            if (ig === 0) npig[a]++;
          }
        }
        for (let t = 0; t < T; t++) {
          gtMatched.fill(0, 0, G);
          const thr = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
          for (let d = 0; d < D; d++) {
            let best = thr;
            let m = -1;
            const row = d * G;
            for (let g = 0; g < G; g++) {
              if (gtMatched[g] === 1 && gtCrowdSorted[g] === 0) continue;
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
              gtMatched[m] = 1;
              status = gtIgSorted[m] === 1 ? IGNORED : TP;
            }
            kStatus[((base + d) * A + a) * T + t] = status;
          }
        }
      }
    }

    // accumulate: all kept detections of the category, in image order then rank order,
    // sorted by score stably; a maxDets cut keeps a subsequence of that order.
    const order = kSorted.subarray(0, nKept);
    for (let j = 0; j < nKept; j++) order[j] = j;
    sortByScore(order, kScore);
    for (let a = 0; a < A; a++) {
      if (npig[a] === 0) continue;
      for (let m = 0; m < M; m++) {
        const maxDet = MAX_DETS[m];
        const withPrecision = m === M - 1;
        for (let t = 0; t < T; t++) {
          let tp = 0;
          let fp = 0;
          let nd = 0;
          for (let j = 0; j < nKept; j++) {
            const p = order[j];
            if (kRank[p] >= maxDet) continue;
            const s = kStatus[(p * A + a) * T + t];
            if (s === TP) tp++;
            else if (s === FP) fp++;
            rc[nd] = tp / npig[a];
            pr[nd] = tp / (fp + tp + EPS);
            nd++;
          }
          recall[((a * M + m) * T + t) * K + k] = nd ? rc[nd - 1] : 0;
          if (!withPrecision) continue;
          for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
          // searchsorted(rc, recThrs, side='left'); past the end the rest stay 0.
          let j = 0;
          const out = ((a * T + t) * R) * K + k;
          for (let r = 0; r < R; r++) {
            const thrR = RECALL_THRESHOLDS[r];
            while (j < nd && rc[j] < thrR) j++;
            precision[out + r * K] = j < nd ? pr[j] : 0;
          }
        }
      }
    }
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
  return { stats, perCategory };
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

/** Indices of the boxes grouped by category, then image, each group in input order (two stable counting sorts). */
function groupOrder(b: Boxes, I: number, K: number): Int32Array {
  const n = b.n;
  const byImg = countingSort(null, b.img, I, n);
  return countingSort(byImg, b.cat, K, n);
}

function countingSort(src: Int32Array | null, key: Int32Array, buckets: number, n: number): Int32Array {
  const start = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) start[key[i] + 1]++;
  for (let k = 0; k < buckets; k++) start[k + 1] += start[k];
  const out = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const i = src === null ? j : src[j];
    out[start[key[i]]++] = i;
  }
  return out;
}

/** Where each category's run starts in a grouped order; K + 1 entries. */
function categoryStarts(cat: Int32Array, order: Int32Array, K: number): Int32Array {
  const start = new Int32Array(K + 1);
  for (let j = 0; j < order.length; j++) start[cat[order[j]] + 1]++;
  for (let k = 0; k < K; k++) start[k + 1] += start[k];
  return start;
}

/** Sort indices by score, highest first; ties keep their order (numpy's stable mergesort on -score). */
function sortByScore(idx: Int32Array, score: Float64Array): void {
  if (idx.length < 2) return;
  idx.sort((p, q) => {
    const a = score[p];
    const b = score[q];
    return a > b ? -1 : a < b ? 1 : p - q;
  });
}

function grow(n: number): number {
  let m = 16;
  while (m < n) m *= 2;
  return m;
}

/** `np.mean(s[s > -1])`, or -1 when no entry is > -1. */
function meanAboveMinusOne(s: Float64Array, scratch: Float64Array): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s[i] > -1) scratch[n++] = s[i];
  if (n === 0) return -1;
  return pairwiseSum(scratch, 0, n) / n;
}

/** numpy's pairwise summation of a contiguous float64 array (`pairwise_sum_DOUBLE`). */
function pairwiseSum(a: Float64Array, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[lo];
    let r1 = a[lo + 1];
    let r2 = a[lo + 2];
    let r3 = a[lo + 3];
    let r4 = a[lo + 4];
    let r5 = a[lo + 5];
    let r6 = a[lo + 6];
    let r7 = a[lo + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      r0 += a[lo + i];
      r1 += a[lo + i + 1];
      r2 += a[lo + i + 2];
      r3 += a[lo + i + 3];
      r4 += a[lo + i + 4];
      r5 += a[lo + i + 5];
      r6 += a[lo + i + 6];
      r7 += a[lo + i + 7];
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}
