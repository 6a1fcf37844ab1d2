import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cocoEvaluate, IOU_THRESHOLDS, RECALL_THRESHOLDS, type EvalDt, type EvalGt, type EvalInput, type EvalResult } from './cocoEval.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/cocoEval');
const cases = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'cases.json'), 'utf8')) as { name: string; description: string; input: EvalInput }[];
const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'golden.json'), 'utf8')) as {
  iouThrs: number[];
  recThrs: number[];
  cases: Record<string, EvalResult>;
};

const TOL = 1e-9;

function expectClose(actual: number, expected: number, what: string): void {
  if (!(Math.abs(actual - expected) <= TOL)) throw new Error(`${what}: got ${actual}, pycocotools ${expected}`);
}

describe('cocoEvaluate against pycocotools (test/fixtures/cocoEval)', () => {
  it('uses the same thresholds as np.linspace, value for value', () => {
    expect([...IOU_THRESHOLDS]).toEqual(golden.iouThrs);
    expect([...RECALL_THRESHOLDS]).toEqual(golden.recThrs);
  });

  it('has a golden result for every case', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
    expect(Object.keys(golden.cases).sort()).toEqual(cases.map((c) => c.name).sort());
  });

  for (const c of cases) {
    it(`${c.name}: ${c.description}`, () => {
      const want = golden.cases[c.name];
      const got = cocoEvaluate(c.input);
      expect(got.stats).toHaveLength(12);
      want.stats.forEach((v, i) => expectClose(got.stats[i], v, `${c.name} stats[${i}]`));
      expect(got.perCategory.map((p) => p.categoryId)).toEqual(want.perCategory.map((p) => p.categoryId));
      want.perCategory.forEach((w, k) => {
        const g = got.perCategory[k];
        expectClose(g.ap, w.ap, `${c.name} category ${w.categoryId} ap`);
        expectClose(g.ap50, w.ap50, `${c.name} category ${w.categoryId} ap50`);
        expect(g.gt).toBe(w.gt);
        expect(g.dt).toBe(w.dt);
      });
    });
  }

  it('does not depend on the order of the image and category id lists', () => {
    const c = cases.find((x) => x.name === 'large')!;
    const shuffled: EvalInput = {
      ...c.input,
      imageIds: [...c.input.imageIds].reverse().concat(c.input.imageIds.slice(0, 5)),
      categoryIds: [...c.input.categoryIds].reverse(),
    };
    expect(cocoEvaluate(shuffled)).toEqual(cocoEvaluate(c.input));
  });
});

/** A precision of one hit is 1 / (1 + np.spacing(1)), a hair under 1, in pycocotools too. */
function expectNear(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v, `[${i}]`).toBeCloseTo(expected[i], 12));
}

const box = (x: number, y: number, w: number, h: number): [number, number, number, number] => [x, y, w, h];

describe('cocoEvaluate on cases worked by hand', () => {
  it('one perfect detection: AP 1 in its area range, -1 in the others', () => {
    const r = cocoEvaluate({
      imageIds: [1],
      categoryIds: [1],
      gt: [{ imageId: 1, categoryId: 1, bbox: box(10, 10, 50, 50) }],
      dt: [{ imageId: 1, categoryId: 1, bbox: box(10, 10, 50, 50), score: 0.9 }],
    });
    // 50x50 = 2500 px: medium.
    expectNear(r.stats, [1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 1, -1]);
    expect(r.stats[6]).toBe(1); // recall is exact
    expect(r.perCategory).toMatchObject([{ categoryId: 1, gt: 1, dt: 1 }]);
    expectNear([r.perCategory[0].ap, r.perCategory[0].ap50], [1, 1]);
  });

  it('no detections: 0 where there is GT, -1 where there is none', () => {
    const r = cocoEvaluate({
      imageIds: [1, 2],
      categoryIds: [1, 2],
      gt: [
        { imageId: 1, categoryId: 1, bbox: box(0, 0, 10, 10) },
        { imageId: 2, categoryId: 1, bbox: box(0, 0, 200, 200) },
      ],
      dt: [],
    });
    expect(r.stats).toEqual([0, 0, 0, 0, -1, 0, 0, 0, 0, 0, -1, 0]);
    expect(r.perCategory).toEqual([
      { categoryId: 1, ap: 0, ap50: 0, gt: 2, dt: 0 },
      { categoryId: 2, ap: -1, ap50: -1, gt: 0, dt: 0 },
    ]);
  });

  it('no GT anywhere: every number is -1', () => {
    const r = cocoEvaluate({
      imageIds: [1, 2, 3],
      categoryIds: [4],
      gt: [],
      dt: [{ imageId: 2, categoryId: 4, bbox: box(0, 0, 10, 10), score: 0.5 }],
    });
    expect(r.stats).toEqual(new Array(12).fill(-1));
    expect(r.perCategory).toEqual([{ categoryId: 4, ap: -1, ap50: -1, gt: 0, dt: 1 }]);
  });

  it('nothing to evaluate: no images or no categories', () => {
    expect(cocoEvaluate({ imageIds: [], categoryIds: [1], gt: [], dt: [] }).stats).toEqual(new Array(12).fill(-1));
    expect(cocoEvaluate({ imageIds: [1], categoryIds: [], gt: [], dt: [] })).toEqual({ stats: new Array(12).fill(-1), perCategory: [] });
  });

  it('hit, false alarm, hit: precision 1 up to recall 0.5, then 2/3', () => {
    const gt: EvalGt[] = [
      { imageId: 1, categoryId: 1, bbox: box(0, 0, 100, 100) },
      { imageId: 1, categoryId: 1, bbox: box(300, 0, 100, 100) },
    ];
    const dt: EvalDt[] = [
      { imageId: 1, categoryId: 1, bbox: box(0, 0, 100, 100), score: 0.9 },
      { imageId: 1, categoryId: 1, bbox: box(600, 0, 100, 100), score: 0.8 },
      { imageId: 1, categoryId: 1, bbox: box(300, 0, 100, 100), score: 0.7 },
    ];
    const r = cocoEvaluate({ imageIds: [1], categoryIds: [1], gt, dt });
    // Recall points 0, 0.01 … 0.50 (51 of them) read precision 1, the 50 above 0.50 read 2/3.
    const ap = (51 * 1 + 50 * (2 / (2 + 1 + 2.220446049250313e-16))) / 101;
    expect(r.stats[0]).toBeCloseTo(ap, 12);
    expect(r.stats[1]).toBeCloseTo(ap, 12);
    expect(r.stats[6]).toBe(0.5); // AR1: only the top detection counts
    expect(r.stats[8]).toBe(1);
  });

  it('IoU is compared with each threshold as np.linspace gives it, ≥ counting', () => {
    const gt: EvalGt[] = [{ imageId: 1, categoryId: 1, bbox: box(0, 0, 100, 100) }];
    const at = (h: number) => cocoEvaluate({ imageIds: [1], categoryIds: [1], gt, dt: [{ imageId: 1, categoryId: 1, bbox: box(0, 0, 100, h), score: 1 }] });
    const half = at(50);
    expect(half.stats[1]).toBeCloseTo(1, 12); // IoU 0.5 counts at 0.50
    expect(half.stats[0]).toBeCloseTo(0.1, 12); // and at none of the 9 thresholds above
    expect(half.stats[2]).toBe(0);
    expect(at(60).stats[0]).toBeCloseTo(0.3, 12); // 0.50, 0.55, 0.60
    expect(at(75).stats[2]).toBeCloseTo(1, 12); // 0.75 is exact in linspace too
    // linspace gives 0.8999999999999999 for 0.90: an IoU of 0.9 clears it.
    expect(IOU_THRESHOLDS[8]).toBeLessThan(0.9);
    expect(at(90).stats[0]).toBeCloseTo(0.9, 12);
    expect(at(100).stats[0]).toBeCloseTo(1, 12);
  });

  it('a crowd region: detections inside it are neither hits nor false alarms', () => {
    const gt: EvalGt[] = [
      { imageId: 1, categoryId: 1, bbox: box(0, 0, 40, 40) },
      { imageId: 1, categoryId: 1, bbox: box(100, 100, 300, 300), iscrowd: true },
    ];
    const inside = [0, 1, 2, 3, 4].map((n): EvalDt => ({ imageId: 1, categoryId: 1, bbox: box(120 + 50 * n, 150, 30, 60), score: 0.95 }));
    const r = cocoEvaluate({ imageIds: [1], categoryIds: [1], gt, dt: [...inside, { imageId: 1, categoryId: 1, bbox: box(0, 0, 40, 40), score: 0.5 }] });
    expect(r.stats[0]).toBeCloseTo(1, 12);
    expect(r.stats[8]).toBe(1);
    expect(r.perCategory[0]).toMatchObject({ gt: 2, dt: 6 });
  });

  it('keeps only the 100 best-scored detections of an image and category', () => {
    const gt: EvalGt[] = [{ imageId: 1, categoryId: 1, bbox: box(0, 0, 50, 50) }];
    const junk = Array.from({ length: 100 }, (_, n): EvalDt => ({ imageId: 1, categoryId: 1, bbox: box(1000 + n * 60, 0, 50, 50), score: 0.9 }));
    const hit: EvalDt = { imageId: 1, categoryId: 1, bbox: box(0, 0, 50, 50), score: 0.5 };
    expect(cocoEvaluate({ imageIds: [1], categoryIds: [1], gt, dt: [...junk, hit] }).stats[8]).toBe(0);
    expect(cocoEvaluate({ imageIds: [1], categoryIds: [1], gt, dt: [...junk.slice(1), hit] }).stats[8]).toBe(1);
  });
});

describe('cocoEvaluate rejects bad input, naming the item', () => {
  const ok = (): EvalInput => ({
    imageIds: [1, 2],
    categoryIds: [1, 2],
    gt: [{ imageId: 1, categoryId: 1, bbox: box(0, 0, 10, 10) }],
    dt: [
      { imageId: 1, categoryId: 1, bbox: box(0, 0, 10, 10), score: 0.9 },
      { imageId: 2, categoryId: 2, bbox: box(0, 0, 10, 10), score: 0.8 },
    ],
  });
  const bad = (change: (i: EvalInput) => void): (() => EvalResult) => {
    const input = ok();
    change(input);
    return () => cocoEvaluate(input);
  };

  it('accepts the unchanged input', () => {
    expect(() => cocoEvaluate(ok())).not.toThrow();
  });
  it('negative width or height', () => {
    expect(bad((i) => (i.dt[1].bbox[2] = -3))).toThrow('dt[1].bbox[2] must be a finite number ≥ 0, got -3');
    expect(bad((i) => (i.gt[0].bbox[3] = -0.5))).toThrow('gt[0].bbox[3] must be a finite number ≥ 0, got -0.5');
  });
  it('non-finite numbers', () => {
    expect(bad((i) => (i.gt[0].bbox[0] = Number.NaN))).toThrow('gt[0].bbox[0] must be a finite number, got NaN');
    expect(bad((i) => (i.dt[0].bbox[1] = Number.POSITIVE_INFINITY))).toThrow('dt[0].bbox[1] must be a finite number, got Infinity');
    expect(bad((i) => (i.dt[0].score = Number.NaN))).toThrow('dt[0].score must be a finite number, got NaN');
    expect(bad((i) => (i.gt[0].area = Number.POSITIVE_INFINITY))).toThrow('gt[0].area must be a finite number ≥ 0 or absent, got Infinity');
    expect(bad((i) => (i.imageIds[1] = Number.NaN))).toThrow('imageIds[1] must be a finite number, got NaN');
  });
  it('a detection without a score', () => {
    expect(bad((i) => delete (i.dt[1] as Partial<EvalDt>).score)).toThrow('dt[1].score must be a finite number, got undefined');
    expect(bad((i) => ((i.dt[0] as unknown as { score: unknown }).score = '0.9'))).toThrow('dt[0].score must be a finite number, got "0.9"');
  });
  it('a category or image that is not evaluated', () => {
    expect(bad((i) => (i.dt[1].categoryId = 7))).toThrow('dt[1].categoryId must be one of categoryIds, got 7');
    expect(bad((i) => (i.gt[0].imageId = 3))).toThrow('gt[0].imageId must be one of imageIds, got 3');
  });
  it('a malformed box or item', () => {
    expect(bad((i) => ((i.gt[0] as unknown as { bbox: number[] }).bbox = [0, 0, 10]))).toThrow('gt[0].bbox must be an array [x, y, w, h], got an array of 3');
    expect(bad((i) => ((i.dt as unknown[])[1] = null))).toThrow('dt[1] must be an object, got null');
    expect(bad((i) => ((i.gt[0] as unknown as { iscrowd: unknown }).iscrowd = 'yes'))).toThrow('gt[0].iscrowd must be a boolean or absent, got "yes"');
  });
});

describe('cocoEvaluate and its signal', () => {
  it('throws when the signal is already aborted', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => cocoEvaluate(cases[0].input, { signal: ac.signal })).toThrow();
  });
});

describe("cocoEvaluate's curves against pycocotools' eval arrays (test/fixtures/cocoEval/curves.json)", () => {
  const stored = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'curves.json'), 'utf8')) as {
    cases: Record<string, { counts: number[]; precision: [number, number][]; scores: [number, number][]; recall: [number, number][] }>;
  };
  const unrun = (runs: [number, number][]): number[] => runs.flatMap(([v, n]) => new Array<number>(n).fill(v));
  /** Stored [K][A][M][T][R] (or [K][A][M][T]) back to pycocotools' [T][R][K][A][M] ([T][K][A][M]). */
  const fromCategoryMajor = (flat: number[], [T, R, K, A, M]: number[], withR: boolean): Float64Array => {
    const Rn = withR ? R : 1;
    const out = new Float64Array(T * Rn * K * A * M);
    let i = 0;
    for (let k = 0; k < K; k++)
      for (let a = 0; a < A; a++)
        for (let m = 0; m < M; m++)
          for (let t = 0; t < T; t++) for (let r = 0; r < Rn; r++) out[(((t * Rn + r) * K + k) * A + a) * M + m] = flat[i++];
    expect(i).toBe(flat.length);
    return out;
  };
  const compare = (got: Float64Array, want: Float64Array, what: string): number => {
    expect(got.length, what).toBe(want.length);
    let exact = 0;
    for (let i = 0; i < want.length; i++) {
      expectClose(got[i], want[i], `${what}[${i}]`);
      if (got[i] === want[i]) exact++;
    }
    return exact;
  };

  it('has curves for every case, and cases with images that have detections but no GT', () => {
    expect(Object.keys(stored.cases).sort()).toEqual(cases.map((c) => c.name).sort());
    const c = cases.find((x) => x.name === 'dets_only_images')!;
    const withGt = new Set(c.input.gt.map((g) => g.imageId));
    expect(new Set(c.input.dt.map((d) => d.imageId).filter((i) => !withGt.has(i))).size).toBeGreaterThan(10);
  });

  for (const c of cases) {
    it(`${c.name}: precision, scores and recall at every threshold, recall point, area range and maxDets`, () => {
      const want = stored.cases[c.name];
      const got = cocoEvaluate(c.input, { curves: true });
      expect(got.curves.counts).toEqual(want.counts);
      const precision = fromCategoryMajor(unrun(want.precision), want.counts, true);
      const scores = fromCategoryMajor(unrun(want.scores), want.counts, true);
      const recall = fromCategoryMajor(unrun(want.recall), want.counts, false);
      const exact = compare(got.curves.precision, precision, 'precision') + compare(got.curves.scores, scores, 'scores') + compare(got.curves.recall, recall, 'recall');
      // Same operations in the same order: every value is bit for bit pycocotools'.
      expect(exact).toBe(precision.length + scores.length + recall.length);
      // The per-category curves are the area 'all', maxDets 100 slices of the same arrays.
      const [T, R, K, A, M] = want.counts;
      expect(got.curves.perCategory.map((p) => p.categoryId)).toEqual(got.perCategory.map((p) => p.categoryId));
      got.curves.perCategory.forEach((pc, k) => {
        expect(pc.precision).toHaveLength(T);
        for (let t = 0; t < T; t++) {
          expect(pc.precision[t]).toHaveLength(R);
          for (let r = 0; r < R; r++) {
            const at = (((t * R + r) * K + k) * A + 0) * M + (M - 1);
            expect(pc.precision[t][r]).toBe(precision[at]);
            expect(pc.scores[t][r]).toBe(scores[at]);
          }
        }
      });
      // And the default call gives the same numbers without them.
      const plain = cocoEvaluate(c.input);
      expect(plain.curves).toBeUndefined();
      expect(plain.stats).toEqual(got.stats);
    });
  }
});
