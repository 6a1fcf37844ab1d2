/**
 * Krippendorff's alpha for nominal data with missing values, by the coincidence matrix
 * (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", section C):
 * each unit with m_u ≥ 2 values adds 1/(m_u − 1) to o_ck for every ordered pair of its
 * values from different coders; n_c = Σ_k o_ck, n = Σ_c n_c, and
 * α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c·n_k.
 *
 * α is undefined, and null is returned, when no unit has two values (n = 0) or only one
 * value occurs among the pairable values (the expected disagreement is 0).
 */

/** A coincidence matrix as plain data (structured-clone safe), for NominalCoincidence.merge. */
export interface CoincidencePart {
  /** The value of each slot, in the order first seen. */
  values: number[];
  /** o by slot. */
  o: number[][];
  /** Every unit's weight 1/(m − 1) was a power of two, so each cell is an exact sum. */
  exact: boolean;
  /** The units with ≥ 2 values in the order added: each one's size, then all values in a row (kept only when recording). */
  unitSizes: Int32Array;
  unitValues: Float64Array;
}

/** A streaming coincidence matrix over nominal values; memory ∝ distinct values² (plus the units, when recording). */
export class NominalCoincidence {
  private readonly index = new Map<number, number>();
  /** o[c][k] as rows of growing arrays. */
  private readonly o: number[][] = [];
  private readonly counts = new Map<number, number>();
  private exact = true;
  private readonly unitSizes: number[] = [];
  private readonly unitValues: number[] = [];

  /** With `record`, the units are kept so that part() can be merged exactly onto another matrix. */
  constructor(private readonly record = false) {}

  /** Add one unit's values (missing ones already left out); units with < 2 values add nothing. */
  addUnit(values: readonly number[]): void {
    const m = values.length;
    if (m < 2) return;
    if (this.record) {
      this.unitSizes.push(m);
      for (let i = 0; i < m; i++) this.unitValues.push(values[i]);
    }
    // 1/(m − 1) is exact only for a power of two; sums of such terms are exact
    if ((m - 1) & (m - 2)) this.exact = false;
    this.counts.clear();
    for (const v of values) this.counts.set(v, (this.counts.get(v) ?? 0) + 1);
    const w = 1 / (m - 1);
    for (const [c, nc] of this.counts) {
      const ic = this.slot(c);
      for (const [k, nk] of this.counts) {
        const ik = this.slot(k);
        // ordered pairs of different coders: c with itself gives nc·(nc − 1)
        const pairs = c === k ? nc * (nc - 1) : nc * nk;
        if (pairs > 0) this.o[ic][ik] = (this.o[ic][ik] ?? 0) + pairs * w;
      }
    }
  }

  /** α nominal, or null when undefined (see the module comment). */
  alpha(): number | null {
    const V = this.o.length;
    const nc = new Array<number>(V).fill(0);
    let n = 0;
    let disagree = 0;
    for (let c = 0; c < V; c++) {
      for (let k = 0; k < V; k++) {
        const x = this.o[c][k] ?? 0;
        nc[c] += x;
        if (c !== k) disagree += x;
      }
      n += nc[c];
    }
    if (!(n > 0)) return null;
    let expected = 0;
    for (let c = 0; c < V; c++) for (let k = 0; k < V; k++) if (c !== k) expected += nc[c] * nc[k];
    if (!(expected > 0)) return null;
    return 1 - ((n - 1) * disagree) / expected;
  }

  /** The matrix and its recorded units as plain data (needs `record`). */
  part(): CoincidencePart {
    if (!this.record) throw new Error('NominalCoincidence.part needs a recording matrix');
    return { values: [...this.index.keys()], o: this.o.map((row) => [...row]), exact: this.exact, unitSizes: Int32Array.from(this.unitSizes), unitValues: Float64Array.from(this.unitValues) };
  }

  /**
   * Add another matrix's units after this one's, with the same result, to the last bit,
   * as adding them here one by one: exact cells are added directly (sums of powers-of-two
   * fractions are exact in any order); otherwise its units are replayed in order.
   */
  merge(p: CoincidencePart): void {
    if (!(this.exact && p.exact)) {
      for (let u = 0, at = 0; u < p.unitSizes.length; at += p.unitSizes[u++]) this.addUnit(Array.from(p.unitValues.subarray(at, at + p.unitSizes[u])));
      return;
    }
    // slots in p's first-seen order, as adding its units would create them
    const slots = p.values.map((v) => this.slot(v));
    p.o.forEach((row, c) => {
      row.forEach((x, k) => {
        if (x !== undefined) this.o[slots[c]][slots[k]] = (this.o[slots[c]][slots[k]] ?? 0) + x;
      });
    });
    if (this.record) {
      for (const m of p.unitSizes) this.unitSizes.push(m);
      for (const v of p.unitValues) this.unitValues.push(v);
    }
  }

  private slot(v: number): number {
    let i = this.index.get(v);
    if (i === undefined) {
      i = this.o.length;
      this.index.set(v, i);
      this.o.push([]);
    }
    return i;
  }
}

/**
 * Krippendorff's alpha, nominal: rows are units, columns coders, null a missing value.
 * Null when undefined: no unit with two values, or a single value throughout.
 */
export function krippendorffAlphaNominal(units: readonly (readonly (number | null)[])[]): number | null {
  const acc = new NominalCoincidence();
  for (const row of units) acc.addUnit(row.filter((v): v is number => v !== null));
  return acc.alpha();
}
