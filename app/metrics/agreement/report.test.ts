import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { krippendorffAlphaNominal } from './alpha.ts';
import { clusters } from './consensus.ts';
import type { ABox } from './match.ts';
import type { PairCounts } from './counts.ts';
import { AgreementAccumulator } from './report.ts';

function box(id: number, classId: number, x: number, y = 0, w = 10, h = 10): ABox {
  return { id, classId, x, y, w, h };
}

interface GoldenImage {
  imageId: number;
  t: number;
  people: Record<string, [number, number, number, number, number][]>;
  agreement: number;
}
const golden = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../../test/fixtures/agreement/golden.json'), 'utf8')) as {
  images: GoldenImage[];
  pairTotalsAt05: { a: number; b: number; images: number; counts: PairCounts; f1: number; meanIoU: number | null }[];
};
const peopleOf = (img: GoldenImage): Map<number, ABox[]> =>
  new Map(Object.entries(img.people).map(([pid, bs]) => [Number(pid), bs.map(([c, x, y, w, h], id) => box(id, c, x, y, w, h))]));

function close(got: number | null, want: number | null, what: string): void {
  if (want === null || got === null) {
    if (got !== want) throw new Error(`${what}: got ${got}, want ${want}`);
  } else if (!(Math.abs(got - want) <= 1e-9)) throw new Error(`${what}: got ${got}, want ${want}`);
}

describe('AgreementAccumulator', () => {
  it('hand-built: pairs, confusion and Jaccard, each person against the consensus, alpha', () => {
    const byPerson = new Map([
      [1, [box(11, 0, 0), box(12, 1, 50)]],
      [2, [box(21, 0, 0), box(22, 2, 50), box(23, 1, 100)]],
    ]);
    const acc = new AgreementAccumulator(0.5);
    const img = acc.addImage(7, byPerson);
    expect(img.people).toEqual([1, 2]);
    expect(img.counts).toEqual({ matchedSame: 1, matchedOther: 1, onlyA: 0, onlyB: 1, iouSum: 2 });
    expect(img.agreement).toBeCloseTo(2 / 5, 15);
    const r = acc.report();
    expect(r.images).toBe(1);
    expect(r.meanAgreement).toBeCloseTo(0.4, 15);
    expect(r.pairs).toEqual([{ a: 1, b: 2, images: 1, counts: img.counts, f1: img.agreement, meanIoU: 1 }]);
    expect(r.perClass.classIds).toEqual([0, 1, 2]);
    // axis 0, 1, 2, unmatched
    expect(r.perClass.confusion).toEqual([
      [2, 0, 0, 0],
      [0, 0, 1, 1],
      [0, 1, 0, 0],
      [0, 1, 0, 0],
    ]);
    expect(r.perClass.jaccard).toEqual([
      { classId: 0, jaccard: 1 },
      { classId: 1, jaccard: 0 },
      { classId: 2, jaccard: 0 },
    ]);
    // consensus (quorum 1): class 0 at 0, the 1/2 tie resolved to person 1's class 1 at 50, class 1 at 100
    expect(r.perPerson).toEqual([
      { annotatorId: 1, images: 1, counts: { matchedSame: 2, matchedOther: 0, onlyA: 0, onlyB: 1, iouSum: 2 }, f1: 4 / 5, meanIoU: 1 },
      { annotatorId: 2, images: 1, counts: { matchedSame: 2, matchedOther: 1, onlyA: 0, onlyB: 0, iouSum: 3 }, f1: 4 / 6, meanIoU: 1 },
    ]);
    // units (0, 0) and (1, 2): o00 = 2, o12 = o21 = 1; n = (2, 1, 1), n = 4;
    // α = 1 − 3·2 / (2·(2·1 + 2·1 + 1·1)) = 0.4
    expect(r.alpha).toBeCloseTo(0.4, 15);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('a quorum drops weak consensus boxes from the per-person comparison', () => {
    const byPerson = new Map([
      [1, [box(1, 0, 0), box(2, 0, 100)]],
      [2, [box(3, 0, 0)]],
      [3, [box(4, 0, 0)]],
    ]);
    const r = new AgreementAccumulator(0.5, { quorum: 2 });
    r.addImage(1, byPerson);
    const p1 = r.report().perPerson[0];
    // the box at 100 has one vote: not in the consensus, so person 1 has it extra
    expect(p1.counts).toEqual({ matchedSame: 1, matchedOther: 0, onlyA: 1, onlyB: 0, iouSum: 1 });
    expect(r.report().quorum).toBe(2);
  });

  it('gives SciPy’s project pair totals and image agreements (golden.json at IoU 0.5)', () => {
    const acc = new AgreementAccumulator(0.5);
    const imgs = golden.images.filter((i) => i.t === 0.5);
    expect(imgs.length).toBeGreaterThan(100);
    let units: number[][] = [];
    for (const img of imgs) {
      const a = acc.addImage(img.imageId, peopleOf(img));
      close(a.agreement, img.agreement, `image ${img.imageId}`);
      units = units.concat(clusters(peopleOf(img), 0.5).filter((g) => g.length >= 2).map((g) => g.map((m) => m.box.classId)));
    }
    const r = acc.report();
    expect(r.images).toBe(imgs.length);
    close(r.meanAgreement, imgs.reduce((s, i) => s + i.agreement, 0) / imgs.length, 'mean agreement');
    expect(r.pairs.map((p) => [p.a, p.b, p.images])).toEqual(golden.pairTotalsAt05.map((p) => [p.a, p.b, p.images]));
    r.pairs.forEach((p, k) => {
      const w = golden.pairTotalsAt05[k];
      expect({ ...p.counts, iouSum: 0 }).toEqual({ ...w.counts, iouSum: 0 });
      close(p.counts.iouSum, w.counts.iouSum, `pair ${p.a}:${p.b} iouSum`);
      close(p.f1, w.f1, `pair ${p.a}:${p.b} f1`);
      close(p.meanIoU, w.meanIoU, `pair ${p.a}:${p.b} meanIoU`);
    });
    // the confusion matrix is symmetric; each match and each miss fills two cells
    const cm = r.perClass.confusion;
    cm.forEach((row, i) => row.forEach((v, j) => expect(v).toBe(cm[j][i])));
    const total = cm.flat().reduce((s, v) => s + v, 0);
    const want = r.pairs.reduce((s, p) => s + 2 * (p.counts.matchedSame + p.counts.matchedOther + p.counts.onlyA + p.counts.onlyB), 0);
    expect(total).toBe(want);
    close(r.alpha, krippendorffAlphaNominal(units), 'alpha');
  });

  it('refuses a repeated image, fewer than two people and bad boxes, leaving the report as it was', () => {
    const acc = new AgreementAccumulator(0.5);
    acc.addImage(1, new Map([[1, [box(1, 0, 0)]], [2, [box(2, 0, 0)]]]));
    const before = acc.report();
    expect(() => acc.addImage(1, new Map([[1, []], [2, []]]))).toThrow(/Image 1 was already added/);
    expect(() => acc.addImage(2, new Map([[1, [box(1, 0, 0)]]]))).toThrow(/at least two people/);
    expect(() => acc.addImage(3, new Map([[1, [box(1, 0, 0)]], [2, [box(2, 0, 0, 0, -4, 1)]]]))).toThrow(/width and height ≥ 0/);
    expect(acc.report()).toEqual(before);
    // the refused images can still be added once fixed
    acc.addImage(3, new Map([[1, []], [2, []]]));
    expect(acc.report().images).toBe(2);
  });

  it('refuses a bad threshold or quorum at construction', () => {
    expect(() => new AgreementAccumulator(0)).toThrow(/\(0, 1\]/);
    expect(() => new AgreementAccumulator(0.5, { quorum: 0 })).toThrow(/quorum/);
  });

  it('reports an empty project as zero images, no mean and no alpha', () => {
    const r = new AgreementAccumulator(0.5).report();
    expect(r).toMatchObject({ images: 0, meanAgreement: null, alpha: null, pairs: [], perImage: [], perPerson: [] });
  });
});
