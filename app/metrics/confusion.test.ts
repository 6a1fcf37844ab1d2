import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvalDt, EvalGt, EvalInput } from './cocoEval.ts';
import { confusionMatrix, type ConfusionResult } from './confusion.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/cocoEval');
const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'confusion.json'), 'utf8')) as {
  cases: { name: string; description: string; options: { confidence: number; iou: number }; input: EvalInput; counts: number[][]; belowConfidence: number; crowd: number }[];
};

describe('confusionMatrix against Ultralytics ConfusionMatrix.process_batch (test/fixtures/cocoEval/confusion.json)', () => {
  it('has the cases', () => {
    expect(golden.cases.map((c) => c.name)).toEqual(['basic', 'crowded', 'edges', 'loose', 'strict']);
  });

  for (const c of golden.cases) {
    it(`${c.name}: ${c.description}`, () => {
      const got = confusionMatrix(c.input, c.options);
      expect(got.categoryIds).toEqual([...new Set(c.input.categoryIds)].sort((a, b) => a - b));
      const K = got.categoryIds.length;
      expect(got.counts).toHaveLength(K + 1);
      // Integer counts: equal to the reference's, cell for cell.
      expect(got.counts).toEqual(c.counts);
      expect(got.belowConfidence).toBe(c.belowConfidence);
      expect(got.crowd).toBe(c.crowd);
      expect(got.counts[K][K]).toBe(0);
      // Every reference box is in its row once, every detection above the threshold in its column once, but a matched pair counts once for both.
      const refs = c.input.gt.filter((g) => !g.iscrowd).length;
      const rowSum = got.counts.slice(0, K).flat().reduce((a, b) => a + b, 0);
      expect(rowSum).toBe(refs);
    });
  }
});

const box = (x: number, y: number, w: number, h: number): [number, number, number, number] => [x, y, w, h];
const g = (imageId: number, categoryId: number, bbox: [number, number, number, number]): EvalGt => ({ imageId, categoryId, bbox });
const d = (imageId: number, categoryId: number, bbox: [number, number, number, number], score: number): EvalDt => ({ imageId, categoryId, bbox, score });

describe('confusionMatrix worked by hand', () => {
  it('a hit, a wrong class, a miss and a false alarm land on the diagonal, off it, and in the background column and row', () => {
    const r: ConfusionResult = confusionMatrix({
      imageIds: [1, 2],
      categoryIds: [7, 3],
      gt: [g(1, 3, box(0, 0, 100, 100)), g(1, 7, box(200, 0, 100, 100)), g(2, 7, box(0, 0, 50, 50))],
      dt: [d(1, 3, box(2, 0, 100, 100), 0.9), d(1, 3, box(200, 0, 100, 98), 0.8), d(2, 3, box(300, 300, 20, 20), 0.7)],
    });
    expect(r.categoryIds).toEqual([3, 7]);
    expect(r.counts).toEqual([
      [1, 0, 0], // class 3: found as 3
      [1, 0, 1], // class 7: one called 3, one missed
      [1, 0, 0], // background: a false alarm called 3
    ]);
    expect(r).toMatchObject({ confidence: 0.25, iou: 0.5, belowConfidence: 0, crowd: 0 });
  });

  it('equal IoU: the earlier reference box, then the earlier detection, wins', () => {
    // One detection exactly between a class-1 and a class-2 box.
    const between = (first: number, second: number) =>
      confusionMatrix({ imageIds: [1], categoryIds: [1, 2], gt: [g(1, first, box(0, 0, 60, 60)), g(1, second, box(10, 0, 60, 60))], dt: [d(1, 1, box(5, 0, 60, 60), 0.9)] }).counts;
    expect(between(1, 2)).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    expect(between(2, 1)).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 0, 0],
    ]);
    // Two identical detections of different classes on one box: the first in input order matches.
    const dup = (a: number, b: number) => confusionMatrix({ imageIds: [1], categoryIds: [1, 2], gt: [g(1, 1, box(0, 0, 50, 50))], dt: [d(1, a, box(0, 0, 50, 50), 0.9), d(1, b, box(0, 0, 50, 50), 0.9)] }).counts;
    expect(dup(1, 2)[0]).toEqual([1, 0, 0]);
    expect(dup(2, 1)[0]).toEqual([0, 1, 0]);
  });

  it('a reference box whose best detection went to another box stays missed (Ultralytics: one per detection, then one per box)', () => {
    // Both detections overlap A best (0.96, 0.85), so both pick A and A keeps the first; B is
    // missed and the second detection is a false alarm, though it overlaps B at 0.79.
    const r = confusionMatrix({
      imageIds: [1],
      categoryIds: [1],
      gt: [g(1, 1, box(0, 0, 100, 100)), g(1, 1, box(20, 0, 100, 100))],
      dt: [d(1, 1, box(2, 0, 100, 100), 0.9), d(1, 1, box(8, 0, 100, 100), 0.8)],
    });
    expect(r.counts).toEqual([
      [1, 1],
      [1, 0],
    ]);
  });

  it('thresholds: a score must be above the confidence, an IoU above the IoU threshold', () => {
    const input = (score: number, h: number): EvalInput => ({ imageIds: [1], categoryIds: [1], gt: [g(1, 1, box(0, 0, 100, 100))], dt: [d(1, 1, box(0, 0, 100, h), score)] });
    expect(confusionMatrix(input(0.25, 100)).counts).toEqual([[0, 1], [0, 0]]);
    expect(confusionMatrix(input(0.25, 100)).belowConfidence).toBe(1);
    expect(confusionMatrix(input(0.26, 100)).counts).toEqual([[1, 0], [0, 0]]);
    expect(confusionMatrix(input(0.9, 50)).counts).toEqual([[0, 1], [1, 0]]); // IoU 0.5 is not above 0.5
    expect(confusionMatrix(input(0.9, 50), { iou: 0.45 }).counts).toEqual([[1, 0], [0, 0]]);
    expect(confusionMatrix(input(0.9, 100), { confidence: 0.95 }).counts).toEqual([[0, 1], [0, 0]]);
  });

  it('crowd reference boxes are left out: a detection on one is a false alarm', () => {
    const r = confusionMatrix({ imageIds: [1], categoryIds: [1], gt: [{ ...g(1, 1, box(0, 0, 100, 100)), iscrowd: true }], dt: [d(1, 1, box(0, 0, 100, 100), 0.9)] });
    expect(r.counts).toEqual([[0, 0], [1, 0]]);
    expect(r.crowd).toBe(1);
  });
});

describe('confusionMatrix rejects bad input, naming the item', () => {
  const ok = (): EvalInput => ({ imageIds: [1], categoryIds: [1], gt: [g(1, 1, box(0, 0, 10, 10))], dt: [d(1, 1, box(0, 0, 10, 10), 0.9)] });
  const bad = (change: (i: EvalInput) => void, opts = {}) => {
    const i = ok();
    change(i);
    return () => confusionMatrix(i, opts);
  };
  it('accepts the unchanged input', () => expect(() => confusionMatrix(ok())).not.toThrow());
  it('an image or class not listed', () => {
    expect(bad((i) => (i.dt[0].imageId = 9))).toThrow('dt[0].imageId must be one of imageIds, got 9');
    expect(bad((i) => (i.gt[0].categoryId = 4))).toThrow('gt[0].categoryId must be one of categoryIds, got 4');
  });
  it('negative or NaN sizes', () => {
    expect(bad((i) => (i.dt[0].bbox[2] = -1))).toThrow('dt[0].bbox[2] must be a finite number ≥ 0, got -1');
    expect(bad((i) => (i.gt[0].bbox[3] = Number.NaN))).toThrow('gt[0].bbox[3] must be a finite number ≥ 0, got NaN');
  });
  it('a missing or NaN score', () => {
    expect(bad((i) => delete (i.dt[0] as Partial<EvalDt>).score)).toThrow('dt[0].score must be a finite number, got undefined');
    expect(bad((i) => (i.dt[0].score = Number.NaN))).toThrow('dt[0].score must be a finite number, got NaN');
  });
  it('lists that are not arrays, thresholds out of range', () => {
    expect(bad((i) => ((i as unknown as { dt: unknown }).dt = {}))).toThrow('dt must be an array');
    expect(bad(() => {}, { iou: 1 })).toThrow('iou must be a number in [0, 1), got 1');
    expect(bad(() => {}, { confidence: Number.NaN })).toThrow('confidence must be a finite number, got NaN');
  });
});
