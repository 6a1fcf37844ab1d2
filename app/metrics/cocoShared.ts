/**
 * What COCO bounding-box evaluation over one set of images (cocoEval.ts) and over many
 * overlapping slices at once (sliceEval.ts) share, so that the two stay equal number for
 * number: pycocotools' parameters and matching constants, the counting sort that groups
 * boxes, and numpy's stable score sort and pairwise summation.
 */

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

const M = MAX_DETS.length;
export const MAX_DET = MAX_DETS[M - 1];
export const AREA_LO = Float64Array.from(AREA_RANGES, (r) => r[0]);
export const AREA_HI = Float64Array.from(AREA_RANGES, (r) => r[1]);
/** `iou = min([t, 1-1e-10])` of evaluateImg. */
export const THRESHOLD_CAPPED = Float64Array.from(IOU_THRESHOLDS, (t) => Math.min(t, 1 - 1e-10));
/** `np.spacing(1)`. */
export const EPS = 2.220446049250313e-16;
/** Per detection, area range and threshold: how `accumulate` counts it. */
export const FP = 0;
export const TP = 1;
export const IGNORED = 2;

export function countingSort(src: Int32Array | null, key: Int32Array, buckets: number, n: number): Int32Array {
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

/**
 * Sort idx[0..n), given in ascending order, by score, highest first; ties keep their
 * order (numpy's stable mergesort on -score).
 */
export function sortByScore(idx: Int32Array, n: number, score: Float64Array): void {
  if (n < 2) return;
  if (n <= 32) {
    for (let i = 1; i < n; i++) {
      const v = idx[i];
      const s = score[v];
      let j = i - 1;
      while (j >= 0 && score[idx[j]] < s) {
        idx[j + 1] = idx[j];
        j--;
      }
      idx[j + 1] = v;
    }
    return;
  }
  idx.subarray(0, n).sort((p, q) => {
    const a = score[p];
    const b = score[q];
    return a > b ? -1 : a < b ? 1 : p - q;
  });
}

export function grow(n: number): number {
  let m = 16;
  while (m < n) m *= 2;
  return m;
}

/** `np.mean(s[s > -1])`, or -1 when no entry is > -1. */
export function meanAboveMinusOne(s: Float64Array, scratch: Float64Array): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s[i] > -1) scratch[n++] = s[i];
  if (n === 0) return -1;
  return pairwiseSum(scratch, 0, n) / n;
}

/** numpy's pairwise summation of a contiguous float64 array (`pairwise_sum_DOUBLE`). */
export function pairwiseSum(a: Float64Array, lo: number, n: number): number {
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
