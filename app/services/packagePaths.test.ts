// A work package's image paths cannot make opening or importing it write (or
// register) anything outside the image folder, whatever its entries say.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageBytes, makeImage, snapshot, tempDir, track } from '../../test/unit/fixtures.ts';
import { PackageWriter } from '../io/workPackageFile.ts';
import { parseRecord } from '../io/workPackageRecords.ts';
import { Project } from '../store/Project.ts';
import { importFolder } from '../io/importFolder.ts';
import { exportPackage, packageRepo } from './packageExport.ts';
import { importPackage } from './packageImport.ts';
import { openPackage } from './packageOpen.ts';

/** Every file and folder under `dir`, relative. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      out.push(path.relative(dir, f) + (e.isDirectory() ? '/' : ''));
      if (e.isDirectory()) walk(f);
    }
  };
  walk(dir);
  return out.sort();
}

/** A package, written the way the lead's project writes one, holding one image file at `rel`. */
async function packageWith(file: string, rel: string, projectId = 'p-1'): Promise<void> {
  const data = await imageBytes({ w: 12, h: 8 });
  const w = await PackageWriter.create(file);
  await w.record({ t: 'class', id: 1, name: 'car', color: '#ff0000', hotkey: null, position: 0 });
  const hash = crypto.createHash('sha256').update(data).digest('hex');
  await w.record({ t: 'image', id: 1, path: rel, width: 12, height: 8, orientation: 1, format: 'png', bytes: data.length, hash, metadata: '{}', mark: null, run: null });
  await w.record({ t: 'box', id: 1, image: 1, classId: 1, x: 1, y: 1, w: 4, h: 4, provenance: 'drawn', source: null });
  await w.file(1, data);
  await w.finish({ projectId, projectName: 'lead', annotator: 'ana', origin: 'project', exportedAt: '2026-01-01T00:00:00.000Z', loupeVersion: '0.1.0', counts: { classes: 1, images: 1, boxes: 1, imageFiles: 1 } });
}

const HOSTILE: [string, RegExp][] = [
  ['../../../escape.png', /climbs out with \.\./],
  ['sub/../../../escape.png', /climbs out with \.\./],
  ['/tmp/abs-escape.png', /is absolute/],
  ['C:/escape.png', /drive letter/],
  ['C:\\escape.png', /backslash|drive letter/],
  ['sub\\..\\..\\..\\escape.png', /backslash/],
  ['nul\u0000.png', /NUL/],
  ['a//b.png', /empty or \. segment/],
  ['./a.png', /empty or \. segment/],
];

describe('work package paths', () => {
  it('opens a package whose image path is a plain relative path, writing the image there', async () => {
    const base = tempDir('loupe-pkg-paths-');
    const file = path.join(base, 'ana.loupepkg');
    await packageWith(file, 'sub/ok.png');
    const imagesDir = path.join(base, 'deep', 'er', 'images');
    const s = await openPackage({ file, imagesDir, project: path.join(base, 'ana.loupe') }, {});
    expect(s.written).toBe(1);
    expect(s.images).toBe(1);
    expect(fs.existsSync(path.join(imagesDir, 'sub', 'ok.png'))).toBe(true);
  });

  for (const [rel, why] of HOSTILE) {
    it(`refuses to open a package with the image path ${JSON.stringify(rel)}, writing nothing anywhere`, async () => {
      const base = tempDir('loupe-pkg-paths-');
      const file = path.join(base, 'ana.loupepkg');
      await packageWith(file, rel);
      const imagesDir = path.join(base, 'deep', 'er', 'images');
      fs.mkdirSync(imagesDir, { recursive: true });
      const before = tree(base);
      const absBefore = fs.existsSync('/tmp/abs-escape.png');
      const opened = openPackage({ file, imagesDir, project: path.join(base, 'ana.loupe') }, {});
      await expect(opened).rejects.toMatchObject({ code: 'bad_request' });
      await expect(opened).rejects.toThrow(why);
      expect(tree(base)).toEqual(before);
      expect(fs.existsSync('/tmp/abs-escape.png')).toBe(absBefore);
    });
  }

  it('refuses to write an image through a link in the image folder that leads out of it', async () => {
    const base = tempDir('loupe-pkg-paths-');
    const outside = path.join(base, 'outside');
    const imagesDir = path.join(base, 'images');
    fs.mkdirSync(outside);
    fs.mkdirSync(imagesDir);
    fs.symlinkSync(outside, path.join(imagesDir, 'link'));
    for (const rel of ['link/x.png', 'link/new/x.png']) {
      const file = path.join(base, 'ana.loupepkg');
      await packageWith(file, rel);
      const opened = openPackage({ file, imagesDir, project: path.join(base, 'ana.loupe') }, {});
      await expect(opened).rejects.toThrow(/would be written outside .* through a link; nothing was written/);
      expect(fs.readdirSync(outside), rel).toEqual([]);
      expect(fs.existsSync(path.join(base, 'ana.loupe'))).toBe(false);
      expect(fs.readdirSync(base).filter((f) => f.includes('.partial'))).toEqual([]);
    }
  });

  it('refuses to import into the lead project a package with such a path, storing nothing', async () => {
    const base = tempDir('loupe-pkg-paths-');
    const lead = track(Project.create(path.join(base, 'lead.loupe'), { annotator: 'lead' }));
    const repo = packageRepo(lead);
    const projectId = lead.db.transaction(() => repo.projectId())();
    for (const [rel, why] of HOSTILE) {
      const file = path.join(base, 'ana.loupepkg');
      await packageWith(file, rel, projectId);
      const before = snapshot(lead);
      const imported = importPackage(lead, file);
      await expect(imported, rel).rejects.toThrow(why);
      expect(snapshot(lead)).toBe(before);
    }
  });

  it('refuses an edit record whose diff is nested thousands deep with bad_request, not a stack overflow', () => {
    const diff = JSON.parse(`${'['.repeat(10_000)}1${']'.repeat(10_000)}`) as unknown;
    const rec = { t: 'edit', image: 1, time: '2026-01-01T00:00:00.000Z', state: 'log', diff };
    expect(() => parseRecord(rec, 7)).toThrow(expect.objectContaining({ code: 'bad_request', message: "The package's edit record 7 is nested too deeply to check." }));
  });

  it("leaves out of a package, listed with the reason, an image whose stored path would be refused on opening, so the rest still opens", async () => {
    const base = tempDir('loupe-pkg-paths-');
    const images = path.join(base, 'images');
    await makeImage(path.join(images, 'a.png'), { w: 10, h: 10 });
    await makeImage(path.join(images, 'b.png'), { w: 12, h: 12 });
    const lead = track(Project.create(path.join(base, 'lead.loupe'), { annotator: 'lead' }));
    await importFolder(lead, images);
    lead.db.prepare(`UPDATE images SET path = '../b.png' WHERE path = 'b.png'`).run();
    const ana = lead.annotators.ensure('ana', 'human').id;
    for (const id of lead.db.prepare<[], number>('SELECT id FROM images').pluck().all()) lead.assignments.set(id, ana, 'todo', '2026-01-01T00:00:00.000Z');
    const pkg = path.join(base, 'ana.loupepkg');
    const sum = await exportPackage(lead, { annotator: 'ana', out: pkg, withImages: true });
    expect(sum.counts.images).toBe(1);
    expect(sum.unreadable).toEqual([{ path: '../b.png', reason: 'its stored path cannot go into a package: it climbs out with ..' }]);
    const opened = await openPackage({ file: pkg, imagesDir: path.join(base, 'remote', 'images'), project: path.join(base, 'remote', 'ana.loupe') }, {});
    expect(opened).toMatchObject({ images: 1, written: 1, missing: [] });
  });
});
