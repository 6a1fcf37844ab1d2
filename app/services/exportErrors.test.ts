import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExportFixture } from '../../test/fixtures/export/project.ts';
import { addImageRow, newSession, tempDir, track } from '../../test/unit/fixtures.ts';
import { JobRunner } from '../jobs/JobRunner.ts';
import { createDispatcher } from '../hosts/dispatcher.ts';
import { prepareExport, runExport } from './export.ts';

const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
});

/** A tmpfs of `size` mounted at a new folder (root only); null when mounting is not possible here. */
function tmpfs(opts: string): string | null {
  const dir = tempDir('loupe-tmpfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]);
  if (r.status !== 0) return null;
  mounts.push(dir);
  return dir;
}

/** Names in a folder other than the fixture's own files: what an export left behind. */
const leftovers = (dir: string, own: string[]) => fs.readdirSync(dir).filter((n) => !own.includes(n));
const OWN = ['images', 'README', 'fixture.loupe', 'fixture.loupe-wal', 'fixture.loupe-shm'];

describe('export: refusals and atomicity', () => {
  it('refuses bad input with clear errors before writing anything', async () => {
    const dir = tempDir('loupe-export-');
    const p = track(await buildExportFixture(dir));
    fs.mkdirSync(path.join(dir, 'taken'));
    const bad: [object, RegExp][] = [
      [{ format: 'voc', out: path.join(dir, 'x') }, /Unknown export format "voc"/],
      [{ format: 'yolo', out: path.join(dir, 'x'), split: [0.9, 0.2] }, /add up to 1/],
      [{ format: 'yolo', out: path.join(dir, 'x'), split: [1] }, /2 or 3 fractions/],
      [{ format: 'yolo', out: path.join(dir, 'x'), labels: { annotator: 'nobody' } }, /No annotator "nobody".*ana, bo/],
      [{ format: 'yolo', out: path.join(dir, 'taken') }, /already exists.*--force/],
      [{ format: 'yolo', out: path.join(dir, 'missing/deeper') }, /does not exist: .*missing/],
      [{ format: 'yolo', out: dir, force: true }, /holds .*fixture\.loupe/],
    ];
    for (const [o, re] of bad) expect(() => prepareExport(p, o as never), JSON.stringify(o)).toThrow(re);
    expect(leftovers(dir, OWN)).toEqual(['taken']);
  });

  it('an unwritable parent folder is a clear error and leaves nothing behind', async () => {
    const dir = tempDir('loupe-export-');
    const p = track(await buildExportFixture(dir));
    let parent: string | null;
    if (process.getuid?.() === 0) parent = tmpfs('ro,size=1m');
    else {
      parent = tempDir('loupe-ro-');
      fs.chmodSync(parent, 0o555);
    }
    if (!parent) return; // neither a read-only mount nor permissions can be arranged here
    const out = path.join(parent, 'ds');
    await expect(runExport(p, prepareExport(p, { format: 'yolo', out }))).rejects.toThrow(/Cannot write the export next to .*ds: (the file system is read-only|permission denied)/);
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  it('a full disk mid-way leaves no partial dataset (test hook)', async () => {
    const dir = tempDir('loupe-export-');
    const p = track(await buildExportFixture(dir));
    for (const format of ['yolo', 'coco'] as const) {
      let writes = 0;
      const plan = prepareExport(p, {
        format,
        out: path.join(dir, `full-${format}`),
        beforeWrite: () => {
          if (++writes === 5) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      });
      await expect(runExport(p, plan)).rejects.toThrow(/Export to .*full-.* failed, nothing was written there: the disk is full/);
    }
    expect(leftovers(dir, OWN)).toEqual([]);
  });

  it('a real full disk (1 MB tmpfs) leaves no partial dataset', async () => {
    const parent = tmpfs('size=1m');
    if (!parent) return; // mounting needs root
    const dir = tempDir('loupe-export-');
    const p = track(await buildExportFixture(dir));
    const root = p.images.ensureRoot('images');
    p.db.transaction(() => {
      const cls = p.classes.byName('car')!.id;
      for (let i = 0; i < 2000; i++) {
        const id = p.images.insert({ rootId: root, path: `gen/${i}.png`, width: 100, height: 100, orientation: 1, format: 'png', bytes: 0, contentHash: null, metadata: '{}', ingestError: null }, 'now');
        for (let k = 0; k < 10; k++) p.boxes.insert({ imageId: id, annotatorId: p.annotator.id, classId: cls, x: k + 0.1234567, y: 1.7654321, w: 5.5, h: 5.25, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
      }
    })();
    await expect(runExport(p, prepareExport(p, { format: 'coco', out: path.join(parent, 'ds'), images: 'none' }))).rejects.toThrow(/the disk is full/);
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  it('replaces an existing export only with force, and atomically', async () => {
    const dir = tempDir('loupe-export-');
    const p = track(await buildExportFixture(dir));
    const out = path.join(dir, 'ds');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'old.txt'), 'old');
    await runExport(p, prepareExport(p, { format: 'yolo', out, force: true }));
    expect(fs.existsSync(path.join(out, 'old.txt'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'data.yaml'))).toBe(true);
    expect(leftovers(dir, OWN)).toEqual(['ds']);
  });

  it('a cancelled export job removes its temporary folder and writes nothing at out', async () => {
    const dir = tempDir('loupe-export-');
    const p = track(await buildExportFixture(dir));
    const cls = p.classes.byName('car')!.id;
    p.db.transaction(() => {
      for (let i = 0; i < 3000; i++) {
        const id = addImageRow(p, 50, 50, `gen-${i}.png`);
        p.boxes.insert({ imageId: id, annotatorId: p.annotator.id, classId: cls, x: 1, y: 1, w: 5, h: 5, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
      }
    })();
    const jobs = new JobRunner();
    const plan = prepareExport(p, { format: 'yolo', out: path.join(dir, 'ds'), images: 'none' });
    const job = jobs.start('export', 'Export', (ctx) => runExport(p, plan, ctx));
    jobs.cancel(job.id);
    expect((await jobs.wait(job.id)).state).toBe('cancelled');
    expect(leftovers(dir, OWN)).toEqual([]);
  });

  it('export:start reports a bad request as an error reply, not a failed job', async () => {
    const dir = tempDir('loupe-export-');
    (await buildExportFixture(dir)).close();
    const s = newSession();
    const dispatch = createDispatcher(s);
    await s.open(path.join(dir, 'fixture.loupe'));
    const reply = await dispatch('export:start', { format: 'yolo', out: path.join(dir, 'x'), labels: { annotator: 'zed' } });
    expect(reply).toEqual({ ok: false, error: { code: 'not_found', message: expect.stringContaining('No annotator "zed"') } });
    expect(s.jobs.list()).toEqual([]);
    const ok = await dispatch('export:start', { format: 'yolo', out: path.join(dir, 'x'), split: [0.7, 0.2, 0.1], seed: 3 });
    expect(ok.ok).toBe(true);
    const done = await s.jobs.wait((ok as { value: { id: string } }).value.id);
    expect(done).toMatchObject({ state: 'done', result: { images: 4, seed: 3, split: { train: 0.7, val: 0.2, test: 0.1 } } });
  });
});
