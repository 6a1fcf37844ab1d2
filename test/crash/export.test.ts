import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../app/store/Project.ts';
import { tempDir } from '../unit/fixtures.ts';
import { yoloImages, writeLabels } from './datasets.ts';
import { boxDump, integrity, killLoupe, markDump, runLoupe, SEEDS, Tally } from './harness.ts';

const COUNT = 200;

let dir: string;
let project: string;
let reference: Record<string, string>;
const tally = new Tally('export');
const args = (out: string, force = false) => ['export', project, '--format', 'yolo', '--out', out, '--images', 'copy', ...(force ? ['--force'] : [])];

/** Every file under a dataset folder with a hash of its bytes; data.yaml's absolute path made relative so two places compare. */
function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    const abs = path.join(root, rel);
    if (!fs.statSync(abs).isFile()) continue;
    let bytes = fs.readFileSync(abs);
    if (rel === 'data.yaml') bytes = Buffer.from(bytes.toString('utf8').split(root).join('<out>'));
    out[rel] = crypto.createHash('sha256').update(bytes).digest('hex');
  }
  return out;
}

/** Files written so far in an export's hidden folder under `parent`. */
function written(parent: string): number {
  const partial = fs.readdirSync(parent).find((n) => n.includes('.partial-'));
  if (!partial) return 0;
  try {
    return fs.readdirSync(path.join(parent, partial), { recursive: true }).length;
  } catch {
    return 0; // renamed into place meanwhile
  }
}

beforeAll(async () => {
  dir = tempDir('loupe-crash-export-');
  const ds = await yoloImages(path.join(dir, 'ds'), COUNT);
  writeLabels(ds, COUNT, { seed: 11 });
  project = path.join(dir, 'project.loupe');
  Project.create(project, { annotator: 'lead' }).close();
  await runLoupe(['import', project, '--annotations', ds, '--format', 'yolo', '--annotator', 'alice']);
  const out = path.join(dir, 'ref', 'dataset');
  fs.mkdirSync(path.dirname(out));
  await runLoupe(args(out));
  reference = tree(out);
  expect(Object.keys(reference).filter((f) => f.endsWith('.txt'))).toHaveLength(COUNT);
});

afterAll(() => tally.print());

describe('kill -9 during an export', () => {
  // The last seed replaces a previous dataset with --force: the kill may also fall between its two renames.
  it.each(SEEDS)('seed %i: nothing, the previous or the whole new dataset at --out; the next export sweeps the partial folder and writes the same dataset', async (seed) => {
    const parent = path.join(dir, `seed${seed}`);
    const out = path.join(parent, 'dataset');
    const force = seed === SEEDS.at(-1);
    fs.mkdirSync(parent);
    if (force) {
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'previous.txt'), 'the previous dataset');
    }
    const previous = force ? tree(out) : null;
    const labelsBefore = { boxes: boxDump(project), marks: markDump(project) };
    // After a seeded number of files is written in the hidden folder, then a seeded few milliseconds.
    const k = await killLoupe(args(out, force), seed, { maxDelayMs: 50, progress: () => written(parent), total: 2 * COUNT });
    // An export only reads the project.
    expect(integrity(project)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 });
    expect({ boxes: boxDump(project), marks: markDump(project) }).toEqual(labelsBefore);

    const there = fs.existsSync(out) ? tree(out) : null;
    const complete = JSON.stringify(there) === JSON.stringify(reference);
    if (!complete) expect(there).toEqual(previous);
    const hidden = fs.readdirSync(parent).filter((n) => n !== 'dataset');
    for (const h of hidden) expect(h).toMatch(/^\.dataset\.partial-\d+-/);
    // Only between the two renames of a replacement is nothing at --out, the previous dataset hidden beside it.
    if (force && there === null) expect(hidden.some((h) => h.endsWith('-old'))).toBe(true);
    tally.add(k, !complete);

    const again = JSON.parse((await runLoupe([...args(out, force || complete), '--json'])).stdout) as { leftovers: { removed: number; restored: boolean } };
    expect(again.leftovers.removed + Number(again.leftovers.restored)).toBe(hidden.length);
    expect(fs.readdirSync(parent)).toEqual(['dataset']);
    expect(tree(out)).toEqual(reference);
  });
});
