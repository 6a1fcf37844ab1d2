import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/unit/fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin/loupe.mjs');

function loupe(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, LOUPE_ANNOTATOR: 'cli-user' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Twelve days of one JPEG a day; camera b from day 6 on. */
async function folder(): Promise<{ dir: string; sidecar: string }> {
  const dir = tempDir();
  const lines = ['file,camera,captured_at'];
  for (let d = 0; d < 12; d++) {
    const name = `f${String(d).padStart(2, '0')}.jpg`;
    const buf = await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: d * 20, g: 40, b: 80 } } }).jpeg().toBuffer();
    fs.writeFileSync(path.join(dir, name), buf);
    lines.push(`${name},${d < 6 ? 'a' : 'b'},2026-03-${String(d + 1).padStart(2, '0')}T10:00:00`);
  }
  const sidecar = path.join(tempDir(), 'meta.csv');
  fs.writeFileSync(sidecar, `${lines.join('\n')}\n`);
  return { dir, sidecar };
}

describe('loupe init --metadata, loupe metadata and loupe timeline', () => {
  it('imports a folder with its sidecar, then lists the timeline by camera as JSON', async () => {
    const { dir, sidecar } = await folder();
    const project = path.join(tempDir(), 'p.loupe');
    const init = await loupe(['init', project, '--images', dir, '--metadata', sidecar, '--json']);
    expect(init.code, init.stderr).toBe(0);
    const t = await loupe(['timeline', project, '--by', 'camera', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const j = JSON.parse(t.stdout);
    expect(j).toMatchObject({ by: 'camera', run: null, images: 12, untimed: 0, keys: ['camera'] });
    expect(j.days).toHaveLength(12);
    expect(j.series.map((s: { slice: string }) => s.slice)).toEqual(['all', 'a', 'b']);
    expect(j.series[2].points.map((p: { images: number }) => p.images)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    const text = await loupe(['timeline', project]);
    expect(text.stdout).toContain('12 images from 2026-03-01 to 2026-03-12; run: none.');
  });

  it('loupe metadata stores a sidecar on an existing project; bad files are refused with file:line and nothing changes', async () => {
    const { dir, sidecar } = await folder();
    const project = path.join(tempDir(), 'p.loupe');
    expect((await loupe(['init', project, '--images', dir])).code).toBe(0);
    const ok = await loupe(['metadata', project, sidecar]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('Stored metadata on 12 images (12 with a capture time); keys: camera.\n');
    const before = fs.readFileSync(project);

    const bad = path.join(tempDir(), 'bad.csv');
    fs.writeFileSync(bad, 'file,camera,captured_at\nf00.jpg,z,2026-03-01T10:00:00\nf01.jpg,z,31.12.2026\nghost.jpg,z,\n');
    const refused = await loupe(['metadata', project, bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('bad.csv:3: captured_at "31.12.2026" is not a date and time');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const unknown = await loupe(['metadata', project, (fs.writeFileSync(bad, 'file,camera\nghost.jpg,z\n'), bad)]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/bad\.csv:2: no image "ghost\.jpg"/);
    expect((await loupe(['metadata', project, path.join(dir, 'none.csv')])).code).toBe(1);
    expect(fs.readFileSync(project).equals(before)).toBe(true);
  });

  it('refuses a timeline key no image has, a bad run, and --metadata without --images', async () => {
    const { dir, sidecar } = await folder();
    const project = path.join(tempDir(), 'p.loupe');
    expect((await loupe(['init', project, '--images', dir, '--metadata', sidecar])).code).toBe(0);
    const key = await loupe(['timeline', project, '--by', 'site']);
    expect(key.code).toBe(1);
    expect(key.stderr).toContain('No image has the metadata key "site"; the keys are one of camera.');
    const run = await loupe(['timeline', project, '--run', '7']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Model run 7 is not in this project');
    const notNumber = await loupe(['timeline', project, '--run', 'x']);
    expect(notNumber.code).toBe(1);
    expect(notNumber.stderr).toContain('--run must be a whole number above 0, got "x"');
    const usage = await loupe(['import', project, '--metadata', sidecar]);
    expect(usage.code).toBe(2);
    const bad = path.join(tempDir(), 'm.json');
    fs.writeFileSync(bad, '[{"file": "f00.jpg", "captured_at": "soon"}]');
    const other = path.join(tempDir(), 'q.loupe');
    const init = await loupe(['init', other, '--images', dir, '--metadata', bad]);
    expect(init.code).toBe(1);
    expect(init.stderr).toContain('m.json:1: captured_at "soon"');
  });
});
