import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../app/store/Project.ts';
import { writeImages, writeModel } from '../fixtures/prelabel/setup.ts';
import { tempDir } from '../unit/fixtures.ts';
import { boxDump, byPath, copyProject, counter, integrity, killLoupe, rows, runLoupe, SEEDS, Tally } from './harness.ts';

/** Large enough images that decoding and letterboxing take a few milliseconds each, so kills land mid-batch. */
const COUNT = 120;
const PREDICTIONS = 'b.model_run_id IS NOT NULL';

let dir: string;
let base: string;
let model: string;
let reference: Record<string, unknown>[];
const tally = new Tally('pre-label batch');
const args = (file: string) => ['prelabel', file, '--model', model, '--create-classes'];

/** Every image the run recorded has exactly the boxes it says, and no image has predictions without a record. */
function expectWholeImages(file: string): number {
  const recorded = rows<{ path: string; status: string; boxes: number }>(file, 'SELECT i.path, r.status, r.boxes FROM run_images r JOIN images i ON i.id = r.image_id');
  const stored = byPath(boxDump(file, PREDICTIONS));
  const want = byPath(reference);
  for (const r of recorded) {
    expect(r.status, r.path).toBe('done');
    expect(stored.get(r.path) ?? [], r.path).toEqual(want.get(r.path) ?? []);
    expect(r.boxes, r.path).toBe((want.get(r.path) ?? []).length);
  }
  const seen = new Set(recorded.map((r) => r.path));
  for (const p of stored.keys()) expect(seen.has(p), `${p} has predictions but no record`).toBe(true);
  return recorded.length;
}

beforeAll(async () => {
  dir = tempDir('loupe-crash-prelabel-');
  const images = path.join(dir, 'images');
  await writeImages(images, COUNT, 'jpeg', { w: 640, h: 480 });
  model = writeModel(path.join(dir, 'model.onnx'));
  base = path.join(dir, 'base.loupe');
  Project.create(base, { annotator: 'lead' }).close();
  await runLoupe(['import', base, '--images', images]);
  const ref = copyProject(base, path.join(dir, 'reference.loupe'));
  await runLoupe(args(ref));
  reference = boxDump(ref, PREDICTIONS);
  expect(reference.length).toBe(3 * COUNT);
});

afterAll(() => tally.print());

describe('kill -9 during a pre-label batch', () => {
  it.each(SEEDS)('seed %i: whole images only; the same command again does the rest, reusing the run, as an uninterrupted one', async (seed) => {
    const file = copyProject(base, path.join(dir, `seed${seed}.loupe`));
    // After a seeded number of images is stored, then a seeded few milliseconds.
    const stored = counter(file, 'SELECT count(*) FROM run_images');
    const k = await killLoupe(args(file), seed, { maxDelayMs: 50, progress: stored.count, total: COUNT });
    stored.close();
    expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 });
    const done = expectWholeImages(file);
    tally.add(k, done < COUNT);

    await runLoupe(args(file));
    expect(expectWholeImages(file)).toBe(COUNT);
    expect(boxDump(file, PREDICTIONS)).toEqual(reference);
    expect(rows(file, 'SELECT count(*) AS n FROM model_runs')).toEqual([{ n: 1 }]);
    expect(rows(file, 'SELECT count(*) AS n FROM models')).toEqual([{ n: 1 }]);
  });
});
