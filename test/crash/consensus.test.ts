import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../app/store/Project.ts';
import { tempDir } from '../unit/fixtures.ts';
import { yoloImages, writeLabels } from './datasets.ts';
import { boxDump, byPath, copyProject, counter, integrity, killLoupe, rows, runLoupe, SEEDS, Tally } from './harness.ts';

const COUNT = 200;

let dir: string;
let base: string;
let reference: Map<string, unknown>;
const tally = new Tally('consensus merge');

/** Per image, what the merge writes: the consensus author's boxes and marks, and the lead's history entries. */
function merged(file: string): Map<string, unknown> {
  const boxes = byPath(boxDump(file, `a.kind = 'consensus'`));
  const marks = byPath(rows(file, `SELECT i.path, s.status FROM assignments s JOIN images i ON i.id = s.image_id JOIN annotators a ON a.id = s.annotator_id WHERE a.kind = 'consensus'`));
  const edits = byPath(rows(file, `SELECT i.path, e.kind, e.state, e.diff FROM edits e JOIN images i ON i.id = e.image_id ORDER BY e.id`));
  const out = new Map<string, unknown>();
  for (const p of new Set([...boxes.keys(), ...marks.keys(), ...edits.keys()])) {
    out.set(p, { boxes: boxes.get(p) ?? [], marks: marks.get(p) ?? [], edits: (edits.get(p) ?? []).map((e) => ({ ...e, diff: normalDiff(String(e.diff)) })) });
  }
  return out;
}

/** An edit's diff without its box ids, which differ between two runs. */
const normalDiff = (diff: string) => diff.replace(/"(id|sourceBoxId)":\d+/g, '"$1":0');

beforeAll(async () => {
  dir = tempDir('loupe-crash-consensus-');
  const ds = await yoloImages(path.join(dir, 'ds'), COUNT);
  base = path.join(dir, 'base.loupe');
  Project.create(base, { annotator: 'lead' }).close();
  // Three people who mostly agree: jittered boxes, now and then another class.
  for (const [who, seed] of [['alice', 21], ['bob', 22], ['chloe', 23]] as const) {
    writeLabels(ds, COUNT, { seed, jitter: 0.04, swap: 0.2 });
    await runLoupe(['import', base, '--annotations', ds, '--format', 'yolo', '--annotator', who]);
  }
  const ref = copyProject(base, path.join(dir, 'reference.loupe'));
  await runLoupe(['consensus', ref]);
  reference = merged(ref);
  expect(reference.size).toBe(COUNT);
});

afterAll(() => tally.print());

describe('kill -9 during a consensus merge', () => {
  it.each(SEEDS)('seed %i: each image merged whole (as in an uninterrupted merge) or untouched; running it again merges the rest', async (seed) => {
    const file = copyProject(base, path.join(dir, `seed${seed}.loupe`));
    const people = boxDump(file, `a.kind = 'human'`);
    // After a seeded number of images is merged, then a seeded few milliseconds.
    const done = counter(file, `SELECT count(*) FROM assignments s JOIN annotators a ON a.id = s.annotator_id WHERE a.kind = 'consensus'`);
    const k = await killLoupe(['consensus', file], seed, { maxDelayMs: 50, progress: done.count, total: COUNT });
    done.close();
    expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 });

    const after = merged(file);
    for (const [p, m] of after) expect(m, p).toEqual(reference.get(p));
    expect(boxDump(file, `a.kind = 'human'`)).toEqual(people);
    tally.add(k, after.size < COUNT);

    await runLoupe(['consensus', file]);
    expect(merged(file)).toEqual(reference);
  });
});
