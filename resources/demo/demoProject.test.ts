import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { DEMO_CLASS_STYLE, DEMO_REFERENCE } from '../../scripts/demo-build.ts';
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
      const row = session.project.db.prepare('SELECT metadata, captured_at AS capturedAt FROM images WHERE path = ?').get(entry.file) as { metadata: string; capturedAt: string | null };
      expect(JSON.parse(row.metadata)).toEqual({ camera: entry.camera, shift: entry.shift, defectSize: entry.defectSize, part: entry.part });
      expect(row.capturedAt).toMatch(/^2026-0[12]-\d{2}T\d{2}:\d{2}:\d{2}$/);
    }
    // The generator's true boxes are the reference annotator's, exactly, on every image it marked done.
    const ref = session.project.annotators.list().find((a) => a.name === DEMO_REFERENCE)!;
    expect(ref.kind).toBe('human');
    const stored = session.project.db
      .prepare('SELECT i.path, c.name AS cls, b.x, b.y, b.w, b.h FROM boxes b JOIN images i ON i.id = b.image_id JOIN classes c ON c.id = b.class_id WHERE b.annotator_id = ? ORDER BY i.path, b.x, b.y')
      .all(ref.id);
    const truth = manifest.images
      .flatMap((e: { file: string; boxes: { class: string; x: number; y: number; w: number; h: number }[] }) => e.boxes.map((b) => ({ path: e.file, cls: b.class, x: b.x, y: b.y, w: b.w, h: b.h })))
      .sort((a: { path: string; x: number; y: number }, b: { path: string; x: number; y: number }) => a.path.localeCompare(b.path) || a.x - b.x || a.y - b.y);
    expect(stored).toEqual(truth);
    expect(session.project.assignments.count(ref.id, 'done')).toBe(10);

    // So the demo model can be measured against it, slice by slice.
    const runs = await d('runs:list', {});
    if (!runs.ok) throw new Error(runs.error.message);
    const started = await d('evaluation:start', { runId: (runs.value as { id: number }[])[0].id, referenceId: ref.id });
    if (!started.ok) throw new Error(started.error.message);
    const report = (await session.jobs.wait((started.value as { id: string }).id)).result as { reviewed: number; overall: { gt: number }; slices: { key: string }[] };
    expect(report.reviewed).toBe(10);
    expect(report.overall.gt).toBe(truth.length);
    // Every frame has a capture time, so the capture weeks are slices too.
    expect(new Set(report.slices.map((r) => r.key))).toEqual(new Set(['camera', 'defectSize', 'part', 'shift', 'week']));
  } finally {
    await session.close();
  }
});
