import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../app/store/Project.ts';
import { tempDir } from '../unit/fixtures.ts';
import { yoloImages, writeLabels } from './datasets.ts';
import { boxDump, copyProject, integrity, killLoupe, markDump, rows, runLoupe, SEEDS, timedLoupe, Tally } from './harness.ts';

const COUNT = 400;
const IMAGES = 'SELECT path, width, height, content_hash FROM images ORDER BY path';

let dir: string;
let ds: string;
let base: string;
let jobMs: number;
let reference: { boxes: unknown[]; marks: unknown[]; images: unknown[]; classes: unknown[] };
const tally = new Tally('label import');
const dump = (file: string) => ({ boxes: boxDump(file), marks: markDump(file), images: rows(file, IMAGES), classes: rows(file, 'SELECT name FROM classes ORDER BY name') });
const args = (file: string) => ['import', file, '--annotations', ds, '--format', 'yolo', '--annotator', 'alice'];

beforeAll(async () => {
  dir = tempDir('loupe-crash-labels-');
  ds = await yoloImages(path.join(dir, 'ds'), COUNT);
  writeLabels(ds, COUNT, { seed: 7 });
  // The project already has a person's earlier import of other labels, which the new one replaces.
  base = path.join(dir, 'base.loupe');
  Project.create(base, { annotator: 'lead' }).close();
  await runLoupe(args(base));
  writeLabels(ds, COUNT, { seed: 8, jitter: 0.05 });
  const ref = copyProject(base, path.join(dir, 'reference.loupe'));
  jobMs = (await timedLoupe(args(ref))).ms;
  reference = dump(ref);
  expect(reference.boxes).toHaveLength(4 * COUNT);
});

afterAll(() => tally.print());

describe('kill -9 during a label import', () => {
  it.each(SEEDS)('seed %i: the earlier import or the new one whole, never a mix; the same import again gives the uninterrupted result', async (seed) => {
    const file = copyProject(base, path.join(dir, `seed${seed}.loupe`));
    const before = dump(file);
    // Up to most of the job's length in the uninterrupted run, so some kills fall around the commit (its end includes the exit).
    const k = await killLoupe(args(file), seed, { maxDelayMs: 0.8 * jobMs });
    expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 });

    const after = dump(file);
    const whole = JSON.stringify(after) === JSON.stringify(reference);
    if (!whole) expect(after).toEqual(before);
    tally.add(k, !whole);

    await runLoupe(args(file));
    expect(dump(file)).toEqual(reference);
  });
});
