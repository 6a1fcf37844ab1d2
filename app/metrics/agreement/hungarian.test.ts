import { describe, expect, it } from 'vitest';
import { linearSumAssignment } from './hungarian.ts';

/** The least total cost over all assignments, by enumeration (small matrices only). */
function bruteForce(cost: Float64Array, nr: number, nc: number): number {
  const k = Math.min(nr, nc);
  let best = Infinity;
  const usedR = new Array<boolean>(nr).fill(false);
  const usedC = new Array<boolean>(nc).fill(false);
  // choose k rows (in order) and assign each a distinct column
  const rec = (startRow: number, depth: number, sum: number): void => {
    if (depth === k) {
      best = Math.min(best, sum);
      return;
    }
    for (let i = startRow; i < nr; i++) {
      if (usedR[i]) continue;
      usedR[i] = true;
      for (let j = 0; j < nc; j++) {
        if (usedC[j]) continue;
        usedC[j] = true;
        rec(i + 1, depth + 1, sum + cost[i * nc + j]);
        usedC[j] = false;
      }
      usedR[i] = false;
    }
  };
  rec(0, 0, 0);
  return best;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('linearSumAssignment', () => {
  it('finds the optimum of random rectangular matrices (checked by enumeration)', () => {
    const rnd = lcg(7);
    for (let trial = 0; trial < 300; trial++) {
      const nr = 1 + Math.floor(rnd() * 6);
      const nc = 1 + Math.floor(rnd() * 6);
      const cost = new Float64Array(nr * nc);
      // a few repeated values make ties common
      for (let x = 0; x < cost.length; x++) cost[x] = rnd() < 0.3 ? 1 : Math.floor(rnd() * 10) / 10;
      const out = new Int32Array(nr);
      linearSumAssignment(cost, nr, nc, out);
      const cols = [...out].filter((j) => j >= 0);
      expect(cols.length).toBe(Math.min(nr, nc));
      expect(new Set(cols).size).toBe(cols.length);
      let sum = 0;
      out.forEach((j, i) => {
        if (j >= 0) sum += cost[i * nc + j];
      });
      expect(sum).toBeCloseTo(bruteForce(cost, nr, nc), 12);
    }
  });

  it('handles empty sides', () => {
    const out = new Int32Array(3).fill(7);
    linearSumAssignment(new Float64Array(0), 3, 0, out);
    expect([...out]).toEqual([-1, -1, -1]);
  });

  it('leaves the extra rows of a tall matrix unassigned', () => {
    // rows 0 and 2 are cheap for column 0 and 1 respectively
    const cost = Float64Array.from([0.1, 0.9, 0.5, 0.5, 0.9, 0.2]);
    const out = new Int32Array(3);
    linearSumAssignment(cost, 3, 2, out);
    expect([...out]).toEqual([0, -1, 1]);
  });
});
