import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoupeError } from '../../domain/errors.ts';
import { countMatch, countPair, f1, imageAgreement, meanIoU, zeroCounts, type PairCounts } from './counts.ts';
import { iou, matchPair, type ABox } from './match.ts';

let nextId = 1;
function box(classId: number, x: number, y: number, w: number, h: number): ABox {
  return { id: nextId++, classId, x, y, w, h };
}

describe('iou', () => {
  it('is the intersection over the union, 0 when apart or touching', () => {
    expect(iou(box(0, 0, 0, 10, 10), box(0, 5, 0, 10, 10))).toBeCloseTo(50 / 150, 15);
    expect(iou(box(0, 0, 0, 10, 10), box(0, 10, 0, 10, 10))).toBe(0);
    expect(iou(box(0, 0, 0, 10, 10), box(0, 0, 0, 10, 10))).toBe(1);
  });
  it('is 0 for zero-area boxes, even two identical ones', () => {
    expect(iou(box(0, 5, 5, 0, 0), box(0, 5, 5, 0, 0))).toBe(0);
    expect(iou(box(0, 5, 5, 0, 10), box(0, 0, 0, 10, 10))).toBe(0);
  });
});

describe('matchPair, hand-built', () => {
  it('both sides empty: nothing, F1 1, mean IoU null', () => {
    const m = matchPair([], [], 0.5);
    expect(m).toEqual({ matches: [], onlyA: [], onlyB: [] });
    expect(f1(countPair(m))).toBe(1);
    expect(meanIoU(countPair(m))).toBeNull();
  });

  it('one side empty: everything is missing on the other', () => {
    const a = [box(0, 0, 0, 10, 10), box(1, 20, 0, 10, 10)];
    expect(matchPair(a, [], 0.5)).toEqual({ matches: [], onlyA: [0, 1], onlyB: [] });
    expect(matchPair([], a, 0.5)).toEqual({ matches: [], onlyA: [], onlyB: [0, 1] });
    expect(f1(countPair(matchPair(a, [], 0.5)))).toBe(0);
  });

  it('identical sets match one to one at IoU 1', () => {
    const a = [box(0, 0, 0, 10, 10), box(1, 100, 0, 10, 10), box(2, 5, 5, 20, 20)];
    const b = a.map((x) => ({ ...x, id: x.id + 100 }));
    const m = matchPair(a, b, 0.5);
    expect(m.matches).toEqual([
      { a: 0, b: 0, iou: 1, sameClass: true },
      { a: 1, b: 1, iou: 1, sameClass: true },
      { a: 2, b: 2, iou: 1, sameClass: true },
    ]);
    expect(f1(countPair(m))).toBe(1);
  });

  it('prefers a same-class pair in pass 1 over a closer other-class one, and pass 2 pairs the rest as class disagreements', () => {
    const a = [box(0, 0, 0, 10, 10), box(1, 1, 0, 10, 10)];
    // b[0] is class 1 and identical to a[0]; b[1] is class 0 and overlaps a[0] less
    const b = [box(1, 0, 0, 10, 10), box(0, 2, 0, 10, 10)];
    const m = matchPair(a, b, 0.5);
    expect(m.matches.map((x) => [x.a, x.b, x.sameClass])).toEqual([
      [0, 1, true],
      [1, 0, true],
    ]);
    // swapped classes with nothing else: both pairs match in pass 2 as class disagreements
    const m2 = matchPair([box(0, 0, 0, 10, 10), box(1, 50, 0, 10, 10)], [box(1, 0, 0, 10, 10), box(0, 50, 0, 10, 10)], 0.5);
    expect(m2.matches.map((x) => [x.a, x.b, x.sameClass])).toEqual([
      [0, 0, false],
      [1, 1, false],
    ]);
    const c = countPair(m2);
    expect(c).toEqual({ matchedSame: 0, matchedOther: 2, onlyA: 0, onlyB: 0, iouSum: 2 });
    expect(f1(c)).toBe(0);
  });

  it('many boxes over one: exactly one matches, the one with the highest IoU', () => {
    const one = [box(0, 0, 0, 100, 100)];
    const many = [box(0, 0, 0, 90, 90), box(0, 0, 0, 99, 99), box(0, 0, 0, 80, 100), box(0, 2, 2, 96, 96)];
    const m = matchPair(many, one, 0.5);
    expect(m.matches.map((x) => x.a)).toEqual([1]);
    expect(m.onlyA).toEqual([0, 2, 3]);
  });

  it('maximises the number of matches before the IoU sum', () => {
    // a0 overlaps b0 best, but taking it would leave a1 (which only fits b0) unmatched
    const a = [box(0, 0, 0, 10, 10), box(0, 3, 0, 10, 10)];
    const b = [box(0, 1, 0, 10, 10), box(0, -3, 0, 10, 10)];
    const m = matchPair(a, b, 0.5);
    expect(m.matches.map((x) => [x.a, x.b])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    // two matches at IoU 0.5 beat one perfect match: a0 = b0 exactly, a0–b1 and a1–b0 at 0.5, a1–b1 at 1/3
    const a2 = [box(0, 0, 0, 10, 10), box(0, 0, 0, 10, 20)];
    const b2 = [box(0, 0, 0, 10, 10), box(0, 0, -10, 10, 20)];
    const m2 = matchPair(a2, b2, 0.5);
    expect(m2.matches.map((x) => [x.a, x.b, x.iou])).toEqual([
      [0, 1, 0.5],
      [1, 0, 0.5],
    ]);
  });

  it('matches a pair exactly at the threshold, not one just under', () => {
    // IoU = 50/150 = 1/3 exactly as computed
    const a = [box(0, 0, 0, 10, 10)];
    const b = [box(0, 5, 0, 10, 10)];
    const v = iou(a[0], b[0]);
    expect(matchPair(a, b, v).matches).toHaveLength(1);
    expect(matchPair(a, b, v + 1e-12).matches).toHaveLength(0);
    // IoU 0.5 exactly: 10x10 against 10x20 over it
    expect(iou(box(0, 0, 0, 10, 10), box(0, 0, 0, 10, 20))).toBe(0.5);
    expect(matchPair([box(0, 0, 0, 10, 10)], [box(0, 0, 0, 10, 20)], 0.5).matches).toHaveLength(1);
  });

  it('never matches zero-area boxes', () => {
    const m = matchPair([box(0, 5, 5, 0, 0)], [box(0, 5, 5, 0, 0)], 0.5);
    expect(m).toEqual({ matches: [], onlyA: [0], onlyB: [0] });
  });

  it('is deterministic under exact IoU ties', () => {
    // four identical boxes against four identical boxes: every assignment ties
    const a = [0, 1, 2, 3].map(() => box(0, 0, 0, 10, 10));
    const b = [0, 1, 2, 3].map(() => box(0, 0, 0, 10, 10));
    const first = matchPair(a, b, 0.5);
    for (let k = 0; k < 5; k++) expect(matchPair(a, b, 0.5)).toEqual(first);
    expect(first.matches).toHaveLength(4);
  });

  it('refuses a threshold outside (0, 1] with a bad_request naming the value', () => {
    for (const t of [0, -0.1, 1.0001, Number.NaN, Infinity]) {
      expect(() => matchPair([], [], t)).toThrow(LoupeError);
      try {
        matchPair([], [], t);
      } catch (e) {
        expect((e as LoupeError).code).toBe('bad_request');
        expect((e as LoupeError).message).toContain('(0, 1]');
        expect((e as LoupeError).message).toContain(String(t));
      }
    }
    expect(() => matchPair([], [], 1)).not.toThrow();
  });

  it('refuses boxes with a negative size or non-finite coordinates', () => {
    expect(() => matchPair([box(0, 0, 0, -1, 5)], [], 0.5)).toThrow(/width and height ≥ 0/);
    expect(() => matchPair([], [box(0, Number.NaN, 0, 1, 5)], 0.5)).toThrow(LoupeError);
  });

  it('imageAgreement is the mean F1 over pairs and needs two people', () => {
    const p1 = [box(0, 0, 0, 10, 10)];
    const p2 = [box(0, 0, 0, 10, 10)];
    const p3: ABox[] = [];
    // pairs: (1,2) F1 1, (1,3) 0, (2,3) 0
    expect(imageAgreement(new Map([[1, p1], [2, p2], [3, p3]]), 0.5)).toBeCloseTo(1 / 3, 15);
    expect(() => imageAgreement(new Map([[1, p1]]), 0.5)).toThrow(/at least two people/);
  });
});

interface GoldenImage {
  imageId: number;
  t: number;
  people: Record<string, [number, number, number, number, number][]>;
  pairs: { a: number; b: number; counts: PairCounts; f1: number; meanIoU: number | null }[];
  agreement: number;
}
const golden = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../../test/fixtures/agreement/golden.json'), 'utf8')) as {
  images: GoldenImage[];
  pairTotalsAt05: { a: number; b: number; images: number; counts: PairCounts; f1: number; meanIoU: number | null }[];
};

/** The per-person boxes of a golden image. */
function goldenPeople(img: GoldenImage): Map<number, ABox[]> {
  return new Map(
    Object.entries(img.people).map(([pid, boxes]) => [
      Number(pid),
      boxes.map(([classId, x, y, w, h], id) => ({ id, classId, x, y, w, h })),
    ]),
  );
}

function close(got: number | null, want: number | null, what: string): void {
  if (want === null || got === null) {
    if (got !== want) throw new Error(`${what}: got ${got}, SciPy ${want}`);
    return;
  }
  if (!(Math.abs(got - want) <= 1e-9)) throw new Error(`${what}: got ${got}, SciPy ${want}`);
}

describe('matchPair against SciPy (test/fixtures/agreement/golden.json)', () => {
  it('has a few hundred images with boxes, class disagreements and misses', () => {
    expect(golden.images.length).toBeGreaterThanOrEqual(200);
    const all = golden.images.flatMap((i) => i.pairs.map((p) => p.counts));
    expect(all.some((c) => c.matchedOther > 0)).toBe(true);
    expect(all.some((c) => c.onlyA > 0 && c.onlyB > 0)).toBe(true);
  });

  it('gives SciPy’s counts, mean IoU, F1 and image agreement for every pair of every image', () => {
    for (const img of golden.images) {
      const byPerson = goldenPeople(img);
      for (const p of img.pairs) {
        const what = `image ${img.imageId} pair ${p.a}:${p.b}`;
        const a = byPerson.get(p.a)!;
        const b = byPerson.get(p.b)!;
        const c = countPair(matchPair(a, b, img.t));
        expect({ ...c, iouSum: 0 }, what).toEqual({ ...p.counts, iouSum: 0 });
        close(c.iouSum, p.counts.iouSum, `${what} iouSum`);
        close(meanIoU(c), p.meanIoU, `${what} meanIoU`);
        close(f1(c), p.f1, `${what} f1`);
        // the allocation-free path gives the same numbers
        expect(countMatch(a, b, img.t, zeroCounts())).toEqual(c);
      }
      close(imageAgreement(byPerson, img.t), img.agreement, `image ${img.imageId} agreement`);
    }
  });
});

