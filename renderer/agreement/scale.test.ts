import { describe, expect, it } from 'vitest';
import { agreementBins, heatColor, imagesOfPair, personColor, PERSON_COLORS } from './scale.ts';
import { jaccardAt, readReport } from './types.ts';

describe('agreementBins', () => {
  it('puts each image in its tenth, 1.0 in the last bin and 0 in the first', () => {
    const bins = agreementBins([
      { imageId: 1, agreement: 0 },
      { imageId: 2, agreement: 0.15 },
      { imageId: 3, agreement: 0.1 },
      { imageId: 4, agreement: 1 },
      { imageId: 5, agreement: 0.999 },
    ]);
    expect(bins).toHaveLength(10);
    expect(bins[0].ids).toEqual([1]);
    expect(bins[1].ids).toEqual([2, 3]);
    expect(bins[9].ids).toEqual([4, 5]);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(5);
  });
  it('refuses a bin count that is not a whole number ≥ 1', () => {
    expect(() => agreementBins([], 0)).toThrow(/whole number ≥ 1, got 0/);
    expect(() => agreementBins([], 2.5)).toThrow(/got 2.5/);
  });
});

describe('imagesOfPair', () => {
  it('lists the images both did, worst first', () => {
    const images = [
      { imageId: 1, people: [1, 2], agreement: 0.9 },
      { imageId: 2, people: [1, 3], agreement: 0.1 },
      { imageId: 3, people: [2, 1, 3], agreement: 0.4 },
    ];
    expect(imagesOfPair(images, 1, 2)).toEqual([3, 1]);
    expect(imagesOfPair(images, 2, 3)).toEqual([3]);
  });
});

describe('colours', () => {
  it('gives nine distinct person colours and repeats after', () => {
    expect(new Set(PERSON_COLORS).size).toBe(9);
    expect(personColor(9)).toBe(personColor(0));
  });
  it('leaves an empty heat-map cell clear and fills the largest at the bright end', () => {
    expect(heatColor(0, 10)).toBe('transparent');
    expect(heatColor(10, 10)).not.toBe(heatColor(1, 10));
  });
});

const counts = (matchedSame: number, matchedOther: number, onlyA: number, onlyB: number) => ({ matchedSame, matchedOther, onlyA, onlyB, iouSum: matchedSame * 0.8 });
const result = {
  iou: 0.5,
  quorum: null,
  images: 2,
  meanAgreement: 0.75,
  alpha: 0.6,
  pairs: [{ a: 1, b: 2, aName: 'ann', bName: 'bo', images: 2, counts: counts(3, 1, 1, 0), f1: 0.67, meanIoU: 0.8 }],
  perImage: [{ imageId: 7, people: [1, 2], agreement: 0.5, counts: counts(3, 1, 1, 0) }],
  perClass: {
    classIds: [1, 2],
    confusion: [
      [4, 1, 1],
      [1, 2, 0],
      [1, 0, 0],
    ],
    jaccard: [
      { classId: 1, name: 'scratch', jaccard: 0.5 },
      { classId: 2, name: 'crack', jaccard: null },
    ],
  },
  perPerson: [{ annotatorId: 1, name: 'ann', images: 2, counts: counts(3, 0, 0, 1), f1: 0.86, meanIoU: 0.9 }],
  annotators: [
    { id: 1, name: 'ann' },
    { id: 2, name: 'bo' },
  ],
  classes: [
    { id: 1, name: 'scratch' },
    { id: 2, name: 'crack' },
  ],
  seconds: 0.1,
};

describe('readReport', () => {
  it('reads pairs with names, the figures, and a confusion matrix whose last row and column are unmatched', () => {
    const r = readReport(result);
    expect(r.pairs[0]).toMatchObject({ aName: 'ann', bName: 'bo', matchedSame: 3, matchedOther: 1, onlyA: 1, images: 2 });
    expect(r.imagesCounted).toBe(2);
    expect(r.classes.map((c) => [c.name, c.jaccard])).toEqual([
      ['scratch', 0.5],
      ['crack', null],
    ]);
    expect(r.confusion.labels).toEqual([1, 2, null]);
    expect(r.confusion.matrix).toHaveLength(3);
    expect(r.images[0]).toEqual({ imageId: 7, people: [1, 2], agreement: 0.5 });
    expect(r.people[0]).toMatchObject({ name: 'ann', f1: 0.86, onlyB: 1 });
  });
  it('refuses a result that is not a report, naming what is wrong', () => {
    expect(() => readReport(null)).toThrow(/not a report/);
    expect(() => readReport({ ...result, perImage: 'x' })).toThrow(/not a report/);
  });
});

describe('jaccardAt', () => {
  it('is diag / (row + col − diag), null for a class with no boxes', () => {
    expect(jaccardAt(result.perClass.confusion, 0)).toBeCloseTo(4 / (6 + 6 - 4));
    expect(
      jaccardAt(
        [
          [0, 0],
          [0, 3],
        ],
        0,
      ),
    ).toBeNull();
  });
});
