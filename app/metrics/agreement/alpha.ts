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

/** A streaming coincidence matrix over nominal values; memory ∝ distinct values². */
export class NominalCoincidence {
  private readonly index = new Map<number, number>();
  /** o[c][k] as rows of growing arrays. */
  private readonly o: number[][] = [];
  private readonly counts = new Map<number, number>();

  /** Add one unit's values (missing ones already left out); units with < 2 values add nothing. */
  addUnit(values: readonly number[]): void {
    const m = values.length;
    if (m < 2) return;
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
