import { describe, expect, it } from 'vitest';
import { agreementBins, heatColor, imagesOfPair, personColor, PERSON_COLORS } from './scale.ts';
import { jaccardAt, readImage, readReport } from './types.ts';

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

describe('readReport', () => {
  it('reads pairs with names and a confusion matrix with its unmatched column', () => {
    const r = readReport(
      {
        iou: 0.5,
        meanAgreement: 0.75,
        alpha: 0.6,
        imagesCounted: 2,
        annotators: [
          { id: 1, name: 'ann' },
          { id: 2, name: 'bo' },
        ],
        pairs: [{ a: 1, b: 2, images: 2, counts: { matchedSame: 3, matchedOther: 1, onlyA: 1, onlyB: 0, iouSum: 3.2 }, meanIoU: 0.8, f1: 0.67 }],
        images: [{ imageId: 7, people: [1, 2], agreement: 0.5 }],
        classes: { labels: [1, 2, null], matrix: [[4, 1, 1], [1, 2, 0], [1, 0, 0]] },
      },
      new Map([[1, 'scratch']]),
    );
    expect(r.pairs[0]).toMatchObject({ aName: 'ann', bName: 'bo', matchedSame: 3, onlyA: 1 });
    expect(r.classes.map((c) => c.name)).toEqual(['scratch', 'class 2']);
    expect(r.classes[0].jaccard).toBeCloseTo(4 / (6 + 6 - 4));
    expect(r.images[0]).toEqual({ imageId: 7, people: [1, 2], agreement: 0.5 });
  });
  it('refuses a result that is not a report', () => {
    expect(() => readReport(null, new Map())).toThrow(/no report/);
  });
});

describe('jaccardAt', () => {
  it('is null for a class with no boxes', () => {
    expect(jaccardAt([[0, 0], [0, 3]], 0)).toBeNull();
  });
});

describe('readImage', () => {
  it('keeps the known marks only', () => {
    const v = readImage({ imageId: 1, people: [{ annotatorId: 2, name: 'a', boxes: [] }], marks: [{ boxId: 1, kind: 'missing' }, { boxId: 2, kind: 'weird' }] });
    expect(v.marks).toEqual([{ boxId: 1, kind: 'missing' }]);
  });
  it('refuses a reply without people', () => {
    expect(() => readImage({ imageId: 1 })).toThrow(/no people/);
  });
});
