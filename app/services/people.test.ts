import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MethodName } from '../contract/methods.ts';
import { createDispatcher, type Dispatch } from '../hosts/dispatcher.ts';
import { addImageRow, checkedCall, newSession, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import { Project } from '../store/Project.ts';

const empty = { added: [], updated: [], removed: [] };

const call = checkedCall;
async function refused(d: Dispatch, method: MethodName, payload: unknown): Promise<{ code: string; message: string }> {
  const r = await d(method, payload);
  if (r.ok) throw new Error(`${method} was expected to fail`);
  return r.error;
}

/** A session on a new project with three images, a class, a model with one prediction on each image. */
async function setup(opener = 'opener') {
  const s = newSession(opener);
  const d = createDispatcher(s);
  const file = path.join(tempDir(), 'p.loupe');
  await call(d, 'project:create', { file });
  const p = s.project;
  const car = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
  const ids = ['a.png', 'b.png', 'c.png'].map((rel) => addImageRow(p, 100, 100, rel));
  const model = p.annotators.ensure('det', 'model').id;
  const run = p.models.insertRun(null, model, 'h', 'det', '{}', 'now');
  const preds = ids.map((imageId) =>
    p.boxes.insert({ imageId, annotatorId: model, modelRunId: run, classId: car, x: 1, y: 1, w: 10, h: 10, score: 0.8, provenance: 'predicted', sourceBoxId: null }),
  );
  return { s, d, p, file, car, ids, preds };
}

describe('who is working', () => {
  it('without identify works as today: the default person, role annotator', async () => {
    const { d } = await setup('opener');
    const who = await call(d, 'session:whoami', {});
    expect(who.annotator.name).toBe('opener');
    expect(who.role).toBe('annotator');
    const info = await call(d, 'project:info', {});
    expect(info).toMatchObject({ annotator: { name: 'opener' }, role: 'annotator', lastIdentity: null });
  });

  it('identify creates the person, switches every write to them and remembers the choice for the next opening', async () => {
    const { s, d, file, car, ids } = await setup('opener');
    const who = await call(d, 'session:identify', { name: '  ana  ', role: 'lead' });
    expect(who).toMatchObject({ annotator: { name: 'ana' }, role: 'lead' });
    expect(await call(d, 'session:whoami', {})).toEqual(who);
    expect(await call(d, 'project:info', {})).toMatchObject({ annotator: { id: who.annotator.id, name: 'ana' }, role: 'lead' });
    // A box, a done mark and a setting are ana's now.
    const res = await call(d, 'boxes:apply', { imageId: ids[0], diff: { ...empty, added: [{ classId: car, x: 2, y: 2, w: 5, h: 5 }] } });
    const mine = res.boxes.find((b: { modelRunId: number | null }) => b.modelRunId === null);
    expect(mine.annotatorId).toBe(who.annotator.id);
    await call(d, 'review:set', { imageId: ids[0], status: 'done' });
    expect(s.project.assignments.get(ids[0], who.annotator.id)).toBe('done');
    const people = await call(d, 'annotators:list', {});
    expect(people.find((a: { name: string }) => a.name === 'ana')).toMatchObject({ kind: 'human', imagesDone: 1, boxes: 1, assigned: 0 });
    // Switching again (role not given: annotator) moves the next edit to ben.
    const ben = await call(d, 'session:identify', { name: 'ben' });
    expect(ben.role).toBe('annotator');
    await call(d, 'boxes:apply', { imageId: ids[1], diff: { ...empty, added: [{ classId: car, x: 2, y: 2, w: 5, h: 5 }] } });
    expect(s.project.boxes.forImage(ids[1], ben.annotator.id)).toHaveLength(1);
    expect(s.project.boxes.forImage(ids[1], who.annotator.id)).toHaveLength(0);

    await call(d, 'project:close', {});
    await call(d, 'project:open', { file });
    const info = await call(d, 'project:info', {});
    // Opened as this machine's person again, with the last choice to preselect.
    expect(info).toMatchObject({ annotator: { name: 'opener' }, role: 'annotator', lastIdentity: { name: 'ben', role: 'annotator' } });
    // Kept in the settings table with the person the project opens as on this machine.
    const opener = s.project.defaultAnnotator.id;
    expect(JSON.parse(s.project.review.setting(opener, 'lastIdentity')!)).toEqual({ name: 'ben', role: 'annotator' });
  });

  it('refuses a model or consensus author, an empty or over-long name, a bad role, and changes nothing', async () => {
    const { d, p } = await setup();
    p.annotators.ensure('consensus', 'consensus');
    const before = snapshot(p);
    expect(await refused(d, 'session:identify', { name: 'det' })).toMatchObject({ code: 'bad_request', message: expect.stringContaining("model's author") });
    expect(await refused(d, 'session:identify', { name: 'consensus' })).toMatchObject({ code: 'bad_request', message: expect.stringContaining('consensus') });
    expect((await refused(d, 'session:identify', { name: '   ' })).message).toContain('name is empty');
    expect((await refused(d, 'session:identify', { name: 'x'.repeat(65) })).message).toContain('at most 64');
    expect((await refused(d, 'session:identify', { name: 'ana', role: 'boss' })).code).toBe('bad_request');
    expect(snapshot(p)).toBe(before);
    expect((await call(d, 'session:whoami', {})).annotator.name).toBe('opener');
  });

  it('Project.setAnnotator refuses a non-person', async () => {
    const { p } = await setup();
    const det = p.annotators.byName('det')!;
    expect(() => p.setAnnotator(det)).toThrow(/not a person/);
  });
});

/** Assign a.png and b.png to ana and ben both (as the lead), then let each draw a box on a.png. */
async function blindSetup() {
  const t = await setup();
  const { d, car, ids } = t;
  await call(d, 'session:identify', { name: 'lead', role: 'lead' });
  const sum = await call(d, 'assign:run', { annotators: ['ana', 'ben'], overlap: 2, where: [], seed: 1 });
  expect(sum.perPerson.map((r: { assigned: number }) => r.assigned)).toEqual([3, 3]);
  // Leave c.png unassigned: drop its rows again, as an assignment over two images would have made it.
  t.p.db.prepare('DELETE FROM assignments WHERE image_id = ?').run(ids[2]);
  const ana = await call(d, 'session:identify', { name: 'ana' });
  const a = await call(d, 'boxes:apply', { imageId: ids[0], diff: { ...empty, added: [{ classId: car, x: 10, y: 10, w: 20, h: 20 }] } });
  const anaBox = a.diff.added[0].id as number;
  const ben = await call(d, 'session:identify', { name: 'ben' });
  const b = await call(d, 'boxes:apply', { imageId: ids[0], diff: { ...empty, added: [{ classId: car, x: 50, y: 50, w: 20, h: 20 }] } });
  const benBox = b.diff.added[0].id as number;
  // The lead's consensus on a.png.
  const consensus = t.p.annotators.ensure('consensus', 'consensus').id;
  const consBox = t.p.boxes.insert({ imageId: ids[0], annotatorId: consensus, modelRunId: null, classId: car, x: 10, y: 10, w: 20, h: 20, score: null, provenance: 'drawn', sourceBoxId: null });
  return { ...t, ana, ben, anaBox, benBox, consBox };
}

const ids = (r: { boxes: { id: number }[] }) => r.boxes.map((b) => b.id).sort((x, y) => x - y);

describe('blind labelling', () => {
  it('two people on the same assigned image each see only their own boxes and the predictions; the lead sees all', async () => {
    const t = await blindSetup();
    const { d, preds, anaBox, benBox, consBox } = t;
    const img = t.ids[0];
    // ben is current.
    expect(ids(await call(d, 'boxes:list', { imageId: img }))).toEqual([preds[0], benBox]);
    expect((await call(d, 'images:get', { id: img })).boxCount).toBe(2);
    await call(d, 'session:identify', { name: 'ana' });
    expect(ids(await call(d, 'boxes:list', { imageId: img }))).toEqual([preds[0], anaBox]);
    const page = await call(d, 'images:list', {});
    expect(page.items.map((i: { path: string; boxCount: number }) => [i.path, i.boxCount])).toEqual([
      ['a.png', 2],
      ['b.png', 1],
    ]);
    await call(d, 'session:identify', { name: 'lead', role: 'lead' });
    expect(ids(await call(d, 'boxes:list', { imageId: img }))).toEqual([preds[0], anaBox, benBox, consBox].sort((x, y) => x - y));
    expect((await call(d, 'images:get', { id: img })).boxCount).toBe(4);
    expect((await call(d, 'images:list', {})).total).toBe(3);
  });

  it("an annotator's queue, next and locate hold only their assigned images; filtering by another person is refused", async () => {
    const t = await blindSetup();
    const { d } = t;
    await call(d, 'session:identify', { name: 'ana' });
    expect((await call(d, 'images:list', {})).items.map((i: { path: string }) => i.path)).toEqual(['a.png', 'b.png']);
    const first = await call(d, 'images:next', { from: -1 });
    expect(first).toMatchObject({ index: 0, total: 2, item: { path: 'a.png' } });
    expect(await call(d, 'images:next', { from: 1 })).toMatchObject({ item: null, total: 2 });
    expect(await call(d, 'images:locate', { imageId: t.ids[2] })).toEqual({ index: null, total: 2 });
    expect(await call(d, 'images:locate', { imageId: t.ids[1] })).toEqual({ index: 1, total: 2 });
    const err = await refused(d, 'images:list', { filter: { annotatorId: t.ben.annotator.id } });
    expect(err.code).toBe('forbidden');
    // Their own filter still works (their rows on a.png and b.png).
    expect((await call(d, 'images:list', { filter: { annotatorId: t.ana.annotator.id } })).total).toBe(2);
    // A person with no assigned images sees the whole project as before.
    await call(d, 'session:identify', { name: 'chloe' });
    expect((await call(d, 'images:list', {})).total).toBe(3);
    // On an image nobody was assigned, everyone's boxes show as today.
    await call(d, 'session:identify', { name: 'ana' });
    await call(d, 'boxes:apply', { imageId: t.ids[2], diff: { ...empty, added: [{ classId: t.car, x: 5, y: 5, w: 5, h: 5 }] } });
    await call(d, 'session:identify', { name: 'ben' });
    expect((await call(d, 'boxes:list', { imageId: t.ids[2] })).boxes).toHaveLength(2);
  });

  it("refuses an edit of another person's box, or copying it, and stores nothing", async () => {
    const t = await blindSetup();
    const { d, p, anaBox } = t;
    const ana = p.boxes.get(anaBox)!;
    const state = { id: ana.id, classId: ana.classId, x: ana.x, y: ana.y, w: ana.w, h: ana.h };
    const before = snapshot(p);
    // ben is current.
    const upd = await refused(d, 'boxes:apply', { imageId: t.ids[0], diff: { ...empty, updated: [[state, { ...state, x: 30 }]] } });
    expect(upd).toMatchObject({ code: 'forbidden', message: expect.stringContaining(`box ${anaBox}`) });
    const rem = await refused(d, 'boxes:apply', { imageId: t.ids[0], diff: { ...empty, removed: [state] } });
    expect(rem.code).toBe('forbidden');
    const copy = await refused(d, 'boxes:apply', { imageId: t.ids[0], diff: { ...empty, added: [{ classId: t.car, x: 10, y: 10, w: 20, h: 20, sourceBoxId: anaBox }] } });
    expect(copy).toMatchObject({ code: 'forbidden', message: expect.stringContaining('another person') });
    expect(snapshot(p)).toBe(before);
    // Editing a prediction makes ben's own copy, as before.
    const ok = await call(d, 'boxes:apply', { imageId: t.ids[0], diff: { ...empty, added: [{ classId: t.car, x: 1, y: 1, w: 10, h: 10, sourceBoxId: t.preds[0] }] } });
    expect(p.boxes.get(ok.diff.added[0].id)).toMatchObject({ annotatorId: t.ben.annotator.id, provenance: 'accepted' });
  });
});

describe('migration 6', () => {
  it('opens a schema-5 project, adds assigned_at (NULL on existing rows) and keeps its rows', async () => {
    const { MIGRATIONS } = await import('../store/migrations.ts');
    const Database = (await import('better-sqlite3')).default;
    const file = path.join(tempDir(), 'v5.loupe');
    const raw = new Database(file);
    for (const m of MIGRATIONS.slice(0, 5)) raw.exec(m);
    raw.pragma('user_version = 5');
    raw.prepare("INSERT INTO roots (id, path) VALUES (1, '.')").run();
    raw.prepare("INSERT INTO images (root_id, path, width, height, added_at) VALUES (1, 'a.png', 10, 10, 'now')").run();
    raw.prepare("INSERT INTO annotators (name, kind) VALUES ('ana', 'human')").run();
    raw.prepare("INSERT INTO assignments (image_id, annotator_id, status, updated_at, origin) VALUES (1, 1, 'done', 'then', 'review')").run();
    raw.close();
    const p = Project.open(file, { annotator: 'ana' });
    try {
      expect(p.db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(6);
      expect(p.db.prepare('SELECT image_id, status, assigned_at FROM assignments').all()).toEqual([{ image_id: 1, status: 'done', assigned_at: null }]);
      expect(p.assignments.isAssigned(1)).toBe(false);
      expect(p.assignments.hasAssignments(1)).toBe(false);
      p.assignments.applyPlan([{ imageId: 1, annotatorId: 1 }], [], 'now');
      // The done row stays done and is now assigned.
      expect(p.db.prepare('SELECT status, assigned_at FROM assignments').all()).toEqual([{ status: 'done', assigned_at: 'now' }]);
      expect(p.assignments.assignedImageIds(1)).toEqual([1]);
    } finally {
      p.close();
    }
  });
});
