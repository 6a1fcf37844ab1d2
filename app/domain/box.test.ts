import { describe, expect, it } from 'vitest';
import { clampRect, iou, matchGreedy } from './box.ts';
import { invertDiff, isEmptyDiff, type BoxDiff } from './diff.ts';

describe('clampRect', () => {
  it('keeps a box inside the image unchanged, floats included', () => {
    expect(clampRect({ x: 1.5, y: 2.25, w: 3.125, h: 4 }, 10, 10)).toEqual({ x: 1.5, y: 2.25, w: 3.125, h: 4 });
  });
  it('cuts what lies past each edge', () => {
    expect(clampRect({ x: -5, y: -5, w: 10, h: 10 }, 100, 50)).toEqual({ x: 0, y: 0, w: 5, h: 5 });
    expect(clampRect({ x: 95, y: 45, w: 10, h: 10 }, 100, 50)).toEqual({ x: 95, y: 45, w: 5, h: 5 });
    expect(clampRect({ x: -10, y: -10, w: 200, h: 200 }, 100, 50)).toEqual({ x: 0, y: 0, w: 100, h: 50 });
  });
  it('returns null when nothing with area is left', () => {
    expect(clampRect({ x: 0, y: 0, w: 0, h: 5 }, 10, 10)).toBeNull();
    expect(clampRect({ x: 20, y: 0, w: 5, h: 5 }, 10, 10)).toBeNull();
    expect(clampRect({ x: -5, y: 0, w: 5, h: 5 }, 10, 10)).toBeNull(); // touches the edge only
    expect(clampRect({ x: 0, y: 0, w: -3, h: 5 }, 10, 10)).toBeNull();
    expect(clampRect({ x: Number.NaN, y: 0, w: 5, h: 5 }, 10, 10)).toBeNull();
  });
});

describe('iou', () => {
  it('is 1 for the same box, 0 for disjoint or empty ones, and symmetric', () => {
    const a = { x: 0, y: 0, w: 10, h: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { x: 10, y: 0, w: 10, h: 10 })).toBe(0);
    expect(iou(a, { x: 0, y: 0, w: 0, h: 0 })).toBe(0);
    const b = { x: 5, y: 0, w: 10, h: 10 };
    expect(iou(a, b)).toBeCloseTo(50 / 150, 12);
    expect(iou(b, a)).toBe(iou(a, b));
    expect(iou(a, { x: 2, y: 2, w: 5, h: 5 })).toBeCloseTo(25 / 100, 12);
  });
});

describe('invertDiff', () => {
  const d: BoxDiff = {
    added: [{ id: 3, classId: 1, x: 0, y: 0, w: 1, h: 1 }],
    updated: [[{ id: 4, classId: 1, x: 0, y: 0, w: 1, h: 1 }, { id: 4, classId: 2, x: 1, y: 1, w: 2, h: 2 }]],
    removed: [{ id: 5, classId: 2, x: 3, y: 3, w: 1, h: 1 }],
  };
  it('swaps added and removed and reverses updates; inverting twice gives the diff back', () => {
    const inv = invertDiff(d);
    expect(inv.added).toEqual(d.removed);
    expect(inv.removed).toEqual(d.added);
    expect(inv.updated).toEqual([[d.updated[0][1], d.updated[0][0]]]);
    expect(invertDiff(inv)).toEqual(d);
  });
  it('swaps rejected and restored predictions', () => {
    const r = invertDiff({ added: [], updated: [], removed: [], rejected: [7, 8] });
    expect(r.restored).toEqual([7, 8]);
    expect(r.rejected).toBeUndefined();
    expect(invertDiff(r)).toEqual({ added: [], updated: [], removed: [], rejected: [7, 8] });
    expect(isEmptyDiff({ added: [], updated: [], removed: [], restored: [1] })).toBe(false);
    expect(isEmptyDiff({ added: [], updated: [], removed: [], rejected: [] })).toBe(true);
  });
  it('refuses a diff whose added boxes have no ids', () => {
    expect(() => invertDiff({ ...d, added: [{ classId: 1, x: 0, y: 0, w: 1, h: 1 }] })).toThrow(/no ids/);
  });
  it('isEmptyDiff', () => {
    expect(isEmptyDiff({ added: [], updated: [], removed: [] })).toBe(true);
    expect(isEmptyDiff(d)).toBe(false);
  });
});

describe('clampRect keeps exact numbers', () => {
  it('returns the same floats for a box fully inside the image', () => {
    const r = { x: 0.1, y: 0.2, w: 0.30000000000000004, h: 0.7 };
    expect(clampRect(r, 10, 10)).toEqual(r);
  });
});

describe('matchGreedy', () => {
  const ref = (classId: number, x: number) => ({ classId, x, y: 0, w: 10, h: 10 });
  it('lets the highest score choose first, each reference box found once, same class only', () => {
    const reference = [ref(1, 0), ref(1, 20), ref(2, 40)];
    const detections = [
      { ...ref(1, 1), score: 0.5 }, // IoU 9/11 with reference 0
      { ...ref(1, 0), score: 0.9 }, // exact on reference 0: takes it first
      { ...ref(1, 40), score: 0.8 }, // right place, wrong class
      { ...ref(1, 24), score: 0.7 }, // IoU 6/14 < 0.5 with reference 1
    ];
    expect([...matchGreedy(reference, detections)]).toEqual([1, -1, -1]);
    // The 0.7 detection finds reference 1 once the threshold allows IoU 6/14; the 0.5 one is left with nothing.
    expect([...matchGreedy(reference, detections, 0.4)]).toEqual([1, 3, -1]);
    expect([...matchGreedy([], detections)]).toEqual([]);
    expect([...matchGreedy(reference, [])]).toEqual([-1, -1, -1]);
  });
});
