import { describe, expect, it } from 'vitest';
import { LoupeError } from '../../domain/errors.ts';
import { clusters, consensusMerge, defaultQuorum } from './consensus.ts';
import type { ABox } from './match.ts';

let nextId = 1;
function box(classId: number, x: number, y = 0, w = 10, h = 10): ABox {
  return { id: nextId++, classId, x, y, w, h };
}

describe('defaultQuorum', () => {
  it('is a majority of the people, at least one', () => {
    expect([0, 1, 2, 3, 4, 5].map(defaultQuorum)).toEqual([1, 1, 1, 2, 2, 3]);
  });
});

describe('consensusMerge', () => {
  it('empty input gives no boxes', () => {
    expect(consensusMerge(new Map(), 0.5, 1)).toEqual([]);
    expect(consensusMerge(new Map([[1, []], [2, []]]), 0.5, 1)).toEqual([]);
  });

  it('takes the majority class, counts its votes and applies the quorum', () => {
    const a = box(0, 0);
    const b = box(0, 1);
    const c = box(1, 2);
    const byPerson = new Map([[1, [a]], [2, [b]], [3, [c]]]);
    const out = consensusMerge(byPerson, 0.5, 2);
    expect(out).toHaveLength(1);
    expect(out[0].classId).toBe(0);
    expect(out[0].votes).toBe(2);
    expect(out[0].members).toEqual([
      { annotatorId: 1, boxId: a.id },
      { annotatorId: 2, boxId: b.id },
      { annotatorId: 3, boxId: c.id },
    ]);
    // the mean box is x = 1, so person 2's box is chosen
    expect(out[0].box).toEqual({ ...b, classId: 0 });
    expect(consensusMerge(byPerson, 0.5, 3)).toEqual([]);
  });

  it('outputs the member closest to the mean box, with the cluster’s class', () => {
    // at 0.4 all three join (the outer two are at IoU 6/14); the mean box is x = 2
    const byPerson = new Map([[1, [box(2, 0)]], [2, [box(2, 4)]], [3, [box(5, 2)]]]);
    const [c] = consensusMerge(byPerson, 0.4, 1);
    expect(c.members).toHaveLength(3);
    expect(c.box.x).toBe(2);
    expect(c.box.classId).toBe(2);
    expect(c.classId).toBe(2);
  });

  it('breaks a class tie by the member with the highest mean IoU to the others', () => {
    // three classes once each; the middle box overlaps the other two most
    const byPerson = new Map([[1, [box(7, 0)]], [2, [box(8, 1.5)]], [3, [box(9, 3)]]]);
    const [c] = consensusMerge(byPerson, 0.5, 1);
    expect(c.classId).toBe(8);
    expect(c.votes).toBe(1);
    // two people, one class each, identical boxes: the lowest annotator id's class
    const [d] = consensusMerge(new Map([[5, [box(3, 0)]], [4, [box(6, 0)]]]), 0.5, 1);
    expect(d.classId).toBe(6);
    expect(d.members.map((m) => m.annotatorId)).toEqual([4, 5]);
  });

  it('only merges clusters whose every cross pair reaches the threshold', () => {
    // A–B and B–C at IoU 7/13, A–C at 1/4: A and B join (ties go by annotator id), C stays alone
    const A = box(0, 0);
    const B = box(0, 3);
    const C = box(0, 6);
    const cl = clusters(new Map([[1, [A]], [2, [B]], [3, [C]]]), 0.5);
    expect(cl.map((g) => g.map((m) => m.box.id))).toEqual([[A.id, B.id], [C.id]]);
  });

  it('keeps at most one box per person in a cluster', () => {
    const cl = clusters(new Map([[1, [box(0, 0), box(0, 0.5)]], [2, [box(0, 0.2)]]]), 0.5);
    for (const g of cl) expect(new Set(g.map((m) => m.annotatorId)).size).toBe(g.length);
    expect(cl.map((g) => g.length).sort()).toEqual([1, 2]);
  });

  it('gives the same output for the same input in any map order', () => {
    const p1 = [box(0, 0), box(1, 40), box(2, 80, 0, 20, 20), box(0, 200)];
    const p2 = [box(1, 41), box(0, 1), box(2, 82, 1, 19, 20)];
    const p3 = [box(2, 81, 0, 20, 21), box(0, 0.5), box(3, 300)];
    const orders: [number, ABox[]][][] = [
      [[1, p1], [2, p2], [3, p3]],
      [[3, p3], [1, p1], [2, p2]],
      [[2, p2], [3, p3], [1, p1]],
    ];
    const outs = orders.map((o) => consensusMerge(new Map(o), 0.5, 1));
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
    expect(outs[0].length).toBe(5);
  });

  it('refuses a bad quorum or threshold with bad_request', () => {
    for (const q of [0, -1, 1.5, Number.NaN]) {
      expect(() => consensusMerge(new Map(), 0.5, q)).toThrow(/quorum must be an integer ≥ 1/);
    }
    expect(() => consensusMerge(new Map(), 0, 1)).toThrow(LoupeError);
    expect(() => clusters(new Map(), 1.5)).toThrow(/\(0, 1\]/);
  });
});
