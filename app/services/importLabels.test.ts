import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFolder } from '../io/importFolder.ts';
import type { Project } from '../store/Project.ts';
import { makeImage, newProject, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import { importLabels, importPredictions, ImportProblemsError, type ImportLabelsSummary } from './importLabels.ts';

type Row = { path: string; cls: string; x: number; y: number; w: number; h: number; author: string; kind: string; provenance: string; score: number | null };

/** Every box with its image path, class name and author, in a stable order. */
function boxesOf(p: Project): Row[] {
  return p.db
    .prepare(
      `SELECT i.path, c.name AS cls, b.x, b.y, b.w, b.h, a.name AS author, a.kind, b.provenance, b.score FROM boxes b
       JOIN images i ON i.id = b.image_id JOIN classes c ON c.id = b.class_id JOIN annotators a ON a.id = b.annotator_id
       ORDER BY i.path, b.x, b.y`,
    )
    .all() as Row[];
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

async function refused(p: Promise<unknown>): Promise<ImportProblemsError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportProblemsError);
  return err as ImportProblemsError;
}

const BAD = path.resolve(import.meta.dirname, '../../test/bad-inputs/import');

/** A YOLO dataset: non-square and nested images, an empty label file, an image without one, edge-touching boxes, an unused class, an orphan label. */
async function yoloDataset(): Promise<string> {
  const d = tempDir();
  write(path.join(d, 'data.yaml'), `path: ${d}\ntrain: images/train\nval: images/val\nnames:\n  0: car\n  1: person\n  2: unused\n`);
  await makeImage(path.join(d, 'images/train/a.png'), { w: 200, h: 100 });
  await makeImage(path.join(d, 'images/train/sub/b.jpg'), { w: 30, h: 45, format: 'jpeg' });
  await makeImage(path.join(d, 'images/val/c.png'), { w: 64, h: 64 });
  await makeImage(path.join(d, 'images/val/d.png'), { w: 10, h: 20 });
  write(path.join(d, 'labels/train/a.txt'), '0 0.5 0.5 1 1\n1 0.125 0.25 0.05 0.1\n\n');
  write(path.join(d, 'labels/train/sub/b.txt'), '1 0.1 0.9 0.2 0.2\r\n0 1 1 0.4 0.6\r\n');
  write(path.join(d, 'labels/val/c.txt'), '');
  write(path.join(d, 'labels/val/orphan.txt'), '0 0.5 0.5 0.1 0.1\n');
  return d;
}

describe('importLabels: YOLO', () => {
  it('stores every box in original pixels as the annotator’s, adds the images and creates the missing classes', async () => {
    const d = await yoloDataset();
    const p = newProject({ annotator: 'me' });
    const person = p.classes.insert({ name: 'person', color: '#ffffff', hotkey: null });
    const s = await importLabels(p, { path: d, format: 'yolo', annotator: 'alice', createClasses: true, dryRun: false });
    expect(s).toMatchObject({ imagesMatched: 0, imagesAdded: 4, boxes: 4, newClasses: ['car', 'unused'], problemCount: 0, clamped: 1, replaced: 0 });
    expect(s.missingImages).toEqual([`${path.join(d, 'labels/val/orphan.txt')}: no image for this label file`]);
    expect(p.classes.byName('person')!.id).toBe(person);
    expect(p.classes.list().map((c) => c.name)).toEqual(['person', 'car', 'unused']);
    const rows = boxesOf(p);
    const near = (r: Row, x: number, y: number, w: number, h: number, W: number, H: number) => {
      for (const [got, want, size] of [[r.x, x, W], [r.y, y, H], [r.w, w, W], [r.h, h, H]]) expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9 * size);
    };
    expect(rows.map((r) => [r.path, r.cls, r.author, r.kind, r.provenance, r.score])).toEqual([
      ['images/train/a.png', 'car', 'alice', 'human', 'imported', null],
      ['images/train/a.png', 'person', 'alice', 'human', 'imported', null],
      ['images/train/sub/b.jpg', 'person', 'alice', 'human', 'imported', null],
      ['images/train/sub/b.jpg', 'car', 'alice', 'human', 'imported', null],
    ]);
    near(rows[0], 0, 0, 200, 100, 200, 100);
    near(rows[1], 20, 20, 10, 10, 200, 100);
    near(rows[2], 0, 36, 6, 9, 30, 45);
    // Centre on the corner: the half outside the image is clamped away.
    near(rows[3], 24, 31.5, 6, 13.5, 30, 45);
    expect(p.images.count()).toBe(4);
    const done = p.db.prepare(`SELECT i.path, s.status FROM assignments s JOIN images i ON i.id = s.image_id ORDER BY i.path`).all();
    expect(done).toEqual(['images/train/a.png', 'images/train/sub/b.jpg', 'images/val/c.png', 'images/val/d.png'].map((path) => ({ path, status: 'done' })));

    // The same dataset again replaces the import instead of doubling it; a dry run says so first and writes nothing.
    const before = boxesOf(p);
    const dry = await importLabels(p, { path: path.join(d, 'data.yaml'), format: 'yolo', annotator: 'alice', createClasses: false, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, imagesMatched: 4, boxes: 4, replaced: 4 });
    expect(boxesOf(p)).toEqual(before);
    const again = await importLabels(p, { path: path.join(d, 'data.yaml'), format: 'yolo', annotator: 'alice', createClasses: false, dryRun: false });
    expect(again).toMatchObject({ imagesMatched: 4, imagesAdded: 0, boxes: 4, replaced: 4, newClasses: [] });
    expect(boxesOf(p)).toEqual(rows);
  });

  it('without createClasses refuses new classes by name and writes nothing; a dry run reports them', async () => {
    const d = await yoloDataset();
    const p = newProject();
    const before = snapshot(p);
    await expect(importLabels(p, { path: d, format: 'yolo', annotator: 'alice', createClasses: false, dryRun: false })).rejects.toThrow(
      /3 classes the project does not: car, person, unused/,
    );
    const dry = await importLabels(p, { path: d, format: 'yolo', annotator: 'alice', createClasses: false, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, imagesAdded: 4, boxes: 4, newClasses: ['car', 'person', 'unused'], problemCount: 0 });
    expect(snapshot(p)).toBe(before);
  });

  it('reads a classes.txt dataset with labels beside the images', async () => {
    const d = tempDir();
    write(path.join(d, 'classes.txt'), 'crack\ndent\n');
    await makeImage(path.join(d, 'x.png'), { w: 50, h: 40 });
    write(path.join(d, 'x.txt'), '1 0.5 0.5 0.2 0.5\n');
    const p = newProject();
    const s = await importLabels(p, { path: path.join(d, 'classes.txt'), format: 'yolo', annotator: 'bob', createClasses: true, dryRun: false });
    expect(s).toMatchObject({ imagesAdded: 1, boxes: 1, newClasses: ['crack', 'dent'], missingImages: [] });
    expect(boxesOf(p)).toMatchObject([{ path: 'x.png', cls: 'dent', x: 20, y: 10, w: 10, h: 20 }]);
  });

  it('reports every malformed line with file, line and reason, and writes nothing', async () => {
    const d = tempDir();
    fs.cpSync(path.join(BAD, 'yolo-bad-lines'), d, { recursive: true });
    await makeImage(path.join(d, 'images/train/bad.png'), { w: 200, h: 100 });
    const p = newProject();
    const before = snapshot(p);
    const err = await refused(importLabels(p, { path: d, format: 'yolo', annotator: 'a', createClasses: true, dryRun: false }));
    const file = path.join(d, 'labels/train/bad.txt');
    expect(err.code).toBe('bad_request');
    expect(err.result.problems).toEqual([
      { file, line: 2, reason: 'expected 5 values (class cx cy w h), found 4' },
      { file, line: 3, reason: "class 'x' is not a whole number" },
      { file, line: 4, reason: 'class 2 is out of range: there are 2 classes (0..1)' },
      { file, line: 5, reason: "cy 'abc' is not a number" },
      { file, line: 6, reason: 'cx 1.0000001 is outside [0, 1]' },
      { file, line: 7, reason: 'w -0.1 is outside [0, 1]' },
      { file, line: 9, reason: 'w is 0: a box needs a width' },
      { file, line: 10, reason: 'expected 5 values (class cx cy w h), found 9 (a polygon? only boxes are imported)' },
      { file, line: 11, reason: "cx '0x1' is not a number" },
    ]);
    expect(err.result.problemCount).toBe(9);
    expect(err.message).toContain(`9 problems in the input, nothing was imported: ${file}:2: expected 5 values`);
    expect(err.message).toContain('… and 4 more');
    expect(snapshot(p)).toBe(before);
  });

  it('reports a bad data.yaml with its line', async () => {
    const p = newProject();
    const err = await refused(importLabels(p, { path: path.join(BAD, 'yolo-bad-yaml'), format: 'yolo', annotator: 'a', createClasses: true, dryRun: false }));
    expect(err.result.problems).toEqual([{ file: path.join(BAD, 'yolo-bad-yaml/data.yaml'), line: 3, reason: "'nc' is 3 but 'names' has 2 classes" }]);
  });

  it('refuses a data.yaml that is not valid YAML with its line and column, creating no class', async () => {
    const p = newProject();
    const before = snapshot(p);
    const err = await refused(importLabels(p, { path: path.join(BAD, 'yolo-invalid-yaml'), format: 'yolo', annotator: 'a', createClasses: true, dryRun: false }));
    expect(err.result.problems).toHaveLength(1);
    expect(err.result.problems[0]).toMatchObject({ file: path.join(BAD, 'yolo-invalid-yaml/data.yaml'), line: 3 });
    expect(err.result.problems[0].reason).toMatch(/^YAML syntax error at line 3, column 30: /);
    expect(snapshot(p)).toBe(before);
  });

  it('refuses a folder with no class names, a missing path, and a model’s name as annotator', async () => {
    const p = newProject();
    await expect(importLabels(p, { path: tempDir(), format: 'yolo', annotator: 'a', createClasses: true, dryRun: false })).rejects.toThrow(/no data.yaml/);
    await expect(importLabels(p, { path: '/nonexistent/x', format: 'coco', annotator: 'a', createClasses: true, dryRun: false })).rejects.toMatchObject({ code: 'not_found' });
    p.db.transaction(() => p.annotators.ensure('detector', 'model'))();
    const d = await yoloDataset();
    await expect(importLabels(p, { path: d, format: 'yolo', annotator: 'detector', createClasses: true, dryRun: false })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('never replaces boxes a person drew in Loupe', async () => {
    const d = await yoloDataset();
    const p = newProject({ annotator: 'alice' });
    await importLabels(p, { path: d, format: 'yolo', annotator: 'alice', createClasses: true, dryRun: false });
    const img = p.db.prepare(`SELECT id FROM images WHERE path = 'images/val/c.png'`).get() as { id: number };
    p.db.transaction(() => p.boxes.insert({ imageId: img.id, annotatorId: p.annotator.id, modelRunId: null, classId: 1, x: 1, y: 1, w: 5, h: 5, score: null, provenance: 'drawn', sourceBoxId: null }))();
    const before = snapshot(p);
    const err = await refused(importLabels(p, { path: d, format: 'yolo', annotator: 'alice', createClasses: true, dryRun: false }));
    expect(err.result.problems[0].reason).toMatch(/alice already has 1 box made in Loupe on images\/val\/c.png/);
    expect(snapshot(p)).toBe(before);
  });

  it('a cancelled import writes nothing', async () => {
    const d = await yoloDataset();
    const p = newProject();
    const before = snapshot(p);
    const ctl = new AbortController();
    ctl.abort();
    await expect(importLabels(p, { path: d, format: 'yolo', annotator: 'a', createClasses: true, dryRun: false }, { signal: ctl.signal, progress: () => {} })).rejects.toMatchObject({ code: 'cancelled' });
    expect(snapshot(p)).toBe(before);
  });
});

describe('importLabels: COCO', () => {
  it('keeps bboxes exactly, finds images beside the JSON or in images/, reuses project images by content and lists missing ones', async () => {
    const d = tempDir();
    const known = await makeImage(path.join(d, 'shots/k.png'), { w: 120, h: 80 });
    const p = newProject();
    await importFolder(p, path.join(d, 'shots'));
    const ds = path.join(d, 'ds');
    fs.mkdirSync(path.join(ds, 'images/nested'), { recursive: true });
    fs.writeFileSync(path.join(ds, 'images/nested/copy.png'), known);
    await makeImage(path.join(ds, 'images/wide.png'), { w: 300, h: 70 });
    await makeImage(path.join(ds, 'side.png'), { w: 33, h: 77 });
    const coco = {
      images: [
        { id: 1, file_name: 'nested/copy.png', width: 120, height: 80 },
        { id: 2, file_name: 'wide.png', width: 300, height: 70 },
        { id: 3, file_name: 'side.png', width: 33, height: 77 },
        { id: 4, file_name: 'gone.png', width: 10, height: 10 },
      ],
      annotations: [
        { id: 10, image_id: 1, category_id: 5, bbox: [0.1, 0.2, 119.9, 79.8], area: 1, iscrowd: 0 },
        { id: 11, image_id: 2, category_id: 7, bbox: [12.345678901234, 0, 287.654321098766, 70] },
        { id: 12, image_id: 4, category_id: 7, bbox: [1, 1, 2, 2] },
      ],
      categories: [
        { id: 5, name: 'car' },
        { id: 7, name: 'truck' },
        { id: 9, name: 'never used' },
      ],
    };
    write(path.join(ds, 'annotations.json'), JSON.stringify(coco));
    const s = await importLabels(p, { path: ds, format: 'coco', annotator: 'carol', createClasses: true, dryRun: false });
    expect(s).toMatchObject({ imagesMatched: 1, imagesAdded: 2, boxes: 2, newClasses: ['car', 'truck', 'never used'] });
    expect(s.missingImages).toEqual([`${path.join(ds, 'annotations.json')} images[3] (id 4): gone.png not found`]);
    expect(boxesOf(p).map(({ path, cls, x, y, w, h }) => ({ path, cls, x, y, w, h }))).toEqual([
      { path: 'k.png', cls: 'car', x: 0.1, y: 0.2, w: 119.9, h: 79.8 },
      { path: 'wide.png', cls: 'truck', x: 12.345678901234, y: 0, w: 287.654321098766, h: 70 },
    ]);
    expect(p.images.count()).toBe(3);
  });

  it('reports every malformed record with its index and id, and writes nothing', async () => {
    const d = tempDir();
    fs.copyFileSync(path.join(BAD, 'coco-bad-records.json'), path.join(d, 'coco.json'));
    await makeImage(path.join(d, 'a.png'), { w: 200, h: 100 });
    const p = newProject();
    const before = snapshot(p);
    const err = await refused(importLabels(p, { path: path.join(d, 'coco.json'), format: 'coco', annotator: 'a', createClasses: true, dryRun: false }));
    const file = path.join(d, 'coco.json');
    expect(err.result.problems).toEqual([
      { file, record: 'categories[1] (id 1)', reason: 'duplicate category id 1' },
      { file, record: 'categories[2] (id 2)', reason: "duplicate category name 'scratch'" },
      { file, record: 'categories[3] (id 3)', reason: "missing field 'name'" },
      { file, record: 'images[1] (id 1)', reason: 'duplicate image id 1' },
      { file, record: 'images[2] (id 2)', reason: 'size 0×100 is not positive' },
      { file, record: 'images[3] (id 3)', reason: "missing field 'file_name'" },
      { file, record: 'annotations[1] (id 1)', reason: 'duplicate annotation id 1' },
      { file, record: 'annotations[2] (id 2)', reason: 'unknown image_id 9' },
      { file, record: 'annotations[3] (id 3)', reason: 'unknown category_id 7' },
      { file, record: 'annotations[4] (id 4)', reason: 'bbox must be 4 numbers [x, y, w, h], found [10,10,20]' },
      { file, record: 'annotations[5] (id 5)', reason: 'bbox size -5×20 is not positive' },
      { file, record: 'annotations[6] (id 6)', reason: 'bbox must be 4 numbers [x, y, w, h], found [10,"10",5,20]' },
      { file, record: 'annotations[7] (id 7)', reason: "missing field 'bbox'" },
      { file, record: 'annotations[8] (id 8)', reason: 'box lies outside the 200×100 image' },
    ]);
    expect(snapshot(p)).toBe(before);
  });

  it('reports text that is not JSON with the line where it breaks', async () => {
    const p = newProject();
    const err = await refused(importLabels(p, { path: path.join(BAD, 'coco-not-json.json'), format: 'coco', annotator: 'a', createClasses: true, dryRun: false }));
    expect(err.result.problems).toEqual([{ file: path.join(BAD, 'coco-not-json.json'), line: 4, reason: expect.stringMatching(/^not JSON \(line 4, column 3: found "\]/) }]);
  });

  it('refuses an image whose size disagrees with the JSON', async () => {
    const d = tempDir();
    await makeImage(path.join(d, 'a.png'), { w: 20, h: 10 });
    write(path.join(d, 'c.json'), JSON.stringify({ images: [{ id: 1, file_name: 'a.png', width: 10, height: 20 }], annotations: [], categories: [] }));
    const err = await refused(importLabels(newProject(), { path: path.join(d, 'c.json'), format: 'coco', annotator: 'a', createClasses: true, dryRun: false }));
    expect(err.result.problems[0].reason).toBe('says the image is 10×20, but a.png is 20×10');
  });
});

describe('importPredictions', () => {
  async function projectWithImages(): Promise<{ p: Project; ids: Record<string, number>; dir: string }> {
    const dir = tempDir();
    await makeImage(path.join(dir, 'imgs/cam1/f1.png'), { w: 100, h: 50 });
    await makeImage(path.join(dir, 'imgs/cam2/f2.png'), { w: 40, h: 40 });
    const p = newProject({ annotator: 'yolo' });
    await importFolder(p, path.join(dir, 'imgs'));
    const ids = Object.fromEntries(p.images.page(0, 10).map((r) => [r.path, r.id]));
    p.classes.insert({ name: 'car', color: '#000000', hotkey: null });
    return { p, ids, dir };
  }

  function runOf(p: Project) {
    return p.db.prepare('SELECT r.model_id AS modelId, r.name, r.model_hash AS hash, r.parameters, a.name AS author, a.kind FROM model_runs r JOIN annotators a ON a.id = r.annotator_id').all();
  }

  it('stores COCO results by file name as an imported run, never under the person of the same name', async () => {
    const { p, ids, dir } = await projectWithImages();
    const file = path.join(dir, 'preds.json');
    write(file, JSON.stringify([
      { image_id: 7, file_name: 'cam1/f1.png', category_id: 1, bbox: [1.5, 2.5, 10.25, 20.125], score: 0.875 },
      { image_id: 8, file_name: 'f2.png', category_id: 3, category_name: 'bus', bbox: [0, 0, 40, 40], score: 0.25 },
    ]));
    const s = await importPredictions(p, { path: file, format: 'coco-results', model: 'yolo', createClasses: true, dryRun: false });
    expect(s).toMatchObject({ imagesMatched: 2, boxes: 2, newClasses: ['bus'] });
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    expect(runOf(p)).toEqual([{ modelId: null, name: 'yolo', hash: `imported:${sha}`, parameters: '{}', author: 'yolo (model)', kind: 'model' }]);
    expect(boxesOf(p).map(({ path, cls, x, y, w, h, provenance, score }) => ({ path, cls, x, y, w, h, provenance, score }))).toEqual([
      { path: 'cam1/f1.png', cls: 'car', x: 1.5, y: 2.5, w: 10.25, h: 20.125, provenance: 'predicted', score: 0.875 },
      { path: 'cam2/f2.png', cls: 'bus', x: 0, y: 0, w: 40, h: 40, provenance: 'predicted', score: 0.25 },
    ]);
    expect(p.models.runStats(s.runId!)).toEqual({ done: 2, failed: 0, boxes: 2 });
    expect(p.models.doneImages(s.runId!)).toEqual(new Set([ids['cam1/f1.png'], ids['cam2/f2.png']]));
    // Importing the same file again reuses the run and replaces its boxes (a dry run counts them too).
    expect(await importPredictions(p, { path: file, format: 'coco-results', model: 'yolo', createClasses: false, dryRun: true })).toMatchObject({ replaced: 2, boxes: 2 });
    const again = await importPredictions(p, { path: file, format: 'coco-results', model: 'yolo', createClasses: false, dryRun: false });
    expect(again).toMatchObject({ runId: s.runId, replaced: 2, boxes: 2 });
    expect(boxesOf(p)).toHaveLength(2);
  });

  it('resolves image ids through an instances file, or as Loupe ids', async () => {
    const { p, ids, dir } = await projectWithImages();
    write(path.join(dir, 'inst.json'), JSON.stringify({ images: [{ id: 1, file_name: 'cam2/f2.png' }], categories: [{ id: 1, name: 'car' }] }));
    write(path.join(dir, 'r1.json'), JSON.stringify([{ image_id: 1, category_id: 1, bbox: [1, 1, 2, 2], score: 0.5 }]));
    const a = await importPredictions(p, { path: path.join(dir, 'r1.json'), format: 'coco-results', model: 'm1', imagesJson: path.join(dir, 'inst.json'), createClasses: false, dryRun: false });
    expect(a).toMatchObject({ imagesMatched: 1, boxes: 1 });
    const car = p.classes.byName('car')!.id;
    write(path.join(dir, 'r2.json'), JSON.stringify([{ image_id: ids['cam1/f1.png'], category_id: car, bbox: [1, 1, 2, 2], score: 0.5 }]));
    const b = await importPredictions(p, { path: path.join(dir, 'r2.json'), format: 'coco-results', model: 'm2', createClasses: false, dryRun: false });
    expect(b).toMatchObject({ imagesMatched: 1, boxes: 1 });
    expect(boxesOf(p).map((r) => [r.path, r.author])).toEqual([
      ['cam1/f1.png', 'm2'],
      ['cam2/f2.png', 'm1'],
    ]);
  });

  it('reads Ultralytics txt predictions with their confidences, matching images by file stem', async () => {
    const { p, dir } = await projectWithImages();
    const labels = path.join(dir, 'runs/detect/predict/labels');
    write(path.join(dir, 'runs/detect/predict/classes.txt'), 'car\n');
    write(path.join(labels, 'f1.txt'), '0 0.5 0.5 0.5 0.5 0.75\n');
    write(path.join(labels, 'nothere.txt'), '0 0.5 0.5 0.5 0.5 0.75\n');
    const s = await importPredictions(p, { path: labels, format: 'ultralytics-txt', model: 'u', createClasses: false, dryRun: false });
    expect(s).toMatchObject({ imagesMatched: 1, boxes: 1, missingImages: [`${path.join(labels, 'nothere.txt')}: nothere not found`] });
    expect(boxesOf(p)).toMatchObject([{ path: 'cam1/f1.png', cls: 'car', x: 25, y: 12.5, w: 50, h: 25, score: 0.75, provenance: 'predicted' }]);
  });

  it('reports malformed results and txt lines, writing nothing', async () => {
    const { p, ids } = await projectWithImages();
    const before = snapshot(p);
    expect(ids['cam1/f1.png']).toBe(1);
    const file = path.join(BAD, 'results-bad.json');
    const err = await refused(importPredictions(p, { path: file, format: 'coco-results', model: 'm', createClasses: false, dryRun: false }));
    expect(err.result.problems).toEqual([
      { file, record: 'entry [1]', reason: "missing field 'score'" },
      { file, record: 'entry [2]', reason: 'score 1.5 is not a number from 0 to 1' },
      { file, record: 'entry [3]', reason: 'bbox size 0×20 is not positive' },
      { file, record: 'entry [4]', reason: 'unknown category_id 99 (no category_name, no --images-json, and no project class has this id)' },
      { file, record: 'entry [6]', reason: 'not an object' },
    ]);
    expect(err.result.missingImages).toEqual([`${file} entry [5]: no image 999 in the project`]);
    const txt = path.join(BAD, 'ultralytics-bad/labels/bad.txt');
    const err2 = await refused(importPredictions(p, { path: path.join(BAD, 'ultralytics-bad/labels'), format: 'ultralytics-txt', model: 'm', createClasses: true, dryRun: false }));
    expect(err2.result.problems).toEqual([
      { file: txt, line: 2, reason: 'expected 6 values (class cx cy w h conf), found 5' },
      { file: txt, line: 3, reason: 'conf 1.2 is outside [0, 1]' },
    ]);
    expect(snapshot(p)).toBe(before);
  });
});

describe('import jobs through the contract', () => {
  it('fails the job with a readable error and keeps every problem in its result', async () => {
    const { newSession } = await import('../../test/unit/fixtures.ts');
    const { createDispatcher } = await import('../hosts/dispatcher.ts');
    const d = tempDir();
    fs.cpSync(path.join(BAD, 'yolo-bad-lines'), d, { recursive: true });
    await makeImage(path.join(d, 'images/train/bad.png'), { w: 200, h: 100 });
    const session = newSession();
    const dispatch = createDispatcher(session);
    await dispatch('project:create', { file: path.join(tempDir(), 'j.loupe') });
    const reply = await dispatch('labels:import', { path: d, format: 'yolo', annotator: 'a', createClasses: true });
    expect(reply.ok).toBe(true);
    const job = await session.jobs.wait((reply as { value: { id: string } }).value.id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/^9 problems in the input, nothing was imported: .*bad\.txt:2: expected 5 values/);
    expect((job.result as ImportLabelsSummary).problems).toHaveLength(9);
  });
});

describe('matching label images to project images', () => {
  it('takes an image the project has at the same root and path without reading the file again', async () => {
    const d = tempDir();
    await makeImage(path.join(d, 'a.png'), { w: 40, h: 30 });
    const p = newProject();
    await importFolder(p, d);
    // No longer an image at all: reading or probing it would fail.
    fs.writeFileSync(path.join(d, 'a.png'), 'not an image');
    write(path.join(d, 'coco.json'), JSON.stringify({ images: [{ id: 1, file_name: 'a.png', width: 40, height: 30 }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 2, 3, 4] }], categories: [{ id: 1, name: 'x' }] }));
    const s = await importLabels(p, { path: path.join(d, 'coco.json'), format: 'coco', annotator: 'a', createClasses: true, dryRun: false });
    expect(s).toMatchObject({ imagesMatched: 1, imagesAdded: 0, boxes: 1, problemCount: 0 });
  });

  it('prefers the exact path, then a longer stored path, then the longest stored path the name ends with; several at one level is a problem', async () => {
    const p = newProject();
    p.db.transaction(() => {
      const rootId = p.images.ensureRoot('/x');
      for (const name of ['a.jpg', 'k/a.jpg', 'm/b.jpg', 'n/b.jpg', 'c.jpg', 's/c.jpg', 'v/d.jpg']) {
        p.images.insert({ rootId, path: name, width: 10, height: 10, orientation: 1, format: 'jpeg', bytes: 0, contentHash: null, metadata: '{}', ingestError: null }, 'now');
      }
    })();
    const d = tempDir();
    const names = ['a.jpg', 'b.jpg', 'train/s/c.jpg', 'train/v/d.jpg', 'w/d.jpg'];
    write(path.join(d, 'c.json'), JSON.stringify({ images: names.map((file_name, i) => ({ id: i + 1, file_name, width: 10, height: 10 })), annotations: [], categories: [] }));
    const s = await importLabels(p, { path: path.join(d, 'c.json'), format: 'coco', annotator: 'a', createClasses: true, dryRun: true });
    expect(s.problems).toEqual([{ file: `${path.join(d, 'c.json')} images[1] (id 2)`, reason: 'b.jpg matches 2 project images (m/b.jpg, n/b.jpg)' }]);
    expect(s.imagesMatched).toBe(3);
    expect(s.missingImages).toEqual([`${path.join(d, 'c.json')} images[4] (id 5): w/d.jpg not found`]);
  });

  it('tells apart images that share a file name by the folders in front of it', async () => {
    const p = newProject();
    p.db.transaction(() => {
      const rootId = p.images.ensureRoot('/x');
      for (let i = 0; i < 50; i++) p.images.insert({ rootId, path: `u${i}/image.jpg`, width: 10 + i, height: 10, orientation: 1, format: 'jpeg', bytes: 0, contentHash: null, metadata: '{}', ingestError: null }, 'now');
    })();
    const d = tempDir();
    const images = [7, 31, 49].map((i, k) => ({ id: k + 1, file_name: `val/u${i}/image.jpg`, width: 10 + i, height: 10 }));
    images.push({ id: 9, file_name: 'image.jpg', width: 10, height: 10 });
    write(path.join(d, 'c.json'), JSON.stringify({ images, annotations: [1, 2, 3].map((id) => ({ id, image_id: id, category_id: 1, bbox: [0, 0, 5, 5] })), categories: [{ id: 1, name: 'x' }] }));
    const s = await importLabels(p, { path: path.join(d, 'c.json'), format: 'coco', annotator: 'a', createClasses: true, dryRun: true });
    expect(s.problems).toEqual([{ file: `${path.join(d, 'c.json')} images[3] (id 9)`, reason: 'image.jpg matches 50 project images (u0/image.jpg, u1/image.jpg, u2/image.jpg, …)' }]);
    expect(s).toMatchObject({ imagesMatched: 3, boxes: 3 });
  });

  it('a label file without its image counts, problems and all, only when the project has that image', async () => {
    const d = tempDir();
    write(path.join(d, 'data.yaml'), 'train: images/train\nnames: [car]\n');
    write(path.join(d, 'labels/train/x/known.txt'), '0 0.5 0.5 0.5 0.5\n');
    write(path.join(d, 'labels/train/unknown.txt'), 'not a label line\n');
    write(path.join(d, 'labels/train/twice.txt'), '0 0.5 0.5 0.5 0.5\n');
    const p = newProject();
    p.db.transaction(() => {
      const rootId = p.images.ensureRoot('/x');
      for (const name of ['x/known.jpg', 'a/twice.jpg', 'b/twice.png']) {
        p.images.insert({ rootId, path: name, width: 100, height: 50, orientation: 1, format: 'jpeg', bytes: 0, contentHash: null, metadata: '{}', ingestError: null }, 'now');
      }
    })();
    const s = await importLabels(p, { path: d, format: 'yolo', annotator: 'a', createClasses: true, dryRun: false });
    expect(s).toMatchObject({ imagesMatched: 1, boxes: 1, problemCount: 0 });
    expect(s.missingImages).toEqual([
      `${path.join(d, 'labels/train/twice.txt')}: twice matches 2 project images (a/twice.jpg, b/twice.png); its labels are skipped`,
      `${path.join(d, 'labels/train/unknown.txt')}: no image for this label file`,
    ]);
    expect(boxesOf(p)).toMatchObject([{ path: 'x/known.jpg', x: 25, y: 12.5, w: 50, h: 25 }]);

    write(path.join(d, 'labels/train/x/known.txt'), '0 0.5 0.5 0.5\n');
    const before = snapshot(p);
    const err = await refused(importLabels(p, { path: d, format: 'yolo', annotator: 'a', createClasses: true, dryRun: false }));
    expect(err.result.problems).toEqual([{ file: path.join(d, 'labels/train/x/known.txt'), line: 1, reason: 'expected 5 values (class cx cy w h), found 4' }]);
    expect(snapshot(p)).toBe(before);
  });
});

describe('the imported run’s name', () => {
  it('is the sha256 of the input files in sorted order, whichever of results and instances file sorts first', async () => {
    const { createHash } = await import('node:crypto');
    const p = newProject();
    p.db.transaction(() => {
      const rootId = p.images.ensureRoot('/x');
      p.images.insert({ rootId, path: 'a.jpg', width: 10, height: 10, orientation: 1, format: 'jpeg', bytes: 0, contentHash: null, metadata: '{}', ingestError: null }, 'now');
    })();
    const d = tempDir();
    const inst = JSON.stringify({ images: [{ id: 4, file_name: 'a.jpg' }], categories: [{ id: 1, name: 'car' }] });
    const res = JSON.stringify([{ image_id: 4, category_id: 1, bbox: [1, 1, 2, 2], score: 0.5 }]);
    for (const [resName, instName] of [['a-results.json', 'z-instances.json'], ['z-results.json', 'a-instances.json']]) {
      write(path.join(d, resName), res);
      write(path.join(d, instName), inst);
      const s = await importPredictions(p, { path: path.join(d, resName), format: 'coco-results', model: `m-${resName}`, imagesJson: path.join(d, instName), createClasses: true, dryRun: false });
      const [first, second] = [resName, instName].sort().map((n) => (n === resName ? res : inst));
      const want = createHash('sha256').update(first).update(second).digest('hex');
      expect(p.models.run(s.runId!)!.modelHash).toBe(`imported:${want}`);
    }
  });
});
