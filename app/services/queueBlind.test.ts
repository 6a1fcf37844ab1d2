import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../hosts/dispatcher.ts';
import { queueFilterFor } from './people.ts';
import { addImageRow, checkedCall, newSession, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import { QueueRepo } from '../store/QueueRepo.ts';

const empty = { added: [], updated: [], removed: [] };

const call = checkedCall;

/**
 * A project file with images a, b (assigned by the lead to ana and ben: blind) and
 * c (nobody's), classes car, bus and truck, the model's car on every image; on a,
 * ana draws a bus and ben a car; on b, the consensus author has a truck; on c, ben
 * draws a bus.
 */
async function setup() {
  const s = newSession('opener');
  const d = createDispatcher(s);
  await call(d, 'project:create', { file: path.join(tempDir('loupe-queue-blind-'), 'p.loupe') });
  const p = s.project;
  const [car, bus, truck] = ['car', 'bus', 'truck'].map((name) => p.classes.insert({ name, color: '#ff0000', hotkey: null }));
  const [a, b, c] = ['a.png', 'b.png', 'c.png'].map((rel) => addImageRow(p, 100, 100, rel));
  const model = p.annotators.ensure('det', 'model').id;
  const run = p.models.insertRun(null, model, 'h', 'det', '{}', 'now');
  for (const imageId of [a, b, c]) {
    p.boxes.insert({ imageId, annotatorId: model, modelRunId: run, classId: car, x: 1, y: 1, w: 10, h: 10, score: 0.8, provenance: 'predicted', sourceBoxId: null });
  }
  await call(d, 'session:identify', { name: 'lead', role: 'lead' });
  await call(d, 'assign:run', { annotators: ['ana', 'ben'], overlap: 2, where: [], seed: 1 });
  p.db.prepare('DELETE FROM assignments WHERE image_id = ?').run(c);
  const box = (imageId: number, classId: number) => call(d, 'boxes:apply', { imageId, diff: { ...empty, added: [{ classId, x: 20, y: 20, w: 10, h: 10 }] } });
  await call(d, 'session:identify', { name: 'ana' });
  await box(a, bus);
  await call(d, 'session:identify', { name: 'ben' });
  await box(a, car);
  await box(c, bus);
  const consensus = p.annotators.ensure('consensus', 'consensus').id;
  p.boxes.insert({ imageId: b, annotatorId: consensus, modelRunId: null, classId: truck, x: 5, y: 5, w: 5, h: 5, score: null, provenance: 'drawn', sourceBoxId: null });
  return { s, d, p, classes: { car, bus, truck }, ids: { a, b, c } };
}

type Who = { name: string; role?: 'lead' };

describe('the class filter on blind images', () => {
  it('looks only at the boxes each person may see: theirs and the predictions on assigned images, everyone\'s elsewhere; the lead sees all', async () => {
    const t = await setup();
    const { d, p } = t;
    const { car, bus, truck } = t.classes;
    const { a, b, c } = t.ids;
    const paths = new Map([[a, 'a.png'], [b, 'b.png'], [c, 'c.png']]);
    const ana: Who = { name: 'ana' };
    const ben: Who = { name: 'ben' };
    // chloe has no assignment: her queue is the whole project, a and b blind for her.
    const chloe: Who = { name: 'chloe' };
    const lead: Who = { name: 'lead', role: 'lead' };
    const cases: [Who, number, string[]][] = [
      [ana, bus, ['a.png']],
      [ben, bus, []],
      [chloe, bus, ['c.png']],
      [lead, bus, ['a.png', 'c.png']],
      [ana, car, ['a.png', 'b.png']],
      [ben, car, ['a.png', 'b.png']],
      [lead, car, ['a.png', 'b.png', 'c.png']],
      [ana, truck, []],
      [chloe, truck, []],
      [lead, truck, ['b.png']],
    ];
    // The store's two ways of testing a class (a set of its images, one seek per image).
    const repos = [new QueueRepo(p.db, 0), new QueueRepo(p.db, Number.MAX_SAFE_INTEGER)];
    for (const [who, classId, want] of cases) {
      await call(d, 'session:identify', who);
      const label = `${who.name}, class ${classId}`;
      const page = await call<{ total: number; items: { path: string }[] }>(d, 'images:list', { filter: { classId } });
      expect(page.total, label).toBe(want.length);
      expect(page.items.map((i) => i.path), label).toEqual(want);
      for (const q of repos) expect(q.ids(p.annotator.id, 'file', queueFilterFor(p, { classId })).map((id) => paths.get(id)), label).toEqual(want);
      for (const order of ['score', 'priority', 'agreement'] as const) {
        expect((await call<{ items: { path: string }[] }>(d, 'images:list', { order, filter: { classId } })).items.map((i) => i.path).sort(), `${label}, ${order}`).toEqual(want);
      }
      // Next and locate walk the same queue.
      const next = await call<{ total: number; item: { path: string } | null }>(d, 'images:next', { from: -1, filter: { classId } });
      expect(next.total, label).toBe(want.length);
      expect(next.item?.path ?? null, label).toBe(want[0] ?? null);
      const at = await call<{ index: number | null }>(d, 'images:locate', { imageId: a, filter: { classId } });
      expect(at.index, label).toBe(want.includes('a.png') ? 0 : null);
    }
    // With another filter beside it, the same rule holds.
    await call(d, 'session:identify', ben);
    expect((await call(d, 'images:list', { filter: { classId: bus, status: ['todo', 'in_progress'] } })).total).toBe(0);
    await call(d, 'session:identify', ana);
    expect((await call(d, 'images:list', { filter: { classId: bus, status: ['todo', 'in_progress'] } })).total).toBe(1);
  });

  it("an annotator without assignments filters by another person only where nobody was assigned; the lead everywhere", async () => {
    const t = await setup();
    const { d, p } = t;
    const ben = p.annotators.byName('ben')!.id;
    const ana = p.annotators.byName('ana')!.id;
    const paths = async (annotatorId: number) => ((await call<{ items: { path: string }[] }>(d, 'images:list', { filter: { annotatorId } })).items.map((i) => i.path).sort());
    // chloe: no assignment. ben has work on a (blind for chloe) and c (nobody's); ana only on a.
    await call(d, 'session:identify', { name: 'chloe' });
    expect(await paths(ben)).toEqual(['c.png']);
    expect(await paths(ana)).toEqual([]);
    const repos = [new QueueRepo(p.db, 0), new QueueRepo(p.db, Number.MAX_SAFE_INTEGER)];
    for (const q of repos) expect(q.ids(p.annotator.id, 'file', queueFilterFor(p, { annotatorId: ben })).length).toBe(1);
    // ben on his own work sees all of it; another person's is refused in an assigned queue
    await call(d, 'session:identify', { name: 'ben' });
    expect(await paths(ben)).toEqual(['a.png', 'b.png']);
    expect((await d('images:list', { filter: { annotatorId: ana } })).ok).toBe(false);
    await call(d, 'session:identify', { name: 'lead', role: 'lead' });
    expect(await paths(ben)).toEqual(['a.png', 'b.png', 'c.png']);
    expect(await paths(ana)).toEqual(['a.png', 'b.png']);
  });

  it('refuses a bad class id or a viewer given by the client, and changes nothing', async () => {
    const t = await setup();
    const { d, p } = t;
    await call(d, 'session:identify', { name: 'ben' });
    const before = snapshot(p);
    for (const filter of [{ classId: 0 }, { classId: 'bus' }, { classId: 1.5 }, { classId: t.classes.bus, blindFor: t.p.annotator.id }]) {
      const r = await d('images:list', { filter });
      expect(r.ok, JSON.stringify(filter)).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('bad_request');
        expect(r.error.message).toMatch(/classId|blindFor/);
      }
    }
    // A class nobody has is an empty queue, not an error.
    expect((await call(d, 'images:list', { filter: { classId: 999 } })).total).toBe(0);
    expect(snapshot(p)).toBe(before);
  });
});
