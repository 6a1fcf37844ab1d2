import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFolder } from '../io/importFolder.ts';
import { HEADER_BYTES, readFrames, readHeader } from '../io/workPackageFile.ts';
import { Project } from '../store/Project.ts';
import { makeImage, snapshot, tempDir, track } from '../../test/unit/fixtures.ts';
import { applyEdit } from './boxEdits.ts';
import { exportPackage, packageRepo } from './packageExport.ts';
import { importPackage } from './packageImport.ts';
import { openPackage } from './packageOpen.ts';
import { setReviewStatus } from './review.ts';

const at = '2026-01-01T00:00:00.000Z';

/**
 * The lead's project: images a, b (100×80, 60×40) and sub/c (80×60), classes
 * car and bus, two detector runs (the second is the latest on a and b), ana's
 * work (an accepted prediction and a drawn box on a, a rejection, a done mark;
 * b assigned to her), and bob's boxes on a and c.
 */
async function leadProject() {
  const dir = tempDir('loupe-pkg-');
  const images = path.join(dir, 'images');
  await makeImage(path.join(images, 'a.png'), { w: 100, h: 80 });
  await makeImage(path.join(images, 'b.png'), { w: 60, h: 40 });
  await makeImage(path.join(images, 'sub/c.png'), { w: 80, h: 60 });
  const file = path.join(dir, 'lead.loupe');
  const lead = track(Project.create(file, { annotator: 'lead' }));
  await importFolder(lead, images);
  const id = (rel: string) => lead.db.prepare<[string], number>('SELECT id FROM images WHERE path = ?').pluck().get(rel)!;
  const [a, b, c] = [id('a.png'), id('b.png'), id('sub/c.png')];
  const { car, bus, preds } = lead.db.transaction(() => {
    const car = lead.classes.insert({ name: 'car', color: '#ff0000', hotkey: '1' });
    const bus = lead.classes.insert({ name: 'bus', color: '#00ff00', hotkey: null });
    const det = lead.annotators.ensure('detector', 'model').id;
    const old = lead.models.insertRun(null, det, 'h1', 'det', '{}', at);
    const latest = lead.models.insertRun(null, det, 'h1', 'det', '{"conf":0.1}', at);
    const pred = (run: number, img: number, x: number, score: number) =>
      lead.boxes.insert({ imageId: img, annotatorId: det, modelRunId: run, classId: car, x, y: 5, w: 20, h: 10, score, provenance: 'predicted', sourceBoxId: null });
    pred(old, a, 1, 0.5);
    const preds = [pred(latest, a, 10, 0.9), pred(latest, a, 40, 0.3), pred(latest, b, 2, 0.7)];
    for (const img of [a, b]) for (const run of [old, latest]) lead.models.markImage(run, img, 'done', null, 1, at);
    lead.assignments.set(b, lead.annotators.ensure('ana', 'human').id, 'todo', at);
    return { car, bus, preds };
  })();
  const as = (name: string) => track(Project.open(file, { annotator: name }));
  const ana = as('ana');
  applyEdit(ana, a, { added: [{ classId: car, x: 10, y: 5, w: 20, h: 10, sourceBoxId: preds[0] }, { classId: bus, x: 60, y: 30, w: 15, h: 15 }], updated: [], removed: [], rejected: [preds[1]] });
  setReviewStatus(ana, a, 'done');
  const bob = as('bob');
  applyEdit(bob, a, { added: [{ classId: bus, x: 3.25, y: 4.5, w: 33.75, h: 22 }], updated: [], removed: [] });
  applyEdit(bob, c, { added: [{ classId: car, x: 7, y: 7, w: 7, h: 7 }], updated: [], removed: [] });
  setReviewStatus(bob, c, 'done');
  return { dir, images, file, lead, ana, bob, ids: { a, b, c }, classes: { car, bus }, preds };
}

async function records(file: string) {
  const out = [];
  for await (const f of readFrames(file, await readHeader(file))) out.push(f);
  return out;
}

/** Rewrite a package's header (kept at its size) with a change. */
function editHeader(file: string, change: (h: Record<string, unknown>) => void): void {
  const buf = fs.readFileSync(file);
  const h = JSON.parse(buf.subarray(0, HEADER_BYTES).toString('utf8')) as Record<string, unknown>;
  change(h);
  const head = Buffer.alloc(HEADER_BYTES, 0x20);
  Buffer.from(JSON.stringify(h)).copy(head);
  head[HEADER_BYTES - 1] = 0x0a;
  head.copy(buf);
  fs.writeFileSync(file, buf);
}

const personBoxes = (p: Project, name: string) =>
  p.db
    .prepare(`SELECT b.id, b.image_id, b.class_id, b.x, b.y, b.w, b.h, b.provenance, b.source_box_id FROM boxes b JOIN annotators a ON a.id = b.annotator_id WHERE a.name = ? ORDER BY b.id`)
    .all(name);
const marks = (p: Project, name: string) =>
  p.db.prepare(`SELECT s.image_id, s.status FROM assignments s JOIN annotators a ON a.id = s.annotator_id WHERE a.name = ? ORDER BY s.image_id`).all(name);

describe('work packages', () => {
  it('export, open elsewhere, label there, export back and import: the person\'s work arrives, nobody else\'s changes; twice changes nothing', async () => {
    const f = await leadProject();
    const pkg = path.join(f.dir, 'ana.loupepkg');
    const sum = await exportPackage(f.lead, { annotator: 'ana', out: pkg, withImages: false });
    expect(sum).toMatchObject({ origin: 'project', annotator: 'ana', counts: { classes: 2, images: 2, predictions: 3, boxes: 2, marks: 2, rejections: 1, imageFiles: 0 } });
    expect(sum.counts.edits).toBeGreaterThan(0);

    // Nothing of bob's: not his name, not his boxes, not the image only he worked on.
    const text = fs.readFileSync(pkg, 'utf8');
    expect(text).not.toMatch(/bob/);
    expect(text).not.toMatch(/sub\/c\.png/);
    expect(text).not.toMatch(/33\.75/);
    const recs = await records(pkg);
    const bobIds = new Set(personBoxes(f.lead, 'bob').map((b) => (b as { id: number }).id));
    expect(recs.filter((r) => r.rec.t === 'box' || r.rec.t === 'pred').some((r) => bobIds.has(r.rec.id as number))).toBe(false);
    // Only the latest run's predictions.
    expect(recs.filter((r) => r.rec.t === 'pred').map((r) => r.rec.id)).toEqual(f.preds);
    expect(fs.readdirSync(f.dir).filter((n) => n.endsWith('.partial'))).toEqual([]);

    // Ana opens it on her machine.
    const remote = tempDir('loupe-pkg-remote-');
    const opened = await openPackage({ file: pkg, imagesDir: f.images, project: path.join(remote, 'ana.loupe') }, {});
    expect(opened).toMatchObject({ images: 2, missing: [], annotator: 'ana', written: 0 });
    const b = track(Project.open(opened.project, { annotator: 'ana' }));
    expect(b.classes.list()).toEqual(f.lead.classes.list());
    expect(packageRepo(b).projectId()).toBe(packageRepo(f.lead).projectId());
    expect(personBoxes(b, 'ana')).toEqual(personBoxes(f.lead, 'ana'));
    expect(b.review.rejectedOn(f.ids.a, b.annotator.id)).toEqual(new Set([f.preds[1]]));
    expect(b.annotators.list().map((x) => x.name).sort()).toEqual(['ana', 'detector']);

    // She labels there through the services: a box on b, b done, one box on a moved.
    const moved = b.boxes.forImage(f.ids.a, b.annotator.id).find((x) => x.classId === f.classes.bus)!;
    applyEdit(b, f.ids.b, { added: [{ classId: f.classes.car, x: 1.5, y: 2.5, w: 30, h: 20 }], updated: [], removed: [] });
    applyEdit(b, f.ids.a, { added: [], updated: [[{ id: moved.id, classId: moved.classId, x: moved.x, y: moved.y, w: moved.w, h: moved.h }, { id: moved.id, classId: moved.classId, x: 50, y: 30, w: 15, h: 15 }]], removed: [] });
    setReviewStatus(b, f.ids.b, 'done');

    const back = path.join(remote, 'ana-back.loupepkg');
    expect((await exportPackage(b, { annotator: 'ana', out: back, withImages: false })).origin).toBe('package');
    expect((await readHeader(back)).origin).toBe('package');

    const bobBefore = personBoxes(f.lead, 'bob');
    const predsBefore = f.lead.db.prepare('SELECT * FROM boxes WHERE model_run_id IS NOT NULL ORDER BY id').all();
    const editsBefore = f.lead.db.prepare('SELECT count(*) FROM edits').pluck().get() as number;
    const r = await importPackage(f.lead, back);
    expect(r).toMatchObject({ images: 2, changed: 2, unchanged: 0, unmatched: [], boxesAdded: 3, boxesRemoved: 2 });
    const arrived = personBoxes(f.lead, 'ana') as { image_id: number; class_id: number; x: number; y: number; provenance: string; source_box_id: number | null }[];
    expect(arrived.map((x) => [x.image_id, x.class_id, x.x, x.y, x.provenance, x.source_box_id]).sort()).toEqual(
      [
        [f.ids.a, f.classes.car, 10, 5, 'accepted', f.preds[0]],
        [f.ids.a, f.classes.bus, 50, 30, 'drawn', null],
        [f.ids.b, f.classes.car, 1.5, 2.5, 'drawn', null],
      ].sort(),
    );
    expect(marks(f.lead, 'ana')).toEqual([
      { image_id: f.ids.a, status: 'done' },
      { image_id: f.ids.b, status: 'done' },
    ]);
    expect(f.lead.review.rejectedOn(f.ids.a, f.ana.annotator.id)).toEqual(new Set([f.preds[1]]));
    expect(personBoxes(f.lead, 'bob')).toEqual(bobBefore);
    expect(f.lead.db.prepare('SELECT * FROM boxes WHERE model_run_id IS NOT NULL ORDER BY id').all()).toEqual(predsBefore);
    // Her two edits made remotely are in the trail, once.
    expect(r.edits).toBe(2);
    expect(f.lead.db.prepare('SELECT count(*) FROM edits').pluck().get()).toBe(editsBefore + 2);

    const dump = snapshot(f.lead);
    const again = await importPackage(f.lead, back);
    expect(again).toMatchObject({ changed: 0, unchanged: 2, boxesAdded: 0, edits: 0 });
    expect(snapshot(f.lead)).toBe(dump);
  });

  it('refuses a package from another project, a newer format, a truncated or damaged file and mismatched classes, changing nothing', async () => {
    const f = await leadProject();
    const pkg = path.join(f.dir, 'ana.loupepkg');
    await exportPackage(f.lead, { annotator: 'ana', out: pkg, withImages: false });
    const refused = async (file: string, message: RegExp) => {
      const before = snapshot(f.lead);
      await expect(importPackage(f.lead, file)).rejects.toThrow(message);
      expect(snapshot(f.lead)).toBe(before);
    };
    const copy = (name: string) => {
      const to = path.join(f.dir, name);
      fs.copyFileSync(pkg, to);
      return to;
    };

    const other = await leadProject();
    const foreign = path.join(other.dir, 'foreign.loupepkg');
    await exportPackage(other.lead, { annotator: 'ana', out: foreign, withImages: false });
    await refused(foreign, /work package of another project \("lead", id [0-9a-f-]{36}\)/);

    const newer = copy('newer.loupepkg');
    editHeader(newer, (h) => (h.version = 2));
    await refused(newer, /format version 2, written by a newer Loupe .*reads versions up to 1/);

    const truncated = copy('truncated.loupepkg');
    fs.truncateSync(truncated, fs.statSync(pkg).size - 10);
    await refused(truncated, /is truncated: \d+ bytes, the package says \d+/);
    const headOnly = copy('head.loupepkg');
    fs.truncateSync(headOnly, 100);
    await refused(headOnly, /truncated: it ends inside the package header/);

    const flipped = copy('flipped.loupepkg');
    const buf = fs.readFileSync(flipped);
    buf[HEADER_BYTES + 40] ^= 0x01;
    fs.writeFileSync(flipped, buf);
    await refused(flipped, /is damaged: its checksum does not match/);

    const notPkg = path.join(f.dir, 'not.loupepkg');
    fs.writeFileSync(notPkg, 'hello\n');
    await refused(notPkg, /not a Loupe work package/);
    await refused(path.join(f.dir, 'none.loupepkg'), /Cannot read the package .*ENOENT/);

    f.lead.db.transaction(() => f.lead.classes.update({ ...f.lead.classes.get(f.classes.bus)!, name: 'coach' }))();
    await refused(pkg, /classes do not match this project's: class 2 is "bus" in the package but "coach" here/);
  });

  it('refuses to export for someone who is not a person, or onto a folder', async () => {
    const f = await leadProject();
    await expect(exportPackage(f.lead, { annotator: 'detector', out: path.join(f.dir, 'x.pkg'), withImages: false })).rejects.toThrow(/"detector" is a model author, not a person \(people: lead, ana, bob\)/);
    await expect(exportPackage(f.lead, { annotator: 'zoe', out: path.join(f.dir, 'x.pkg'), withImages: false })).rejects.toThrow(/No person "zoe"/);
    await expect(exportPackage(f.lead, { annotator: 'ana', out: f.images, withImages: false })).rejects.toThrow(/is a folder/);
    await expect(exportPackage(f.lead, { annotator: 'ana', out: path.join(f.dir, 'nope/x.pkg'), withImages: false })).rejects.toThrow(/Folder not found/);
    expect(fs.existsSync(path.join(f.dir, 'x.pkg'))).toBe(false);
  });

  it('lists the images it cannot find when opening, finds moved ones by name and content, and uses the rest', async () => {
    const f = await leadProject();
    const pkg = path.join(f.dir, 'ana.loupepkg');
    await exportPackage(f.lead, { annotator: 'ana', out: pkg, withImages: false });
    const remote = tempDir('loupe-pkg-remote-');
    const imgs = path.join(remote, 'pictures');
    fs.mkdirSync(path.join(imgs, 'moved'), { recursive: true });
    fs.copyFileSync(path.join(f.images, 'a.png'), path.join(imgs, 'moved/a.png'));
    // A different file at b's path is not b.
    await makeImage(path.join(imgs, 'b.png'), { w: 60, h: 40 });
    const s = await openPackage({ file: pkg, imagesDir: imgs, project: path.join(remote, 'ana.loupe') }, {});
    expect(s.images).toBe(1);
    expect(s.missing).toEqual([{ path: 'b.png', reason: `${path.join(imgs, 'b.png')} has other content (content hash differs)` }]);
    const b = track(Project.open(s.project, { annotator: 'ana' }));
    expect(b.images.get(f.ids.a)!.path).toBe('moved/a.png');
    expect(b.images.get(f.ids.b)).toBeUndefined();
    expect(personBoxes(b, 'ana').length).toBe(2);

    const none = await openPackage({ file: pkg, imagesDir: path.join(remote, 'moved-away'), project: path.join(remote, 'x.loupe') }, {}).catch((e: Error) => e);
    expect(String(none)).toMatch(/Image folder not found: .*moved-away \(this package holds no images/);
    await expect(openPackage({ file: pkg, imagesDir: imgs, project: s.project }, {})).rejects.toThrow(/A file already exists at/);
  });

  it('carries the image files with withImages, written into an empty folder and checked', async () => {
    const f = await leadProject();
    const pkg = path.join(f.dir, 'ana-images.loupepkg');
    const sum = await exportPackage(f.lead, { annotator: 'ana', out: pkg, withImages: true });
    expect(sum.counts.imageFiles).toBe(2);
    const remote = tempDir('loupe-pkg-remote-');
    const imgs = path.join(remote, 'new-folder');
    const s = await openPackage({ file: pkg, imagesDir: imgs, project: path.join(remote, 'ana.loupe') }, {});
    expect(s).toMatchObject({ images: 2, written: 2, missing: [] });
    for (const rel of ['a.png', 'b.png']) expect(fs.readFileSync(path.join(imgs, rel))).toEqual(fs.readFileSync(path.join(f.images, rel)));
    expect(fs.existsSync(path.join(imgs, 'sub'))).toBe(false);

    // Exported back and imported unchanged: nothing changes in the lead's project.
    const b = track(Project.open(s.project, { annotator: 'ana' }));
    const back = path.join(remote, 'back.loupepkg');
    await exportPackage(b, { annotator: 'ana', out: back, withImages: true });
    const dump = snapshot(f.lead);
    expect(await importPackage(f.lead, back)).toMatchObject({ changed: 0, unchanged: 2 });
    expect(snapshot(f.lead)).toBe(dump);
  });

  it('leaves no project behind when opening a damaged package, and nothing at the name of a cancelled export', async () => {
    const f = await leadProject();
    const pkg = path.join(f.dir, 'ana.loupepkg');
    await exportPackage(f.lead, { annotator: 'ana', out: pkg, withImages: true });
    const buf = fs.readFileSync(pkg);
    buf[buf.length - 5] ^= 0xff;
    fs.writeFileSync(pkg, buf);
    const remote = tempDir('loupe-pkg-remote-');
    await expect(openPackage({ file: pkg, imagesDir: path.join(remote, 'imgs'), project: path.join(remote, 'ana.loupe') }, {})).rejects.toThrow(/checksum/);
    expect(fs.readdirSync(remote)).toEqual([]);

    const out = path.join(f.dir, 'cancelled.loupepkg');
    let n = 0;
    const ctx = {
      progress: () => undefined,
      checkCancelled: () => {
        if (++n > 1) throw new Error('cancelled');
      },
    };
    await expect(exportPackage(f.lead, { annotator: 'ana', out, withImages: true }, ctx)).rejects.toThrow('cancelled');
    expect(fs.readdirSync(f.dir).filter((x) => x.includes('cancelled'))).toEqual([]);
  });
});
