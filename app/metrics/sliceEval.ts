/**
 * COCO bounding-box evaluation of many overlapping sets of images (slices) at once,
 * each giving the numbers `cocoEvaluate` (cocoEval.ts) gives on that set alone, bit
 * for bit.
 *
 * Why it can share work: pycocotools' `evaluateImg` of one image and category does
 * not depend on which other images are evaluated; only `accumulate` does. So every
 * (image, category) is matched once, at every area range and IoU threshold, and each
 * slice accumulates the statuses of its own images' detections. Their order is the
 * order cocoEvaluate would sort them in on the slice alone: a stable sort by score of
 * the concatenation by image (ascending id), then rank, which is the order of one
 * sort over all images restricted to the slice.
 *
 * Boxes come as columns of typed arrays, never one object per box. Reference boxes
 * here are never crowd regions and their area is w·h (project boxes are neither).
 * Categories are independent, so `categories` evaluates a subset of them, and the
 * parts of several calls (one per worker) merge column by column (`mergeSliceParts`).
 */
import { AREA_HI, AREA_LO, AREA_RANGES, countingSort, EPS, FP, grow, IGNORED, IOU_THRESHOLDS, MAX_DET, MAX_DETS, meanAboveMinusOne, RECALL_THRESHOLDS, sortByScore, THRESHOLD_CAPPED, TP } from './cocoShared.ts';

/** Boxes as columns: image id, class id and [x, y, w, h]; `score` for detections. */
export interface BoxColumns {
  n: number;
  imageId: Int32Array;
  classId: Int32Array;
  x: Float64Array;
  y: Float64Array;
  w: Float64Array;
  h: Float64Array;
  score?: Float64Array;
}

export interface SliceEvalInput {
  /** The evaluated images' ids (each once); boxes on other images are left out. */
  imageIds: ArrayLike<number>;
  /** The evaluated classes (any order; arrays index them in ascending id order, as cocoEvaluate does); boxes of other classes are left out. */
  classIds: readonly number[];
  gt: BoxColumns;
  dt: BoxColumns;
  /** Each slice as the ids of its images (a subset of imageIds). */
  slices: readonly ArrayLike<number>[];
  /** Evaluate only these class ids (default all): one worker's share. */
  categories?: readonly number[];
  /** Called after each category. */
  progress?: (done: number, total: number) => void;
}

/** One slice's accumulated arrays for the categories evaluated (the columns of cocoEvaluate's arrays). */
export interface SlicePart {
  /** precision[((a * T + t) * R + r) * K + k] at maxDets 100; -1 where no reference box. */
  precision: Float64Array;
  /** recall[((a * M + m) * T + t) * K + k]. */
  recall: Float64Array;
  /** Per category: reference boxes, detections, and reference boxes found at IoU 0.5 (area all). */
  gt: Int32Array;
  dt: Int32Array;
  found: Int32Array;
}

/** A slice's numbers, as cocoEvaluate gives them on its images, with the counts of boxes found, missed and false alarms. */
export interface SliceNumbers {
  images: number;
  gt: number;
  dt: number;
  stats: number[];
  perCategory: { categoryId: number; ap: number; ap50: number; gt: number; dt: number }[];
  /** Reference boxes a detection of their class found at IoU 0.5 (COCO's greedy matching, top 100 per image and class). */
  found: number;
  missed: number;
  /** Detections that found no reference box. */
  falseAlarms: number;
}

const T = IOU_THRESHOLDS.length;
const R = RECALL_THRESHOLDS.length;
const A = AREA_RANGES.length;
const M = MAX_DETS.length;

/** An empty part for `slices` slices of K categories: precision and recall -1, counts 0. */
export function emptySliceParts(slices: number, K: number): SlicePart[] {
  return Array.from({ length: slices }, () => ({
    precision: new Float64Array(A * T * R * K).fill(-1),
    recall: new Float64Array(A * M * T * K).fill(-1),
    gt: new Int32Array(K),
    dt: new Int32Array(K),
    found: new Int32Array(K),
  }));
}

/**
 * Match every image once and accumulate every slice, for the categories asked
 * (default all). Returns one part per slice, with -1 (and 0 counts) in the columns of
 * the categories not evaluated, so parts of disjoint category sets merge by taking
 * each column from the part that evaluated it.
 */
export function evaluateSliceParts(input: SliceEvalInput): SlicePart[] {
  const classIds = sortedIds(input.classIds);
  const K = classIds.length;
  const S = input.slices.length;
  const ids = Int32Array.from(input.imageIds).sort();
  const I = ids.length;
  const imgIndex = new Map<number, number>();
  ids.forEach((id, n) => imgIndex.set(id, n));
  const catIndex = new Map<number, number>();
  classIds.forEach((id, n) => catIndex.set(id, n));
  const wanted = new Uint8Array(K);
  for (const id of input.categories ?? classIds) {
    const k = catIndex.get(id);
    if (k === undefined) throw new Error(`category ${id} is not one of the evaluated classes`);
    wanted[k] = 1;
  }

  // Slices of each image (CSR): image n is in sliceList[sliceStart[n] .. sliceStart[n + 1]).
  const sliceStart = new Int32Array(I + 1);
  const members = input.slices.map((s) => {
    const out = new Int32Array(s.length);
    for (let j = 0; j < s.length; j++) {
      const n = imgIndex.get(s[j]);
      if (n === undefined) throw new Error(`slice image ${s[j]} is not one of the evaluated images`);
      out[j] = n;
      sliceStart[n + 1]++;
    }
    return out;
  });
  for (let n = 0; n < I; n++) sliceStart[n + 1] += sliceStart[n];
  const sliceList = new Int32Array(sliceStart[I]);
  const fill = sliceStart.slice(0, I);
  members.forEach((m, s) => {
    for (let j = 0; j < m.length; j++) sliceList[fill[m[j]]++] = s;
  });

  const gts = groupedColumns(input.gt, imgIndex, catIndex, wanted, I, K, false);
  const dts = groupedColumns(input.dt, imgIndex, catIndex, wanted, I, K, true);
  const parts = emptySliceParts(S, K);
  const w = new Work();
  const npig = new Int32Array(S * A);
  let done = 0;
  const total = wanted.reduce((n, x) => n + x, 0);

  for (let k = 0; k < K; k++) {
    if (!wanted[k]) continue;
    const g0 = gts.start[k];
    const g1 = gts.start[k + 1];
    const d0 = dts.start[k];
    const d1 = dts.start[k + 1];
    // Counts per slice, and the non-ignored reference boxes per slice and area range.
    npig.fill(0);
    for (let g = g0; g < g1; g++) {
      const n = gts.img[g];
      const area = gts.w[g] * gts.h[g];
      for (let q = sliceStart[n]; q < sliceStart[n + 1]; q++) {
        const s = sliceList[q];
        parts[s].gt[k]++;
        for (let a = 0; a < A; a++) if (!(area < AREA_LO[a] || area > AREA_HI[a])) npig[s * A + a]++;
      }
    }
    for (let d = d0; d < d1; d++) {
      const n = dts.img[d];
      for (let q = sliceStart[n]; q < sliceStart[n + 1]; q++) parts[sliceList[q]].dt[k]++;
    }
    if (g1 > g0 || d1 > d0) {
      w.startCategory(d1 - d0);
      let gs = g0;
      let ds = d0;
      while (gs < g1 || ds < d1) {
        const img = Math.min(gs < g1 ? gts.img[gs] : I, ds < d1 ? dts.img[ds] : I);
        let ge = gs;
        while (ge < g1 && gts.img[ge] === img) ge++;
        let de = ds;
        while (de < d1 && dts.img[de] === img) de++;
        evaluateImage(w, img, gts, gs, ge - gs, dts, ds, de - ds);
        gs = ge;
        ds = de;
      }
      accumulateSlices(w, k, K, S, sliceStart, sliceList, npig, parts);
    }
    input.progress?.(++done, total);
  }
  return parts;
}

/** The parts of workers that evaluated disjoint categories, merged into one per slice. */
export function mergeSliceParts(partsByWorker: SlicePart[][], categoriesByWorker: readonly (readonly number[])[], classIds: readonly number[]): SlicePart[] {
  const ids = sortedIds(classIds);
  const K = ids.length;
  const S = partsByWorker[0]?.length ?? 0;
  const out = emptySliceParts(S, K);
  partsByWorker.forEach((parts, wi) => {
    for (const id of categoriesByWorker[wi]) {
      const k = ids.indexOf(id);
      for (let s = 0; s < S; s++) {
        const p = parts[s];
        const o = out[s];
        for (let i = k; i < p.precision.length; i += K) o.precision[i] = p.precision[i];
        for (let i = k; i < p.recall.length; i += K) o.recall[i] = p.recall[i];
        o.gt[k] = p.gt[k];
        o.dt[k] = p.dt[k];
        o.found[k] = p.found[k];
      }
    }
  });
  return out;
}

/** A slice's twelve numbers and per-category AP from its part, as cocoEvaluate's summarize computes them. */
export function summarizeSlice(part: SlicePart, classIds: readonly number[], images: number): SliceNumbers {
  const ids = sortedIds(classIds);
  const K = ids.length;
  const { precision, recall } = part;
  const scratch = new Float64Array(Math.max(T * R * K, 1));
  const tAt = (thr: number) => IOU_THRESHOLDS.indexOf(thr);
  const ap = (a: number, t: number | null) => {
    const t0 = t === null ? 0 : t;
    const t1 = t === null ? T : t + 1;
    if (t0 < 0) return -1;
    return meanAboveMinusOne(precision.subarray((a * T + t0) * R * K, (a * T + t1) * R * K), scratch);
  };
  const ar = (a: number, m: number) => meanAboveMinusOne(recall.subarray((a * M + m) * T * K, (a * M + m + 1) * T * K), scratch);
  const stats = [ap(0, null), ap(0, tAt(0.5)), ap(0, tAt(0.75)), ap(1, null), ap(2, null), ap(3, null), ar(0, 0), ar(0, 1), ar(0, 2), ar(1, 2), ar(2, 2), ar(3, 2)];
  const byId = ids.map((id, k) => ({ id, k }));
  const one = new Float64Array(T * R);
  const t50 = tAt(0.5);
  let gt = 0;
  let dt = 0;
  let found = 0;
  const perCategory = byId.map(({ id, k }) => {
    for (let t = 0; t < T; t++) for (let r = 0; r < R; r++) one[t * R + r] = precision[(t * R + r) * K + k];
    gt += part.gt[k];
    dt += part.dt[k];
    found += part.found[k];
    return {
      categoryId: id,
      ap: meanAboveMinusOne(one, scratch),
      ap50: t50 < 0 ? -1 : meanAboveMinusOne(one.subarray(t50 * R, (t50 + 1) * R), scratch),
      gt: part.gt[k],
      dt: part.dt[k],
    };
  });
  return { images, gt, dt, stats, perCategory, found, missed: gt - found, falseAlarms: dt - found };
}

/** One class's precision at pycocotools' 101 recall points, area all, 100 detections: at IoU 0.50, and the mean over IoU 0.50:0.95; -1 without reference boxes. */
export interface PrCurve {
  categoryId: number;
  recall: number[];
  precision50: number[];
  precision: number[];
}

/** The PR curves of every class (ascending id) from a slice's part: the precision arrays cocoEvaluate's `curves` give at area all, maxDets 100. */
export function prCurves(part: SlicePart, classIds: readonly number[]): PrCurve[] {
  const ids = sortedIds(classIds);
  const K = ids.length;
  const at = (t: number, r: number, k: number) => part.precision[(t * R + r) * K + k];
  return ids.map((categoryId, k) => {
    const precision50 = RECALL_THRESHOLDS.map((_, r) => at(0, r, k));
    const precision = RECALL_THRESHOLDS.map((_, r) => {
      let sum = 0;
      let n = 0;
      for (let t = 0; t < T; t++) {
        const v = at(t, r, k);
        if (v > -1) {
          sum += v;
          n++;
        }
      }
      return n ? sum / n : -1;
    });
    return { categoryId, recall: [...RECALL_THRESHOLDS], precision50, precision };
  });
}

interface Grouped {
  n: number;
  /** Where each category's run starts; K + 1 entries. */
  start: Int32Array;
  img: Int32Array;
  x: Float64Array;
  y: Float64Array;
  w: Float64Array;
  h: Float64Array;
  score: Float64Array;
}

/** The boxes of evaluated images and wanted categories, grouped by category then image, each group in input order. */
function groupedColumns(
  b: BoxColumns,
  imgIndex: Map<number, number>,
  catIndex: Map<number, number>,
  wanted: Uint8Array,
  I: number,
  K: number,
  isDt: boolean,
): Grouped {
  if (isDt && !b.score) throw new Error('detections need a score column');
  const img = new Int32Array(b.n);
  const cat = new Int32Array(b.n);
  let kept = 0;
  const keep = new Int32Array(b.n);
  for (let i = 0; i < b.n; i++) {
    const n = imgIndex.get(b.imageId[i]);
    const k = catIndex.get(b.classId[i]);
    if (n === undefined || k === undefined || !wanted[k]) continue;
    img[kept] = n;
    cat[kept] = k;
    keep[kept++] = i;
  }
  // Two stable counting sorts: by image, then by category.
  const byImg = countingSort(null, img, I, kept);
  const order = countingSort(byImg, cat, K, kept);
  const start = new Int32Array(K + 1);
  for (let j = 0; j < kept; j++) start[cat[j] + 1]++;
  for (let k = 0; k < K; k++) start[k + 1] += start[k];
  const g: Grouped = {
    n: kept,
    start,
    img: new Int32Array(kept),
    x: new Float64Array(kept),
    y: new Float64Array(kept),
    w: new Float64Array(kept),
    h: new Float64Array(kept),
    score: new Float64Array(isDt ? kept : 0),
  };
  for (let j = 0; j < kept; j++) {
    const o = order[j];
    const i = keep[o];
    g.img[j] = img[o];
    g.x[j] = b.x[i];
    g.y[j] = b.y[i];
    g.w[j] = b.w[i];
    g.h[j] = b.h[i];
    if (isDt) g.score[j] = b.score![i];
  }
  return g;
}

/** Distinct ids ascending: the category order of cocoEvaluate's arrays (their means sum in that order). */
export function sortedIds(ids: readonly number[]): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** Scratch buffers and the kept detections of the current category. */
class Work {
  ious = new Float64Array(MAX_DET * 16);
  gtOrder = new Int32Array(16);
  gtIgSorted = new Uint8Array(16);
  gtMatched = new Int32Array(16);
  stamp = 0;
  dtOut = new Uint8Array(MAX_DET * A);
  sortBuf = new Int32Array(16);
  cap = 256;
  nKept = 0;
  kScore = new Float64Array(256);
  /** Image index and rank within its image of each kept detection. */
  kImg = new Int32Array(256);
  kRank = new Int32Array(256);
  /** kStatus[(a * T + t) * cap + j]. */
  kStatus = new Uint8Array(256 * A * T);
  kSorted = new Int32Array(256);
  /** kStatus and kRank in score order (accumulateSlices). */
  sStatus = new Uint8Array(0);
  sRank = new Int32Array(0);
  pr = new Float64Array(256);
  list = new Int32Array(256);

  startCategory(maxKept: number): void {
    this.nKept = 0;
    if (this.cap < maxKept) {
      const cap = grow(maxKept);
      this.cap = cap;
      this.kScore = new Float64Array(cap);
      this.kImg = new Int32Array(cap);
      this.kRank = new Int32Array(cap);
      this.kStatus = new Uint8Array(cap * A * T);
      this.kSorted = new Int32Array(cap);
      this.pr = new Float64Array(cap);
    }
  }

  reserveGt(G: number, D: number): void {
    if (G > this.gtOrder.length) {
      const n = grow(G);
      this.gtOrder = new Int32Array(n);
      this.gtIgSorted = new Uint8Array(n);
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

/** pycocotools' evaluateImg for one image and category at every area range and threshold (no crowd regions). */
function evaluateImage(w: Work, img: number, gts: Grouped, gs: number, G: number, dts: Grouped, ds: number, nd: number): void {
  if (w.sortBuf.length < nd) w.sortBuf = new Int32Array(grow(nd));
  const sorted = w.sortBuf;
  for (let j = 0; j < nd; j++) sorted[j] = ds + j;
  sortByScore(sorted, nd, dts.score);
  const D = Math.min(nd, MAX_DET);
  w.reserveGt(G, D);
  const { ious, gtOrder, gtIgSorted, dtOut, kScore, kImg, kRank, kStatus } = w;
  for (let g = 0; g < G; g++) {
    const gi = gs + g;
    const gx = gts.x[gi];
    const gy = gts.y[gi];
    const gw = gts.w[gi];
    const gh = gts.h[gi];
    const ga = gw * gh;
    for (let d = 0; d < D; d++) {
      const di = sorted[d];
      const dx = dts.x[di];
      const dy = dts.y[di];
      const dw = dts.w[di];
      const dh = dts.h[di];
      let o = 0;
      const iw = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (iw > 0) {
        const ih = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
        if (ih > 0) {
          const i = iw * ih;
          o = i / (dw * dh + ga - i);
        }
      }
      ious[d * G + g] = o;
    }
  }
  const base = w.nKept;
  for (let d = 0; d < D; d++) {
    const di = sorted[d];
    const area = dts.w[di] * dts.h[di];
    for (let a = 0; a < A; a++) dtOut[d * A + a] = area < AREA_LO[a] || area > AREA_HI[a] ? 1 : 0;
    kScore[base + d] = dts.score[di];
    kImg[base + d] = img;
    kRank[base + d] = d;
  }
  w.nKept += D;
  for (let a = 0; a < A; a++) {
    const lo = AREA_LO[a];
    const hi = AREA_HI[a];
    let n = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let g = 0; g < G; g++) {
        const gi = gs + g;
        const area = gts.w[gi] * gts.h[gi];
        const ig = area < lo || area > hi ? 1 : 0;
        if (ig !== pass) continue;
        gtOrder[n] = g;
        gtIgSorted[n] = ig;
        n++;
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
          if (gtMatched[g] === stamp) continue;
          if (m > -1 && gtIgSorted[m] === 0 && gtIgSorted[g] === 1) break;
          const v = ious[row + gtOrder[g]];
          if (v < best) continue;
          best = v;
          m = g;
        }
        let status: number;
        if (m === -1) status = dtOut[d * A + a] === 1 ? IGNORED : FP;
        else {
          gtMatched[m] = stamp;
          status = gtIgSorted[m] === 1 ? IGNORED : TP;
        }
        kStatus[plane + d] = status;
      }
    }
  }
}

/** accumulate for category k, once per slice, over the slice's kept detections in the global score order. */
function accumulateSlices(
  w: Work,
  k: number,
  K: number,
  S: number,
  sliceStart: Int32Array,
  sliceList: Int32Array,
  npig: Int32Array,
  parts: SlicePart[],
): void {
  const { nKept: nd, kSorted: order, kImg, kRank, cap } = w;
  for (let j = 0; j < nd; j++) order[j] = j;
  sortByScore(order, nd, w.kScore);
  // Statuses, images and ranks moved into score order once, so each slice reads them forwards, not scattered.
  if (w.sStatus.length < w.kStatus.length) w.sStatus = new Uint8Array(w.kStatus.length);
  const kStatus = w.sStatus;
  const from = w.kStatus;
  for (let plane = 0; plane < A * T; plane++) {
    const base = plane * cap;
    for (let j = 0; j < nd; j++) kStatus[base + j] = from[base + order[j]];
  }
  if (w.sRank.length < cap) w.sRank = new Int32Array(cap);
  const sRank = w.sRank;
  for (let j = 0; j < nd; j++) sRank[j] = kRank[order[j]];
  // Each slice's detections in that order (CSR over slices).
  const start = new Int32Array(S + 1);
  for (let j = 0; j < nd; j++) {
    const n = kImg[j];
    for (let q = sliceStart[n]; q < sliceStart[n + 1]; q++) start[sliceList[q] + 1]++;
  }
  for (let s = 0; s < S; s++) start[s + 1] += start[s];
  if (w.list.length < start[S]) w.list = new Int32Array(grow(start[S]));
  const list = w.list;
  const fill = start.slice(0, S);
  for (let j = 0; j < nd; j++) {
    const n = kImg[order[j]];
    for (let q = sliceStart[n]; q < sliceStart[n + 1]; q++) list[fill[sliceList[q]]++] = j;
  }
  // Precision only changes upwards at a true positive: between two, a false positive lowers it and an
  // ignored detection keeps it. So the envelope (the maximum from the right) at any point is the
  // maximum over the true positives from there on, and the first point reaching a recall is a true
  // positive (or the first point, for recall 0). Only the true positives' precision is computed; every
  // value is the same division of the same counts as accumulate's, so the result is the same to the bit.
  const pr = w.pr;
  const small = new Int32Array(M - 1);
  const need = new Int32Array(R);
  for (let s = 0; s < S; s++) {
    const part = parts[s];
    const l0 = start[s];
    const n = start[s + 1] - l0;
    // found: true positives at IoU 0.5, area all.
    let found = 0;
    for (let j = 0; j < n; j++) if (kStatus[list[l0 + j]] === TP) found++;
    part.found[k] = found;
    for (let a = 0; a < A; a++) {
      const np = npig[s * A + a];
      if (np === 0) continue;
      // need[r]: the fewest true positives whose recall tp / np is not below recall point r.
      for (let r = 0; r < R; r++) {
        const thrR = RECALL_THRESHOLDS[r];
        let lo = r > 0 ? need[r - 1] : 0;
        let hi = np;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (mid / np < thrR) lo = mid + 1;
          else hi = mid;
        }
        need[r] = lo;
      }
      for (let t = 0; t < T; t++) {
        const plane = (a * T + t) * cap;
        let tp = 0;
        let fp = 0;
        small.fill(0);
        for (let j = 0; j < n; j++) {
          const kj = list[l0 + j];
          const st = kStatus[plane + kj];
          if (st === TP) {
            tp++;
            const rank = sRank[kj];
            for (let m = 0; m < M - 1; m++) if (rank < MAX_DETS[m]) small[m]++;
            pr[tp - 1] = tp / (fp + tp + EPS);
          } else if (st === FP) fp++;
        }
        for (let m = 0; m < M - 1; m++) part.recall[((a * M + m) * T + t) * K + k] = small[m] / np;
        part.recall[((a * M + M - 1) * T + t) * K + k] = n ? tp / np : 0;
        for (let i = tp - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
        const out = (a * T + t) * R * K + k;
        for (let r = 0; r < R; r++) {
          const q = need[r];
          let v = 0;
          if (n > 0 && q <= tp) v = q === 0 ? (tp > 0 ? pr[0] : 0) : pr[q - 1];
          part.precision[out + r * K] = v;
        }
      }
    }
  }
}
