import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { twoImageYoloDataset } from '../../../test/unit/fixtures.ts';
import { loupe } from './runLoupe.ts';

/** Every table of a project file, read-only, as one string: what a refused command must leave as it was. */
function dump(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
    return JSON.stringify(names.map((n) => [n, db.prepare(`SELECT * FROM "${n}" ORDER BY rowid`).all()]));
  } finally {
    db.close();
  }
}

/**
 * alice labelled the two-image dataset as it is; bob gave a.png's small car the class bus
 * and drew an extra car on b.png. By ARCHITECTURE.md §3: on a.png one same-class match and
 * one other-class match, F1 2·1/(2+2); on b.png one same-class match and one box only bob
 * drew, F1 2·1/(1+2).
 */
async function twoPeople(opts: { bob?: boolean } = {}): Promise<{ dir: string; file: string }> {
  const dir = await twoImageYoloDataset();
  const file = path.join(dir, 'p.loupe');
  expect((await loupe(['init', file])).code).toBe(0);
  const alice = await loupe(['import', file, '--annotations', dir, '--format', 'yolo', '--annotator', 'alice']);
  expect(alice.code, alice.stderr).toBe(0);
  if (opts.bob !== false) {
    fs.writeFileSync(path.join(dir, 'labels/train/a.txt'), '1 0.5 0.5 0.5 0.5\n1 0.2 0.2 0.1 0.1\n');
    fs.writeFileSync(path.join(dir, 'labels/train/b.txt'), '0 0.5 0.5 0.5 0.5\n0 0.9 0.9 0.1 0.1\n');
    const bob = await loupe(['import', file, '--annotations', dir, '--format', 'yolo', '--annotator', 'bob']);
    expect(bob.code, bob.stderr).toBe(0);
  }
  return { dir, file };
}

describe('loupe agreement', () => {
  it('prints the project report per pair, per person, per class, as JSON and as text', async () => {
    const { file } = await twoPeople();
    const j = await loupe(['agreement', file, '--json']);
    expect(j.code, j.stderr).toBe(0);
    const r = JSON.parse(j.stdout);
    expect(r).toMatchObject({ iou: 0.5, quorum: null, images: 2 });
    expect(r.pairs).toHaveLength(1);
    expect(r.pairs[0]).toMatchObject({ aName: 'alice', bName: 'bob', images: 2, counts: { matchedSame: 2, matchedOther: 1, onlyA: 0, onlyB: 1 } });
    expect(r.pairs[0].f1).toBeCloseTo((2 * 2) / (3 + 4), 12);
    expect(r.meanAgreement).toBeCloseTo((2 / 4 + 2 / 3) / 2, 12);
    expect(r.perPerson.map((p: { name: string }) => p.name)).toEqual(['alice', 'bob']);
    expect(r.classes.map((c: { name: string }) => c.name).sort()).toEqual(['bus', 'car']);
    expect(r.perImage).toHaveLength(2);

    const t = await loupe(['agreement', file, '--iou', '0.3']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^Agreement at IoU 0\.3 on 2 images that two or more of 2 people marked done\n/);
    expect(t.stdout).toMatch(/mean image agreement \(F1\) 0\.583/);
    expect(t.stdout).toMatch(/alice \/ bob +2 +2 +1 +0 +1 +1\.000 +0\.571/);
    expect(t.stdout).toMatch(/most confused: (car as bus|bus as car) 1×/);
  });

  it('refuses a bad --iou or --quorum and a project where no image has two people done, changing nothing', async () => {
    const { file } = await twoPeople({ bob: false });
    const before = dump(file);
    for (const iou of ['0', '1.5', '-0.2', 'x', '']) {
      const r = await loupe(['agreement', file, '--iou', iou]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`--iou must be a number above 0 and at most 1, got "${iou}"`);
    }
    const q = await loupe(['agreement', file, '--quorum', '0']);
    expect(q).toMatchObject({ code: 1, stderr: expect.stringContaining('--quorum must be a whole number above 0, got "0"') });
    const one = await loupe(['agreement', file]);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/No image has done work from two or more people yet/);
    expect(one.stdout).toBe('');
    expect(dump(file)).toBe(before);
  });
});

describe('loupe consensus', () => {
  it('merges every shared image once, never overwrites a resolution, and runs again without change', async () => {
    const { file } = await twoPeople();
    const r = await loupe(['consensus', file, '--quorum', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    // quorum 2 (votes are the members of the group's class): a.png keeps its bus, whose small
    // car/bus group has one vote each way and goes; b.png keeps its car; bob's extra box goes.
    expect(JSON.parse(r.stdout)).toMatchObject({ shared: 2, merged: 2, alreadyResolved: 0, boxes: 2, iou: 0.5, quorum: 2, consensus: 'consensus' });
    const annotators = JSON.parse((await loupe(['annotators', file, '--json'])).stdout).annotators as { name: string; kind: string; boxes: number; imagesDone: number }[];
    expect(annotators.find((a) => a.kind === 'consensus')).toMatchObject({ name: 'consensus', boxes: 2, imagesDone: 2 });

    const before = dump(file);
    const again = await loupe(['consensus', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^Merged 0 of the 2 images two or more people marked done into consensus's final labels: 0 boxes \(IoU 0\.5, quorum half of each image's people\)\n {2}2 already resolved, left as they were\n$/);
    expect(dump(file)).toBe(before);
  });

  it('records the merge as the --annotator lead, and refuses an unknown one, bad flags and a project with one person, changing nothing', async () => {
    const { file } = await twoPeople();
    const before = dump(file);
    const nobody = await loupe(['consensus', file, '--annotator', 'zed']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/--annotator: .*zed/);
    for (const args of [['--iou', '0'], ['--iou', '2'], ['--quorum', '1.5'], ['--quorum', '-1']]) {
      const r = await loupe(['consensus', file, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(args[0] === '--iou' ? /--iou must be a number above 0 and at most 1/ : /--quorum must be a whole number above 0/);
    }
    expect(dump(file)).toBe(before);
    const ok = await loupe(['consensus', file, '--annotator', 'alice', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const db = new Database(file, { readonly: true });
    const who = db.prepare(`SELECT DISTINCT n.name FROM edits e JOIN annotators n ON n.id = e.annotator_id`).pluck().all();
    db.close();
    expect(who).toEqual(['alice']);

    const lone = await twoPeople({ bob: false });
    const loneBefore = dump(lone.file);
    const r = await loupe(['consensus', lone.file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No image has done work from two or more people, so there is nothing to merge; nothing was written/);
    expect(dump(lone.file)).toBe(loneBefore);
  });
});
