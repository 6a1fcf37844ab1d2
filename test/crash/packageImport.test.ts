import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEdit } from '../../app/services/boxEdits.ts';
import { Project } from '../../app/store/Project.ts';
import { tempDir } from '../unit/fixtures.ts';
import { yoloImages, writeLabels } from './datasets.ts';
import { boxDump, copyProject, integrity, killLoupe, markDump, rows, runLoupe, SEEDS, timedLoupe, Tally } from './harness.ts';

const COUNT = 200;
/** Images alice also edited by hand after her import, so the package carries history too. */
const EDITED = 60;

let dir: string;
let base: string;
let pkg: string;
let reference: ReturnType<typeof dump>;
let jobMs: number;
const tally = new Tally('work-package import');

/** What a package import writes: the person's boxes, marks and history (box ids in diffs differ between runs). */
const dump = (file: string) => ({
  boxes: boxDump(file),
  marks: markDump(file),
  edits: rows<{ diff: string }>(file, `SELECT a.name, i.path, e.kind, e.state, e.diff FROM edits e JOIN images i ON i.id = e.image_id JOIN annotators a ON a.id = e.annotator_id ORDER BY i.path, e.id`).map(
    (e) => ({ ...e, diff: e.diff.replace(/"(id|sourceBoxId)":\d+/g, '"$1":0') }),
  ),
  people: rows(file, 'SELECT name, kind FROM annotators ORDER BY name'),
});

beforeAll(async () => {
  dir = tempDir('loupe-crash-package-');
  const ds = await yoloImages(path.join(dir, 'ds'), COUNT);
  // The lead's project: the images and classes, with bob's labels.
  base = path.join(dir, 'base.loupe');
  Project.create(base, { annotator: 'lead' }).close();
  writeLabels(ds, COUNT, { seed: 31 });
  await runLoupe(['import', base, '--annotations', ds, '--format', 'yolo', '--annotator', 'bob']);
  // A first package gives the project its id, which every package from it carries.
  await runLoupe(['package', 'export', base, '--annotator', 'bob', '--out', path.join(dir, 'bob.loupepkg')]);
  // alice's work, done in a copy of it and sent back as her package.
  const hers = copyProject(base, path.join(dir, 'alice.loupe'));
  writeLabels(ds, COUNT, { seed: 32, jitter: 0.05 });
  await runLoupe(['import', hers, '--annotations', ds, '--format', 'yolo', '--annotator', 'alice']);
  const p = Project.open(hers, { annotator: 'alice' });
  const classId = p.classes.list()[0].id;
  for (let id = 1; id <= EDITED; id++) applyEdit(p, id, { added: [{ classId, x: 1, y: 1, w: 5 + id / 8, h: 4 }], updated: [], removed: [] });
  p.close();
  pkg = path.join(dir, 'alice.loupepkg');
  await runLoupe(['package', 'export', hers, '--annotator', 'alice', '--out', pkg]);

  const ref = copyProject(base, path.join(dir, 'reference.loupe'));
  jobMs = (await timedLoupe(['package', 'import', ref, pkg])).ms;
  reference = dump(ref);
  expect(reference.edits).toHaveLength(EDITED);
  expect(reference.boxes).toHaveLength(4 * COUNT * 2 + EDITED);
});

afterAll(() => tally.print());

describe('kill -9 during a work-package import', () => {
  it.each(SEEDS)('seed %i: the package whole or not at all; importing it again gives the uninterrupted result', async (seed) => {
    const file = copyProject(base, path.join(dir, `seed${seed}.loupe`));
    const before = dump(file);
    // Up to the job's length in the uninterrupted run, so some kills fall around the commit.
    const k = await killLoupe(['package', 'import', file, pkg], seed, { maxDelayMs: jobMs });
    expect(integrity(file)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 });
    const after = dump(file);
    const whole = JSON.stringify(after) === JSON.stringify(reference);
    if (!whole) expect(after).toEqual(before);
    tally.add(k, !whole);

    await runLoupe(['package', 'import', file, pkg]);
    expect(dump(file)).toEqual(reference);
  });
});
