import { describe, expect, it } from 'vitest';
import { krippendorffAlphaNominal } from './alpha.ts';

/** Transpose an observers × units table into the units × coders rows the function takes. */
function byUnit(observers: (number | null)[][]): (number | null)[][] {
  return observers[0].map((_, u) => observers.map((row) => row[u]));
}

describe('krippendorffAlphaNominal', () => {
  it('Krippendorff (2011) nominal example, 4 observers × 12 units with missing values: α = 0.743', () => {
    // K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C,
    // "Nominal data, any number of observers, missing values"; the same table is
    // DescTools::KrippAlpha's example ("the C data from Krippendorff").
    const table = [
      [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
      [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
    ];
    const alpha = krippendorffAlphaNominal(byUnit(table));
    expect(alpha).not.toBeNull();
    expect(alpha!).toBeCloseTo(0.743, 3);
    // exactly: n = 40, Σ_{c≠k} o_ck = 8, Σ_{c≠k} n_c·n_k = 1216, α = 1 − 39·8/1216 = 113/152
    expect(alpha!).toBeCloseTo(113 / 152, 14);
  });

  it('Krippendorff (2011) binary example, 2 observers × 10 units: α = 0.095', () => {
    // same note, section A ("binary or dichotomous data, two observers, no missing data")
    const table = [
      [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
      [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
    ];
    // o00 = 10, o11 = 2, o01 = o10 = 4; n0 = 14, n1 = 6: α = 1 − 19·8 / (2·14·6)
    expect(krippendorffAlphaNominal(byUnit(table))).toBeCloseTo(1 - (19 * 8) / (2 * 14 * 6), 14);
    expect(krippendorffAlphaNominal(byUnit(table))!).toBeCloseTo(0.095, 3);
  });

  it('is 1 for perfect agreement over two or more values', () => {
    expect(krippendorffAlphaNominal([[1, 1], [2, 2, 2], [1, null, 1]])).toBe(1);
  });

  it('hand-computed: two units, (a, a) and (a, b)', () => {
    // o_aa = 2, o_ab = o_ba = 1, n_a = 3, n_b = 1, n = 4: α = 1 − 3·2 / (2·3·1) = 0
    expect(krippendorffAlphaNominal([[1, 1], [1, 2]])).toBeCloseTo(0, 15);
    // systematic disagreement goes below 0: (a, b), (b, a): α = 1 − 3·4/(2·2·2) = −0.5
    expect(krippendorffAlphaNominal([[1, 2], [2, 1]])).toBeCloseTo(-0.5, 15);
  });

  it('is null with no pairable values or a single value throughout', () => {
    expect(krippendorffAlphaNominal([])).toBeNull();
    expect(krippendorffAlphaNominal([[1, null], [null, 2], [3]])).toBeNull();
    expect(krippendorffAlphaNominal([[4, 4], [4, 4, null]])).toBeNull();
  });

  it('ignores units with one value (they are not pairable)', () => {
    const base = [[1, 1], [2, 2], [1, 2]];
    expect(krippendorffAlphaNominal([...base, [5, null, null]])).toBe(krippendorffAlphaNominal(base));
  });
});
