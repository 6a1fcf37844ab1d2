import { describe, expect, it } from 'vitest';
import { parseSplit, stratifiedSplit } from './exportSplit.ts';

/** 200 images; class 1 on every image, class 2 on 20, class 3 on only 3, class 4 on 1; 40 without boxes. */
function data() {
  const ids = Array.from({ length: 200 }, (_, i) => i + 1);
  const classesOf = new Map<number, number[]>();
  for (const id of ids.slice(0, 160)) classesOf.set(id, [1]);
  for (const id of ids.slice(100, 120)) classesOf.get(id)!.push(2);
  for (const id of [7, 77, 150]) classesOf.get(id)!.push(3);
  classesOf.get(42)!.push(4);
  return { ids, classesOf };
}

const bySplit = (m: Map<number, number>, s: number) => [...m.entries()].filter(([, v]) => v === s).map(([k]) => k).sort((a, b) => a - b);

describe('stratified split', () => {
  it('is the same for the same seed, different for another, and keeps the quotas', () => {
    const { ids, classesOf } = data();
    const a = stratifiedSplit(ids, classesOf, [0.8, 0.2], 1);
    const b = stratifiedSplit([...ids].reverse(), classesOf, [0.8, 0.2], 1);
    expect([...b.entries()].sort((x, y) => x[0] - y[0])).toEqual([...a.entries()].sort((x, y) => x[0] - y[0]));
    const c = stratifiedSplit(ids, classesOf, [0.8, 0.2], 2);
    expect(bySplit(c, 1)).not.toEqual(bySplit(a, 1));
    expect(bySplit(a, 0)).toHaveLength(160);
    expect(bySplit(a, 1)).toHaveLength(40);
  });

  it('puts every class with enough images into val (and test)', () => {
    const { ids, classesOf } = data();
    for (const seed of [0, 1, 2, 3, 99]) {
      for (const fr of [[0.8, 0.2], [0.7, 0.2, 0.1]]) {
        const m = stratifiedSplit(ids, classesOf, fr, seed);
        for (let s = 1; s < fr.length; s++) {
          const inSplit = new Set(bySplit(m, s).flatMap((id) => classesOf.get(id) ?? []));
          for (const cls of [1, 2, 3]) expect(inSplit.has(cls), `seed ${seed} split ${s} class ${cls}`).toBe(true);
        }
        // class 3 has 3 images: train keeps one too
        expect([7, 77, 150].some((id) => m.get(id) === 0)).toBe(true);
        // a class on one image stays in train
        expect(m.get(42)).toBe(0);
      }
    }
  });

  it('parses split strings and refuses bad ones', () => {
    expect(parseSplit('0.8,0.2')).toEqual([0.8, 0.2]);
    expect(parseSplit('0.7, 0.2, 0.1')).toEqual([0.7, 0.2, 0.1]);
    for (const bad of ['0.8', '0.5,0.6', 'a,b', '0.8,,0.2', '1,0', '0.5,0.3,0.1,0.1', '-0.2,1.2']) expect(() => parseSplit(bad), bad).toThrow(/split/);
  });
});
