import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildExportFixture } from '../../test/fixtures/export/project.ts';
import { tempDir, track } from '../../test/unit/fixtures.ts';
import { prepareExport, runExport, type ExportOptions, type ExportSummary } from './export.ts';
import type { Project } from '../store/Project.ts';
import { ExportSummary as ContractExportSummary } from '../contract/jobResults.ts';

const GOLDEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/export');
/** Set LOUPE_UPDATE_GOLDEN=1 to rewrite the golden files after a deliberate format change (then review the diff). */
const UPDATE = process.env.LOUPE_UPDATE_GOLDEN === '1';

/** Every file under a folder, relative path → text (images: their size in bytes). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const f = path.join(d, e.name);
      const rel = path.relative(dir, f).split(path.sep).join('/');
      if (e.isDirectory()) walk(f);
      else out[rel] = /\.(png|jpg)$/.test(e.name) ? `<image ${fs.statSync(f).size} bytes>` : fs.readFileSync(f, 'utf8');
    }
  };
  walk(dir);
  return out;
}

async function exportNow(p: Project, o: ExportOptions): Promise<ExportSummary> {
  return runExport(p, prepareExport(p, o));
}

/** One class's boxes in a split's summary. */
function boxesOf(st: ExportSummary['splits'][keyof ExportSummary['splits']], name: string): number {
  const c = st!.boxesByClass.find((x) => x.name === name);
  if (!c) throw new Error(`no class ${name} in the summary`);
  return c.boxes;
}

async function fixture(): Promise<{ p: Project; dir: string }> {
  const dir = tempDir('loupe-export-');
  return { p: track(await buildExportFixture(dir)), dir };
}

function golden(name: string, actual: string): string {
  const file = path.join(GOLDEN, name);
  if (UPDATE) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
  }
  return fs.readFileSync(file, 'utf8');
}

describe('export: golden files', () => {
  it('YOLO: Ultralytics layout, clamped normalised lines, empty label files, data.yaml', async () => {
    const { p, dir } = await fixture();
    const out = path.join(dir, 'yolo');
    const s = await exportNow(p, { format: 'yolo', out, split: [0.5, 0.5], seed: 0 });
    const files = tree(out);
    files['data.yaml'] = files['data.yaml'].replace(JSON.stringify(out), '"<OUT>"');
    const expected = JSON.parse(golden('yolo.json', `${JSON.stringify(files, null, 2)}\n`));
    expect(Object.keys(files)).toEqual(Object.keys(expected));
    for (const [k, v] of Object.entries(expected)) expect(files[k], k).toBe(v);

    // Field by field: the lines are exactly the boxes, clamped then normalised.
    expect(files['data.yaml']).toBe('path: "<OUT>"\ntrain: images/train\nval: images/val\nnames:\n  0: "car"\n  1: "person"\n  2: "bike"\n');
    const label = (name: string) => Object.entries(files).find(([k]) => k.startsWith('labels/') && k.endsWith(name))![1];
    expect(label('/a.txt').trim().split('\n')).toEqual(['0 0.2 0.2 0.2 0.2', '1 0.95 0.9 0.1 0.2', '0 0.5 0.5 1 1']);
    const b = label('/sub/b.txt').trim().split('\n').map((l) => l.split(' ').map(Number));
    expect(b[0]).toEqual([1, (1.5 + 10.125 / 2) / 64, (2.25 + 20.0625 / 2) / 64, 10.125 / 64, 20.0625 / 64]);
    expect(b[1]).toEqual([0, (0 + 3.75 / 2) / 64, (60 + 4 / 2) / 64, 3.75 / 64, 4 / 64]);
    expect(b).toHaveLength(2);
    expect(label('/c.txt')).toBe('');
    for (const line of Object.entries(files).filter(([k]) => k.endsWith('.txt')).flatMap(([, v]) => v.split('\n').filter(Boolean))) {
      for (const v of line.split(' ').slice(1).map(Number)) expect(v >= 0 && v <= 1, line).toBe(true);
    }
    // Every image has its label file beside it, found the Ultralytics way.
    for (const img of Object.keys(files).filter((k) => k.startsWith('images/'))) {
      expect(files[img.replace(/^images\//, 'labels/').replace(/\.[^.]+$/, '.txt')], img).toBeDefined();
    }
    expect(fs.readFileSync(path.join(out, Object.keys(files).find((k) => k.endsWith('b.jpg'))!))).toEqual(fs.readFileSync(path.join(dir, 'images/sub/b.jpg')));

    expect(s).toMatchObject({ images: 4, boxes: 6, emptyImages: 1, boxesClamped: 2, boxesOutsideDropped: 1, skippedCount: 2, classes: ['car', 'person', 'bike'] });
    expect(s.skipped).toEqual([
      { reason: 'unresolved', why: expect.any(String), count: 1, examples: ['d.png'] },
      { reason: 'not_reviewed', why: expect.any(String), count: 1, examples: ['e.png'] },
    ]);
    expect(s.splits.train!.images + s.splits.val!.images).toBe(4);
    expect(boxesOf(s.splits.train!, 'bike') + boxesOf(s.splits.val!, 'bike')).toBe(0);
    expect(s.splits.train!.boxesByClass.map((c) => c.name)).toEqual(['car', 'person', 'bike']);
  });

  it('counts boxes per class whatever the class is called, __proto__ and constructor too, through the contract', async () => {
    const { p, dir } = await fixture();
    const [car, person] = p.classes.list();
    p.classes.update({ ...car, name: '__proto__' });
    p.classes.update({ ...person, name: 'constructor' });
    const s = ContractExportSummary.parse(await exportNow(p, { format: 'yolo', out: path.join(dir, 'proto'), split: [0.5, 0.5] }));
    const total = (name: string) => boxesOf(s.splits.train!, name) + boxesOf(s.splits.val!, name);
    expect(s.splits.train!.boxesByClass.map((c) => c.name)).toEqual(['__proto__', 'constructor', 'bike']);
    expect(total('__proto__') + total('constructor') + total('bike')).toBe(s.boxes);
    expect(total('__proto__')).toBeGreaterThan(0);
    expect(Object.getPrototypeOf(s.splits.train!.boxesByClass[0])).toBe(Object.prototype);
  });

  it('COCO: one streamed instances file per split, Loupe ids, unrounded clamped bboxes', async () => {
    const { p, dir } = await fixture();
    const out = path.join(dir, 'coco');
    const s = await exportNow(p, { format: 'coco', out, split: [0.5, 0.5], seed: 0 });
    for (const split of ['train', 'val']) {
      const text = fs.readFileSync(path.join(out, 'annotations', `instances_${split}.json`), 'utf8');
      const expected = golden(`coco/instances_${split}.json`, text);
      expect(JSON.parse(text)).toEqual(JSON.parse(expected));
      expect(text).toBe(expected);
    }
    const all = ['train', 'val'].map((sp) => JSON.parse(fs.readFileSync(path.join(out, 'annotations', `instances_${sp}.json`), 'utf8')));
    const images = all.flatMap((j) => j.images);
    const anns = all.flatMap((j) => j.annotations);
    expect(all[0].categories).toEqual([
      { id: 2, name: 'car', supercategory: 'none' },
      { id: 1, name: 'person', supercategory: 'none' },
      { id: 3, name: 'bike', supercategory: 'none' },
    ]);
    expect(images.map((i) => [i.id, i.width, i.height]).sort()).toEqual([[1, 100, 50], [2, 64, 64], [3, 30, 40], [6, 80, 60]]);
    for (const i of images) expect(fs.existsSync(path.join(out, 'images', i.file_name)), i.file_name).toBe(true);
    const byId = new Map(anns.map((a) => [a.id, a]));
    expect(byId.get(1)).toEqual({ id: 1, image_id: 1, category_id: 2, bbox: [10, 5, 20, 10], area: 200, iscrowd: 0 });
    expect(byId.get(2)).toEqual({ id: 2, image_id: 1, category_id: 1, bbox: [90, 40, 10, 10], area: 100, iscrowd: 0 });
    expect(byId.get(4)).toEqual({ id: 4, image_id: 2, category_id: 1, bbox: [1.5, 2.25, 10.125, 20.0625], area: 10.125 * 20.0625, iscrowd: 0 });
    expect(byId.get(5)!.bbox).toEqual([0, 60, 3.75, 4]);
    expect(byId.get(9)!.bbox).toEqual([0.1, 0.2, 0.30000000000000004, 59.8]);
    expect(byId.has(6)).toBe(false);
    for (const a of anns) for (const k of ['id', 'image_id', 'category_id']) expect(Number.isInteger(a[k]) && a[k] >= 1).toBe(true);
    expect(s).toMatchObject({ images: 4, boxes: 6, emptyImages: 1 });
  });
});

describe('export: choices', () => {
  it('keeps class indices and category ids when a class is added', async () => {
    const { p, dir } = await fixture();
    await exportNow(p, { format: 'yolo', out: path.join(dir, 'y1'), split: [0.5, 0.5] });
    p.classes.insert({ name: 'aardvark', color: '#123456', hotkey: null });
    await exportNow(p, { format: 'yolo', out: path.join(dir, 'y2'), split: [0.5, 0.5] });
    const [t1, t2] = [tree(path.join(dir, 'y1')), tree(path.join(dir, 'y2'))];
    for (const k of Object.keys(t1).filter((f) => f.endsWith('.txt'))) expect(t2[k], k).toBe(t1[k]);
    expect(t2['data.yaml']).toMatch(/ {2}2: "bike"\n {2}3: "aardvark"\n$/);
  });

  it('filters by flag and by metadata, and exports one annotator on request', async () => {
    const { p, dir } = await fixture();
    const flagged = await exportNow(p, { format: 'coco', out: path.join(dir, 'f'), filter: { flag: 'drift' }, images: 'none' });
    expect([flagged.selected, flagged.images]).toEqual([2, 2]);
    const north = await exportNow(p, { format: 'coco', out: path.join(dir, 'n'), filter: { where: { key: 'site', value: 'north' } }, images: 'none' });
    expect([north.selected, north.images, north.boxes]).toEqual([1, 1, 1]);
    const night = await exportNow(p, { format: 'coco', out: path.join(dir, 'night'), filter: { where: { key: 'night', value: 'true' } }, images: 'none' });
    expect(night.selected).toBe(1);
    const bo = await exportNow(p, { format: 'yolo', out: path.join(dir, 'bo'), labels: { annotator: 'bo' }, split: [0.5, 0.5] });
    expect([bo.images, bo.boxes]).toEqual([2, 2]); // d.png and f.png
    expect(bo.skipped).toEqual([{ reason: 'no_labels_from_annotator', why: expect.any(String), count: 4, examples: ['a.png', 'sub/b.jpg', 'c.png', 'e.png'] }]);
  });

  it('links and symlinks instead of copying', async () => {
    const { p, dir } = await fixture();
    await exportNow(p, { format: 'yolo', out: path.join(dir, 'l'), images: 'link', split: [0.5, 0.5] });
    await exportNow(p, { format: 'yolo', out: path.join(dir, 's'), images: 'symlink', split: [0.5, 0.5] });
    expect(fs.statSync(path.join(dir, 'l/images/train/a.png')).ino).toBe(fs.statSync(path.join(dir, 'images/a.png')).ino);
    expect(fs.readlinkSync(path.join(dir, 's/images/val/sub/b.jpg'))).toBe(path.join(dir, 'images/sub/b.jpg'));
  });

  it('splits the same way for a seed, another way for another seed, with every class in val', async () => {
    const dir = tempDir('loupe-export-');
    const p = track(await buildExportFixture(dir));
    const classes = [p.classes.byName('car')!.id, p.classes.byName('person')!.id];
    const root = p.images.ensureRoot('images');
    p.db.transaction(() => {
      for (let i = 0; i < 300; i++) {
        const id = p.images.insert({ rootId: root, path: `gen/${i}.png`, width: 100, height: 100, orientation: 1, format: 'png', bytes: 0, contentHash: null, metadata: '{}', ingestError: null }, 'now');
        // person is rare: 4 images
        p.boxes.insert({ imageId: id, annotatorId: p.annotator.id, classId: classes[i % 75 === 0 ? 1 : 0], x: 1, y: 1, w: 5, h: 5, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
      }
    })();
    const valOf = (s: ExportSummary) => s.splits.val!;
    const names = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'annotations/instances_val.json'), 'utf8')).images.map((i: { id: number }) => i.id);
    const a = await exportNow(p, { format: 'coco', out: path.join(dir, 'a'), images: 'none', seed: 7, split: [0.7, 0.2, 0.1] });
    await exportNow(p, { format: 'coco', out: path.join(dir, 'b'), images: 'none', seed: 7, split: [0.7, 0.2, 0.1] });
    const c = await exportNow(p, { format: 'coco', out: path.join(dir, 'c'), images: 'none', seed: 8, split: [0.7, 0.2, 0.1] });
    expect(names(path.join(dir, 'b'))).toEqual(names(path.join(dir, 'a')));
    expect(names(path.join(dir, 'c'))).not.toEqual(names(path.join(dir, 'a')));
    for (const s of [a, c]) {
      expect(boxesOf(valOf(s), 'person')).toBeGreaterThan(0);
      expect(boxesOf(s.splits.test!, 'person')).toBeGreaterThan(0);
      expect(boxesOf(s.splits.train!, 'person')).toBeGreaterThan(0);
      expect([s.splits.train!.images, s.splits.val!.images, s.splits.test!.images]).toEqual([213, 61, 30]);
    }
    expect(fs.existsSync(path.join(dir, 'a/images/test'))).toBe(true);
  });
});

describe('export: the pycocotools check stays valid', () => {
  it('the file pycocotools read is what Loupe exports today, and pycocotools matched it to itself', async () => {
    const ran = JSON.parse(fs.readFileSync(path.join(GOLDEN, 'pycocotools_golden.json'), 'utf8'));
    expect(ran.file).toBe('test/fixtures/export/coco/instances_train.json');
    const { p, dir } = await fixture();
    const out = path.join(dir, 'coco');
    await exportNow(p, { format: 'coco', out, split: [0.5, 0.5], seed: 0, images: 'none' });
    const today = fs.readFileSync(path.join(out, 'annotations/instances_train.json'), 'utf8');
    expect(today).toBe(fs.readFileSync(path.join(GOLDEN, 'coco/instances_train.json'), 'utf8'));
    const j = JSON.parse(today);
    expect([ran.images, ran.annotations, ran.categories]).toEqual([j.images.length, j.annotations.length, j.categories.length]);
    expect(ran.stats.AP).toBe(1);
    expect(ran.stats.AR100).toBe(1);
  });
});
