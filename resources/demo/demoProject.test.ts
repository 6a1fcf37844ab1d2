import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { DEMO_CLASS_STYLE } from '../../scripts/demo-build.ts';
import { createDispatcher } from '../../app/hosts/dispatcher.ts';
import { Session } from '../../app/services/Session.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-demo-project-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function demo() {
  const env = { ...process.env, LOUPE_DEMO_DIR: tmp, LOUPE_DEMO_COUNT: '10' };
  return spawnSync(process.execPath, [path.join(ROOT, 'scripts/demo.mjs')], { env, encoding: 'utf8', timeout: 120_000 });
}

it('scripts/demo.mjs builds the project once, prints its path last, and stores classes and metadata', async () => {
  const first = demo();
  expect(first.status, first.stderr).toBe(0);
  const file = path.join(tmp, 'demo.loupe');
  expect(first.stdout.trim().split('\n').at(-1)).toBe(file);
  expect(fs.readdirSync(tmp).sort()).toEqual(['demo.loupe', 'demo.version', 'images']);

  const mtime = fs.statSync(file).mtimeMs;
  const second = demo();
  expect(second.status, second.stderr).toBe(0);
  expect(second.stdout).toBe(`${file}\n`);
  expect(second.stderr).toBe('');
  expect(fs.statSync(file).mtimeMs).toBe(mtime);

  const manifest = JSON.parse(fs.readFileSync(path.join(tmp, 'images', 'manifest.json'), 'utf8'));
  const session = new Session('test');
  const d = createDispatcher(session);
  try {
    const info = await d('project:open', { file });
    if (!info.ok) throw new Error(info.error.message);
    expect(info.value).toMatchObject({ imageCount: 10, failedCount: 0 });
    const classes = await d('classes:list', {});
    if (!classes.ok) throw new Error(classes.error.message);
    expect((classes.value as { name: string; color: string; hotkey: string }[]).map(({ name, color, hotkey }) => ({ name, color, hotkey }))).toEqual(DEMO_CLASS_STYLE);
    for (const entry of manifest.images) {
      const row = session.project.db.prepare('SELECT metadata FROM images WHERE path = ?').get(entry.file) as { metadata: string };
      expect(JSON.parse(row.metadata)).toEqual({ camera: entry.camera, shift: entry.shift, defectSize: entry.defectSize, part: entry.part });
    }
  } finally {
    await session.close();
  }
});
