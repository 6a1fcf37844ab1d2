import { LoupeError } from '../domain/errors.ts';
import { mulberry32 } from '../domain/random.ts';

/** Dataset split names, in the order fractions are given. */
export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** `0.8,0.2` or `0.7,0.2,0.1` as fractions for train, val and test; anything else is a clear error. */
export function parseSplit(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
    throw new LoupeError('bad_request', `split must be two or three numbers separated by commas (train,val[,test]), e.g. 0.8,0.2; got "${text}"`);
  }
  checkSplit(nums);
  return nums;
}

/** Fractions for train, val[, test]: 2 or 3 of them, each above 0, adding up to 1. */
export function checkSplit(fractions: readonly number[]): void {
  if (fractions.length < 2 || fractions.length > 3) {
    throw new LoupeError('bad_request', `split needs 2 or 3 fractions (train,val[,test]), got ${fractions.length}`);
  }
  if (fractions.some((f) => !(f > 0 && f < 1))) throw new LoupeError('bad_request', `every split fraction must be above 0 and below 1, got ${fractions.join(',')}`);
  const sum = fractions.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new LoupeError('bad_request', `split fractions must add up to 1, got ${fractions.join(',')} (sum ${sum})`);
}

/** The split's seeded PRNG (mulberry32). */
export const prng = mulberry32;

/** How many of `n` items each split takes: largest remainders, ties to the earlier split. */
function quotas(n: number, fractions: readonly number[]): number[] {
  const raw = fractions.map((f) => f * n);
  const q = raw.map(Math.floor);
  let left = n - q.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    q[i]++;
    left--;
  }
  return q;
}

/**
 * Split images deterministically for a seed, stratified by class: classes are
 * taken rarest first, and each unassigned image holding the class goes to the
 * split furthest below its share of that class (val and test want at least one
 * when the class has an image for every split), within each split's quota.
 * Images without boxes fill the remaining quotas. Returns split index per image.
 *
 * `classesOf` maps image id → the class ids it has boxes of.
 */
export function stratifiedSplit(imageIds: readonly number[], classesOf: ReadonlyMap<number, readonly number[]>, fractions: readonly number[], seed: number): Map<number, number> {
  const pairImage: number[] = [];
  const pairClass: number[] = [];
  imageIds.forEach((id, i) => {
    for (const c of classesOf.get(id) ?? []) {
      pairImage.push(i);
      pairClass.push(c);
    }
  });
  const split = stratifiedSplitIndexed(imageIds, Int32Array.from(pairImage), Float64Array.from(pairClass), pairImage.length, fractions, seed);
  return new Map(imageIds.map((id, i) => [id, split[i]]));
}

/**
 * `stratifiedSplit` on flat arrays, for exports of a million boxes: box `k`
 * (of `count`) is on image `pairImage[k]` (an index into `imageIds`) and of class
 * `pairClass[k]`; repeats are fine. Returns the split index of each image index.
 */
export function stratifiedSplitIndexed(
  imageIds: ArrayLike<number>,
  pairImage: Int32Array,
  pairClass: Float64Array,
  count: number,
  fractions: readonly number[],
  seed: number,
): Uint8Array {
  const n = imageIds.length;
  const rand = prng(seed);
  // Image indices in id order, then shuffled: the same sequence as shuffling the sorted ids.
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => imageIds[a] - imageIds[b]);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const pos = new Int32Array(n);
  for (let p = 0; p < n; p++) pos[order[p]] = p;

  // Per class, its images in shuffled order: one numeric sort of rank·n + position.
  const classIds = [...new Set(pairClass.subarray(0, count))].sort((a, b) => a - b);
  const rank = new Map(classIds.map((c, r) => [c, r]));
  const keys = new Float64Array(count);
  for (let k = 0; k < count; k++) keys[k] = rank.get(pairClass[k])! * n + pos[pairImage[k]];
  keys.sort();
  const members = new Int32Array(count);
  const segStart = new Int32Array(classIds.length + 1);
  let m = 0;
  for (let k = 0; k < count; k++) {
    if (k > 0 && keys[k] === keys[k - 1]) continue;
    const r = Math.floor(keys[k] / n);
    members[m++] = order[keys[k] - r * n];
    segStart[r + 1] = m;
  }
  for (let r = 1; r <= classIds.length; r++) segStart[r] = Math.max(segStart[r], segStart[r - 1]);
  const classOrder = classIds.map((_, r) => r).sort((a, b) => segStart[a + 1] - segStart[a] - (segStart[b + 1] - segStart[b]) || a - b);

  const k = fractions.length;
  const quota = quotas(n, fractions);
  const filled = new Array<number>(k).fill(0);
  const UNSET = 255;
  const out = new Uint8Array(n).fill(UNSET);
  for (const r of classOrder) {
    const ids = members.subarray(segStart[r], segStart[r + 1]);
    if (!ids.length) continue;
    const have = new Array<number>(k).fill(0);
    for (const i of ids) if (out[i] !== UNSET) have[out[i]]++;
    const want = fractions.map((f) => f * ids.length);
    if (ids.length >= k) {
      for (let s = 1; s < k; s++) want[s] = Math.max(1, want[s]);
      want[0] = ids.length - want.slice(1).reduce((a, b) => a + b, 0);
    }
    for (const i of ids) {
      if (out[i] !== UNSET) continue;
      let best = -1;
      for (let s = 0; s < k; s++) {
        if (filled[s] >= quota[s]) continue;
        if (best < 0) {
          best = s;
          continue;
        }
        const d = want[s] - have[s] - (want[best] - have[best]);
        if (d > 1e-9 || (Math.abs(d) <= 1e-9 && quota[s] - filled[s] > quota[best] - filled[best])) best = s;
      }
      if (best < 0) best = 0;
      out[i] = best;
      have[best]++;
      filled[best]++;
    }
  }
  for (let p = 0; p < n; p++) {
    const i = order[p];
    if (out[i] !== UNSET) continue;
    let best = 0;
    for (let s = 1; s < k; s++) if (quota[s] - filled[s] > quota[best] - filled[best]) best = s;
    out[i] = best;
    filled[best]++;
  }
  return out;
}
