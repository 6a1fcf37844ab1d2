import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { importFolder } from '../../io/importFolder.ts';
import { applyEdit } from '../../services/boxEdits.ts';
import { setReviewStatus } from '../../services/review.ts';
import { Project } from '../../store/Project.ts';
import { makeImage, tempDir } from '../../../test/unit/fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin/loupe.mjs');

function loupe(args: string[], annotator = 'lead'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, LOUPE_ANNOTATOR: annotator } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
let lead: string;
let images: string;
beforeAll(async () => {
  dir = tempDir('loupe-cli-package-');
  images = path.join(dir, 'images');
  await makeImage(path.join(images, 'a.png'), { w: 100, h: 80 });
  await makeImage(path.join(images, 'b.png'), { w: 60, h: 40 });
  lead = path.join(dir, 'lead.loupe');
  const p = Project.create(lead, { annotator: 'lead' });
  await importFolder(p, images);
  const car = p.db.transaction(() => p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null }))();
  p.close();
  for (const [who, img, x] of [['ana', 1, 10], ['ana', 2, 5], ['bob', 1, 30]] as const) {
    const q = Project.open(lead, { annotator: who });
    applyEdit(q, img, { added: [{ classId: car, x, y: 5, w: 20, h: 10 }], updated: [], removed: [] });
    setReviewStatus(q, img, 'done');
    q.close();
  }
});

describe('loupe package (real bin)', () => {
  it('exports, opens in a new project, exports back and imports; a second import changes nothing', async () => {
    const pkg = path.join(dir, 'ana.loupepkg');
    const e = await loupe(['package', 'export', lead, '--annotator', 'ana', '--out', pkg]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^Wrote the work package of ana to .*ana\.loupepkg \(\d+ bytes\)\n {2}2 images, 0 predictions, 2 boxes, 2 marks, 0 rejections, 2 edits\n$/);
    expect(fs.readFileSync(pkg, 'utf8')).not.toMatch(/bob/);

    // b.png is not in the folder she picks: it is listed, a.png is usable.
    const theirs = path.join(dir, 'theirs');
    fs.mkdirSync(theirs);
    fs.copyFileSync(path.join(images, 'a.png'), path.join(theirs, 'a.png'));
    const remote = path.join(dir, 'ana.loupe');
    const o = await loupe(['package', 'open', pkg, '--images', theirs, '--project', remote]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toContain(`Created ${remote} for ana: 1 images usable`);
    expect(o.stdout).toMatch(/1 images not found in .*theirs:\n {2}b\.png: not found in /);

    const back = path.join(dir, 'back.loupepkg');
    const x = await loupe(['package', 'export', remote, '--annotator', 'ana', '--out', back, '--json'], 'ana');
    expect(x.code, x.stderr).toBe(0);
    expect(JSON.parse(x.stdout)).toMatchObject({ origin: 'package', counts: { images: 1, boxes: 1 } });

    const i = await loupe(['package', 'import', lead, back, '--json']);
    expect(i.code, i.stderr).toBe(0);
    expect(JSON.parse(i.stdout)).toMatchObject({ annotator: 'ana', images: 1, changed: 0, unchanged: 1 });
    const t = await loupe(['package', 'import', lead, pkg]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^Imported the work of ana: 0 images updated, 2 already up to date, 0 boxes added/);
  });

  it('refuses a damaged package with the reason on stderr (exit 1), and bad command lines (exit 2)', async () => {
    const pkg = path.join(dir, 'ana2.loupepkg');
    expect((await loupe(['package', 'export', lead, '--annotator', 'ana', '--out', pkg])).code).toBe(0);
    fs.truncateSync(pkg, fs.statSync(pkg).size - 1);
    const r = await loupe(['package', 'import', lead, pkg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/loupe: .*ana2\.loupepkg is truncated: \d+ bytes, the package says \d+/);
    const nobody = await loupe(['package', 'export', lead, '--annotator', 'zoe', '--out', path.join(dir, 'z.loupepkg')]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/No person "zoe" in this project \(people: lead, ana, bob\)/);
    expect(fs.existsSync(path.join(dir, 'z.loupepkg'))).toBe(false);
    const missing = await loupe(['package', 'import', lead, path.join(dir, 'none.loupepkg')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/package not found: /);
    expect((await loupe(['package', 'export', lead, '--out', pkg])).code).toBe(2);
    expect((await loupe(['package', 'open', pkg, '--images', dir])).code).toBe(2);
  });
});
