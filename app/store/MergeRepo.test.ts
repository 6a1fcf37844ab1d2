import { describe, expect, it } from 'vitest';
import { addImageRow, newProject } from '../../test/unit/fixtures.ts';
import { agreementRepo } from './AgreementRepo.ts';
import { insertChunks, mergeRepo } from './MergeRepo.ts';
import type { Project } from './Project.ts';

function draw(p: Project, imageId: number, annotatorId: number, classId: number, x: number): number {
  return p.boxes.insert({ imageId, annotatorId, classId, x, y: 1, w: 10, h: 10, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
}

describe('MergeRepo', () => {
  it('reads the same people and boxes per image as sharedImages and peopleOn, over any range', () => {
    const p = newProject();
    const car = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
    const [ana, bo, cy, dee] = ['ana', 'bo', 'cy', 'dee'].map((n) => p.annotators.ensure(n, 'human').id);
    const consensus = p.annotators.ensure('consensus', 'consensus').id;
    const imgs = Array.from({ length: 6 }, () => addImageRow(p));
    const at = '2026-01-01T00:00:00Z';
    imgs.forEach((img, i) => {
      // boxes drawn out of person order, so box ids do not follow people
      for (const who of [cy, ana, dee, bo]) for (let b = 0; b < (i + who) % 3; b++) draw(p, img, who, car, 10 * b + who);
      draw(p, img, consensus, car, 99);
      p.assignments.set(img, consensus, 'done', at);
      if (i !== 2) p.assignments.set(img, ana, 'done', at);
      if (i % 2 === 0 && i !== 4) p.assignments.set(img, bo, 'done', at);
      p.assignments.set(img, cy, i === 4 ? 'in_progress' : 'done', at);
      if (i === 5) p.assignments.set(img, dee, 'skipped', at);
    });
    const repo = mergeRepo(p.db);
    const all = [...repo.peopleIn(imgs[0], imgs[5])];
    expect(all).toEqual([...agreementRepo(p.db).sharedImages()]);
    // image 4 has only ana done (cy in progress, bo not done), so it is left out
    expect(all.map((x) => x.imageId)).toEqual([imgs[0], imgs[1], imgs[2], imgs[3], imgs[5]]);
    for (const { imageId, byPerson } of all) expect(byPerson).toEqual(agreementRepo(p.db).peopleOn(imageId));
    expect([...repo.peopleIn(imgs[1], imgs[3])].map((x) => x.imageId)).toEqual([imgs[1], imgs[2], imgs[3]]);
    expect([...repo.peopleIn(imgs[4], imgs[4])]).toEqual([]);
  });

  it('changes its change mark after a write on this connection, and not after a read', () => {
    const p = newProject();
    const repo = mergeRepo(p.db);
    const m = repo.changeMark();
    p.images.allIds();
    expect(repo.changeMark()).toBe(m);
    addImageRow(p);
    expect(repo.changeMark()).not.toBe(m);
  });

  it('inserts resolution boxes with their ids in chunks that add up', () => {
    for (const n of [0, 1, 5, 63, 64, 65, 200]) {
      expect(insertChunks(n).reduce((a, b) => a + b, 0)).toBe(n);
      expect(insertChunks(n).every((c) => c >= 1 && c <= 64)).toBe(true);
    }
    const p = newProject();
    const car = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
    const who = p.annotators.ensure('consensus', 'consensus').id;
    const img = addImageRow(p);
    const repo = mergeRepo(p.db);
    const first = repo.nextBoxId();
    const rows = Array.from({ length: 70 }, (_, i) => ({ id: first + i, classId: car, x: i, y: 2, w: 3, h: 4, sourceBoxId: 1000 + i }));
    p.db.transaction(() => repo.insertResolutionBoxes(img, who, rows))();
    expect(p.boxes.forImage(img, who).map((b) => [b.id, b.x, b.sourceBoxId, b.provenance, b.modelRunId, b.score])).toEqual(
      rows.map((r) => [r.id, r.x, r.sourceBoxId, 'accepted', null, null]),
    );
    expect(repo.nextBoxId()).toBe(first + 70);
    // a deleted last box's id is not given again (AUTOINCREMENT)
    p.boxes.delete(first + 69);
    expect(repo.nextBoxId()).toBe(first + 70);
  });
});
