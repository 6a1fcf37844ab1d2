// Exported files stay inside the export folder whatever the stored image paths
// say: .., absolute paths, drive letters, backslashes, NUL, reserved device
// names, and names that meet once sanitised. And no file outside an image
// folder is copied in by a stored path that climbs out of it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeImage, tempDir, track } from '../../test/unit/fixtures.ts';
import { datasetNames } from '../io/exportDataset.ts';
import { pathEscape, safeRelativePath } from '../io/safePaths.ts';
import { Project } from '../store/Project.ts';
import { prepareExport, runExport } from './export.ts';

/** Every file and folder under `dir` except `skip`, with each file's bytes as hex of its length and first bytes. */
function tree(dir: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (f === skip) continue;
      if (e.isDirectory()) {
        out.push(`${path.relative(dir, f)}/`);
        walk(f);
      } else out.push(`${path.relative(dir, f)} ${fs.statSync(f).size}`);
    }
  };
  walk(dir);
  return out.sort();
}

/** Files under `dir`, relative with `/`. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else out.push(path.relative(dir, f).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

const HOSTILE = [
  '../../../../secret.png', // climbs out of the root, and out of the export folder as a name
  'sub/../../../../secret.png',
  '/abs/y.png',
  'C:/drive.png',
  'C:\\win\\z.png',
  'back\\..\\..\\..\\..\\slash.png',
  'a:b.png',
  'a_b.png',
  'CON.png',
  'dots. /t.png',
  'nul\u0000.png',
];

/** A project deep in a temp folder whose images have the hostile paths, each with a box marked done. */
async function hostileProject() {
  const base = tempDir('loupe-export-paths-');
  const work = path.join(base, 'a', 'b', 'c', 'work');
  const root = path.join(work, 'images');
  fs.mkdirSync(root, { recursive: true });
  const secret = await makeImage(path.join(base, 'a', 'secret.png'), { w: 9, h: 7, color: { r: 1, g: 2, b: 3 } });
  const p = track(Project.create(path.join(work, 'p.loupe'), { annotator: 'ana' }));
  const cls = p.classes.insert({ name: 'car', color: '#00ff00', hotkey: null, position: 0 });
  const rootId = p.images.ensureRoot('images');
  for (const [i, rel] of HOSTILE.entries()) {
    const file = path.join(root, rel);
    if (!rel.includes('\0') && !path.relative(root, file).startsWith('..')) await makeImage(file, { w: 20 + i, h: 10, color: { r: 100 + i, g: 0, b: 0 } });
    const id = p.images.insert(
      { rootId, path: rel, width: 20 + i, height: 10, orientation: 1, format: 'png', bytes: 0, contentHash: null, metadata: '{}', ingestError: null },
      '2026-01-01T00:00:00.000Z',
    );
    p.boxes.insert({ imageId: id, annotatorId: p.annotator.id, classId: cls, x: 1, y: 1, w: 5, h: 5, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
    p.db.prepare(`INSERT INTO assignments (image_id, annotator_id, status, updated_at) VALUES (?, ?, 'done', 'now')`).run(id, p.annotator.id);
  }
  return { base, work, p, secret };
}

describe('exported file names', () => {
  it('safeRelativePath keeps every name a plain relative path', () => {
    expect(safeRelativePath('a/b.jpg')).toBe('a/b.jpg');
    expect(safeRelativePath('../../x.png')).toBe('__/__/x.png');
    expect(safeRelativePath('/etc/passwd')).toBe('etc/passwd');
    expect(safeRelativePath('C:\\win\\z.png')).toBe('C_/win/z.png');
    expect(safeRelativePath('a//./b\\c.png')).toBe('a/b/c.png');
    expect(safeRelativePath('nul\u0000.png')).toBe('nul_.png');
    expect(safeRelativePath('CON.png')).toBe('_CON.png');
    expect(safeRelativePath('lpt1')).toBe('_lpt1');
    expect(safeRelativePath('dots. /t.png')).toBe('dots__/t.png');
    expect(safeRelativePath('../')).toBe('__');
    expect(safeRelativePath('/')).toBe('_');
    for (const rel of HOSTILE) {
      const name = safeRelativePath(rel);
      expect(pathEscape(name), rel).toBeNull();
      expect(path.resolve('/x/images/train', name).startsWith('/x/images/train/'), rel).toBe(true);
    }
  });

  it('datasetNames gives distinct names to paths that meet once sanitised', () => {
    const names = datasetNames([
      { id: 1, rootId: 1, path: 'a:b.png' },
      { id: 2, rootId: 1, path: 'a_b.png' },
      { id: 3, rootId: 1, path: '../x.png' },
      { id: 4, rootId: 1, path: '__/x.png' },
      { id: 5, rootId: 1, path: 'ok.png' },
    ]);
    expect([...names.entries()]).toEqual([
      [1, 'a_b_png-1.png'],
      [2, 'a_b_png-2.png'],
      [3, '__/x_png-3.png'],
      [4, '__/x_png-4.png'],
      [5, 'ok.png'],
    ]);
  });

  for (const format of ['yolo', 'coco'] as const) {
    for (const images of ['copy', 'none'] as const) {
      it(`${format} with images ${images}: nothing is written outside the export folder, nothing outside the image folder copied in`, async () => {
        const { base, work, p, secret } = await hostileProject();
        const out = path.join(work, 'out');
        const before = tree(base, out);
        const summary = await runExport(p, prepareExport(p, { format, out, images, seed: 0 }));
        expect(tree(base, out)).toEqual(before);

        const written = files(out);
        for (const f of written) {
          expect(fs.realpathSync(path.join(out, f)).startsWith(out + path.sep), f).toBe(true);
          expect(pathEscape(f), f).toBeNull();
          if (f.endsWith('.png')) expect(fs.readFileSync(path.join(out, f)).equals(secret), f).toBe(false);
        }
        const skipped = Object.fromEntries(summary.skipped.map((s) => [s.reason, s.count]));
        if (images === 'copy') {
          // The two that climb out of the root, and the NUL.
          expect(skipped).toEqual({ unsafe_path: 3 });
          const imgs = written.filter((f) => f.startsWith('images/')).map((f) => f.replace(/^images\/(train|val)\//, ''));
          expect(imgs.sort()).toEqual(['_CON.png', 'C_/drive.png', 'C_/win/z.png', 'a_b_png-7.png', 'a_b_png-8.png', 'abs/y.png', 'back/__/__/__/__/slash.png', 'dots__/t.png'].sort());
        } else expect(skipped).toEqual({});
        if (format === 'yolo') {
          const labels = written.filter((f) => f.startsWith('labels/'));
          expect(labels.length).toBe(images === 'copy' ? 8 : HOSTILE.length);
          for (const f of labels) expect(f).toMatch(/^labels\/(train|val)\/.+\.txt$/);
        } else {
          const names = written
            .filter((f) => f.startsWith('annotations/'))
            .flatMap((f) => (JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as { images: { file_name: string }[] }).images.map((i) => i.file_name));
          expect(names.length).toBe(images === 'copy' ? 8 : HOSTILE.length);
          expect(new Set(names).size).toBe(names.length);
          for (const n of names) expect(pathEscape(n), n).toBeNull();
        }
      });
    }
  }
});
