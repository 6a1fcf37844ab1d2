import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFolder } from '../io/importFolder.ts';
import type { Project } from '../store/Project.ts';
import { makeImage, newProject, tempDir } from '../../test/unit/fixtures.ts';
import { prepareExport, runExport } from './export.ts';
import { importLabels } from './importLabels.ts';

/** Boxes keyed by image content, so the same image under another path still compares. */
function byContent(p: Project): Map<string, { cls: string; x: number; y: number; w: number; h: number; W: number; H: number }[]> {
  const rows = p.db
    .prepare(
      `SELECT i.content_hash AS hash, i.width AS W, i.height AS H, c.name AS cls, b.x, b.y, b.w, b.h FROM boxes b
       JOIN images i ON i.id = b.image_id JOIN classes c ON c.id = b.class_id ORDER BY i.content_hash, c.name, b.x, b.y`,
    )
    .all() as { hash: string; cls: string; x: number; y: number; w: number; h: number; W: number; H: number }[];
  const out = new Map<string, typeof rows>();
  for (const r of rows) out.set(r.hash, [...(out.get(r.hash) ?? []), r]);
  return out;
}

describe('export then import gives back the same boxes and classes', () => {
  it.each(['yolo', 'coco'] as const)('%s', async (format) => {
    const dir = tempDir();
    await makeImage(path.join(dir, 'shots/a.png'), { w: 333, h: 127 });
    await makeImage(path.join(dir, 'shots/deep/b.jpg'), { w: 64, h: 200, format: 'jpeg' });
    await makeImage(path.join(dir, 'shots/empty.png'), { w: 50, h: 50 });
    const src = newProject({ annotator: 'alice' });
    await importFolder(src, path.join(dir, 'shots'));
    const ids = Object.fromEntries(src.images.page(0, 10).map((r) => [r.path, r.id]));
    src.db.transaction(() => {
      const car = src.classes.insert({ name: 'car', color: '#000000', hotkey: null });
      const bus = src.classes.insert({ name: 'bus', color: '#111111', hotkey: null });
      src.classes.insert({ name: 'unused', color: '#222222', hotkey: null });
      const add = (imageId: number, classId: number, x: number, y: number, w: number, h: number) =>
        src.boxes.insert({ imageId, annotatorId: src.annotator.id, modelRunId: null, classId, x, y, w, h, score: null, provenance: 'drawn', sourceBoxId: null });
      add(ids['a.png'], car, 0, 0, 333, 127);
      add(ids['a.png'], bus, 10.123456789, 20.987654321, 100.5, 50.25);
      add(ids['deep/b.jpg'], car, 63, 199, 1, 1);
      add(ids['deep/b.jpg'], bus, 1 / 3, 2 / 3, 17.77, 33.33);
    })();
    const out = path.join(dir, `out-${format}`);
    await runExport(src, prepareExport(src, { format, out, labels: { annotator: 'alice' } }));

    const dst = newProject({ annotator: 'someone' });
    const s = await importLabels(dst, { path: out, format, annotator: 'alice', createClasses: true, dryRun: false });
    expect(s.problemCount).toBe(0);
    expect(s.missingImages).toEqual([]);
    expect(dst.classes.list().map((c) => c.name).sort()).toEqual(['bus', 'car', 'unused']);
    const want = byContent(src);
    const got = byContent(dst);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [hash, boxes] of want) {
      const mine = got.get(hash)!;
      expect(mine.map((b) => b.cls)).toEqual(boxes.map((b) => b.cls));
      boxes.forEach((b, i) => {
        for (const k of ['x', 'w'] as const) expect(Math.abs(mine[i][k] - b[k])).toBeLessThanOrEqual(1e-6 * b.W);
        for (const k of ['y', 'h'] as const) expect(Math.abs(mine[i][k] - b[k])).toBeLessThanOrEqual(1e-6 * b.H);
      });
    }
    // The exporter leaves out the image alice has not labelled.
    expect(dst.images.count()).toBe(2);
  });
});

describe('a dataset exported without images comes back onto the project’s own images', () => {
  it.each(['yolo', 'coco'] as const)('%s: matched by path under the split folders, files not needed', async (format) => {
    const src = newProject({ annotator: 'alice' });
    const paths = ['cam1/day1/a.jpg', 'cam1/day2/a.jpg', 'cam2/b.png', 'c.jpg', 'cam2/empty.jpg'];
    const ids = new Map<string, number>();
    src.db.transaction(() => {
      const rootId = src.images.ensureRoot('/no/such/folder');
      for (const [i, p] of paths.entries()) {
        ids.set(p, src.images.insert({ rootId, path: p, width: 640 + i, height: 480 - i, orientation: 1, format: 'jpeg', bytes: 0, contentHash: null, metadata: '{}', ingestError: null }, 'now'));
      }
      const car = src.classes.insert({ name: 'car', color: '#000000', hotkey: null });
      const bus = src.classes.insert({ name: 'bus', color: '#111111', hotkey: null });
      let n = 0;
      for (const p of paths.slice(0, 4)) {
        for (const cls of [car, bus]) {
          n++;
          src.boxes.insert({ imageId: ids.get(p)!, annotatorId: src.annotator.id, modelRunId: null, classId: cls, x: n * 3.25, y: n * 1.5, w: 10 + n / 7, h: 20 + n / 3, score: null, provenance: 'drawn', sourceBoxId: null });
        }
      }
      src.assignments.set(ids.get('cam2/empty.jpg')!, src.annotator.id, 'done', 'now');
    })();
    const out = path.join(tempDir(), `ds-${format}`);
    await runExport(src, prepareExport(src, { format, out, images: 'none', split: [0.6, 0.4], seed: 1 }));
    // The same images, under another root, with no boxes: a copy of the project before labelling.
    const dst = newProject({ annotator: 'someone' });
    dst.db.transaction(() => {
      const rootId = dst.images.ensureRoot('/elsewhere');
      for (const [i, p] of paths.entries()) dst.images.insert({ rootId, path: p, width: 640 + i, height: 480 - i, orientation: 1, format: 'jpeg', bytes: 0, contentHash: null, metadata: '{}', ingestError: null }, 'now');
    })();
    const s = await importLabels(dst, { path: out, format, annotator: 'alice', createClasses: true, dryRun: false });
    expect(s).toMatchObject({ problemCount: 0, missingImages: [], imagesAdded: 0, boxes: 8 });
    // YOLO writes a label file for the image without boxes too; COCO lists it among the images.
    expect(s.imagesMatched).toBe(5);
    const rows = (p: Project) =>
      p.db.prepare('SELECT i.path, c.name AS cls, b.x, b.y, b.w, b.h FROM boxes b JOIN images i ON i.id = b.image_id JOIN classes c ON c.id = b.class_id ORDER BY i.path, b.x').all() as { path: string; cls: string; x: number; y: number; w: number; h: number }[];
    const want = rows(src);
    const got = rows(dst);
    expect(got.map((r) => [r.path, r.cls])).toEqual(want.map((r) => [r.path, r.cls]));
    got.forEach((r, i) => {
      for (const k of ['x', 'y', 'w', 'h'] as const) expect(Math.abs(r[k] - want[i][k])).toBeLessThanOrEqual(1e-9 * 640);
    });
  });
});
