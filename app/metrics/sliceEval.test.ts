import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../domain/random.ts';
import { cocoEvaluate, type EvalDt, type EvalGt } from './cocoEval.ts';
import { evaluateSliceParts, mergeSliceParts, summarizeSlice, type BoxColumns } from './sliceEval.ts';

interface Case {
  imageIds: number[];
  classIds: number[];
  gt: EvalGt[];
  dt: EvalDt[];
  slices: number[][];
}

/** Random images with boxes of every size range, detections near them (some duplicated, scores with ties), and overlapping slices. */
function randomCase(seed: number, images = 60, classes = 4): Case {
  const rand = mulberry32(seed);
  const imageIds = Array.from({ length: images }, (_, i) => 3 + i * 2);
  const classIds = Array.from({ length: classes }, (_, k) => [7, 2, 11, 5, 9][k]);
  const gt: EvalGt[] = [];
  const dt: EvalDt[] = [];
  const size = () => [8, 40, 150][Math.floor(rand() * 3)] * (0.5 + rand());
  for (const imageId of imageIds) {
    const n = Math.floor(rand() * 8);
    for (let i = 0; i < n; i++) {
      const categoryId = classIds[Math.floor(rand() * classes)];
      const bbox: [number, number, number, number] = [rand() * 500, rand() * 400, size(), size()];
      gt.push({ imageId, categoryId, bbox });
      const copies = rand() < 0.8 ? 1 + Math.floor(rand() * 2) : 0;
      for (let c = 0; c < copies; c++) {
        const j = () => (rand() - 0.5) * 0.4;
        const cat = rand() < 0.9 ? categoryId : classIds[Math.floor(rand() * classes)];
        dt.push({ imageId, categoryId: cat, bbox: [bbox[0] + j() * bbox[2], bbox[1] + j() * bbox[3], bbox[2] * (1 + j()), bbox[3] * (1 + j())], score: Math.round(rand() * 10) / 10 });
      }
    }
    // false alarms; on one image more than 100 detections of one class, so the top-100 cut matters
    const fa = imageId === 9 ? 130 : Math.floor(rand() * 3);
    for (let i = 0; i < fa; i++) dt.push({ imageId, categoryId: classIds[0], bbox: [rand() * 500, rand() * 400, size(), size()], score: rand() });
  }
  const slices = [imageIds, imageIds.filter(() => rand() < 0.5), imageIds.filter((id) => id % 3 === 0), imageIds.slice(0, 5), [imageIds[0]], imageIds.filter(() => rand() < 0.2)];
  return { imageIds, classIds, gt, dt, slices };
}

function columns(boxes: (EvalGt | EvalDt)[]): BoxColumns {
  const n = boxes.length;
  const c: BoxColumns = {
    n,
    imageId: Int32Array.from(boxes, (b) => b.imageId),
    classId: Int32Array.from(boxes, (b) => b.categoryId),
    x: Float64Array.from(boxes, (b) => b.bbox[0]),
    y: Float64Array.from(boxes, (b) => b.bbox[1]),
    w: Float64Array.from(boxes, (b) => b.bbox[2]),
    h: Float64Array.from(boxes, (b) => b.bbox[3]),
  };
  if (boxes.length && 'score' in boxes[0]) c.score = Float64Array.from(boxes as EvalDt[], (b) => b.score);
  else c.score = new Float64Array(n);
  return c;
}

/** What cocoEvaluate gives on one slice's images alone. */
function reference(c: Case, ids: number[]) {
  const on = new Set(ids);
  const r = cocoEvaluate({ imageIds: ids, categoryIds: c.classIds, gt: c.gt.filter((b) => on.has(b.imageId)), dt: c.dt.filter((b) => on.has(b.imageId)) });
  return r;
}

describe('evaluateSliceParts', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: every slice's twelve numbers and per-class AP equal cocoEvaluate on its images, bit for bit`, () => {
      const c = randomCase(seed);
      const parts = evaluateSliceParts({ imageIds: c.imageIds, classIds: c.classIds, gt: columns(c.gt), dt: columns(c.dt), slices: c.slices });
      c.slices.forEach((ids, s) => {
        const got = summarizeSlice(parts[s], c.classIds, ids.length);
        const want = reference(c, ids);
        expect(got.stats, `slice ${s}`).toEqual(want.stats);
        expect(got.perCategory, `slice ${s}`).toEqual(want.perCategory);
        const on = new Set(ids);
        expect(got.gt).toBe(c.gt.filter((b) => on.has(b.imageId)).length);
        expect(got.dt).toBe(c.dt.filter((b) => on.has(b.imageId)).length);
        expect(got.found + got.missed).toBe(got.gt);
        expect(got.found + got.falseAlarms).toBe(got.dt);
      });
      // the whole set measures something, so the comparison is not of two -1 lists
      expect(summarizeSlice(parts[0], c.classIds, c.imageIds.length).stats[1]).toBeGreaterThan(0);
    });
  }

  it('categories split over two calls and merged give the same parts as one call', () => {
    const c = randomCase(9);
    const input = { imageIds: c.imageIds, classIds: c.classIds, gt: columns(c.gt), dt: columns(c.dt), slices: c.slices };
    const whole = evaluateSliceParts(input);
    const shares = [[7, 11], [2, 5]];
    const merged = mergeSliceParts(shares.map((categories) => evaluateSliceParts({ ...input, categories })), shares, c.classIds);
    expect(merged).toEqual(whole);
  });

  it('found counts the reference boxes a same-class detection matched at IoU 0.5', () => {
    const gt: EvalGt[] = [
      { imageId: 1, categoryId: 1, bbox: [0, 0, 10, 10] },
      { imageId: 1, categoryId: 1, bbox: [100, 100, 10, 10] },
      { imageId: 2, categoryId: 2, bbox: [0, 0, 10, 10] },
    ];
    const dt: EvalDt[] = [
      { imageId: 1, categoryId: 1, bbox: [0, 0, 10, 10], score: 0.9 },
      { imageId: 1, categoryId: 1, bbox: [1, 1, 10, 10], score: 0.8 }, // a duplicate: a false alarm
      { imageId: 2, categoryId: 1, bbox: [0, 0, 10, 10], score: 0.7 }, // wrong class
    ];
    const [all, two] = evaluateSliceParts({ imageIds: [1, 2], classIds: [1, 2], gt: columns(gt), dt: columns(dt), slices: [[1, 2], [2]] });
    expect(summarizeSlice(all, [1, 2], 2)).toMatchObject({ gt: 3, dt: 3, found: 1, missed: 2, falseAlarms: 2 });
    expect(summarizeSlice(two, [1, 2], 1)).toMatchObject({ gt: 1, dt: 1, found: 0, missed: 1, falseAlarms: 1 });
  });

  it('refuses a slice image that is not evaluated', () => {
    expect(() => evaluateSliceParts({ imageIds: [1], classIds: [1], gt: columns([]), dt: columns([]), slices: [[2]] })).toThrow(/slice image 2 is not one of the evaluated images/);
  });
});
