import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { addImageRow, leadSession } from '../../test/unit/fixtures.ts';
import { consensusMerge, defaultQuorum } from '../metrics/agreement/index.ts';
import { agreementRepo } from '../store/AgreementRepo.ts';
import type { Project } from '../store/Project.ts';
import { mergeAllJob, type MergeStats, type MergeTuning } from './consensusMerge.ts';
import { resolveImage } from './resolve.ts';

/** A lead's session on a fresh project, with its dispatcher. */
const setup = () => leadSession('m.loupe');

/**
 * n images, three people (ana, bo, cy) who all marked every image done: three shared boxes
 * each (car, bus, car), jittered a little per person so they cluster, and one box only ana
 * drew (below the default quorum of 2, so it is left out).
 */
function build(p: Project, n: number) {
  const car = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
  const bus = p.classes.insert({ name: 'bus', color: '#00ff00', hotkey: null });
  const people = ['ana', 'bo', 'cy'].map((name) => p.annotators.ensure(name, 'human').id);
  const imgs: number[] = [];
  const firstBox = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const img = addImageRow(p);
    imgs.push(img);
    people.forEach((who, k) => {
      [car, bus, car].forEach((cls, b) => {
        const id = p.boxes.insert({ imageId: img, annotatorId: who, classId: cls, x: 20 + 150 * b + k + (i % 7), y: 30 + k, w: 80 + k, h: 60, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
        if (b === 0) firstBox.set(`${img}:${who}`, id);
      });
      if (k === 0) p.boxes.insert({ imageId: img, annotatorId: who, classId: car, x: 500, y: 300 + i, w: 40, h: 40, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
      p.assignments.set(img, who, 'done', '2026-01-01T00:00:00Z');
    });
  }
  return { imgs, people, car, bus, firstBox };
}

type Row = [number, number, number, number, number, number | null];

/** The consensus author's boxes on every image (by image id): class, place and source box, in box id order. */
function consensusOf(p: Project): Row[][] {
  const c = agreementRepo(p.db).consensusAuthor()!;
  return p.images.allIds().sort((a, b) => a - b).map((id) => p.boxes.forImage(id, c.id).map((b): Row => [b.classId, b.x, b.y, b.w, b.h, b.sourceBoxId]));
}

/** The consensus of an image as computed now from the people's done work. */
function freshConsensus(p: Project, imageId: number): Row[] {
  const byPerson = agreementRepo(p.db).peopleOn(imageId);
  return consensusMerge(byPerson, 0.5, defaultQuorum(byPerson.size)).map((c): Row => [c.classId, c.box.x, c.box.y, c.box.w, c.box.h, c.box.id]);
}

const stats = (): MergeStats => ({ fromWorker: 0, checked: 0, onHost: 0 });
const WORKER: MergeTuning = { workerFrom: 0, hostWhileWaiting: false };

describe('consensus merge through the worker', () => {
  it('merges every image as the host alone does, each one undoable edit, also when the host merges from the back meanwhile', async () => {
    const alone = (await setup()).p;
    build(alone, 40);
    const hostStats = stats();
    expect(await mergeAllJob(alone, {}, undefined, { workerFrom: Infinity, stats: hostStats })).toMatchObject({ merged: 40, boxes: 120 });
    expect(hostStats).toEqual({ fromWorker: 0, checked: 0, onHost: 40 });

    const { p, call } = await setup();
    const { imgs } = build(p, 40);
    const s1 = stats();
    expect(await mergeAllJob(p, {}, undefined, { ...WORKER, stats: s1 })).toMatchObject({ merged: 40, boxes: 120 });
    expect(s1).toEqual({ fromWorker: 40, checked: 0, onHost: 0 });
    expect(consensusOf(p)).toEqual(consensusOf(alone));
    // the same edit text, written from the worker's text as from the diff object (same box ids, as both wrote in image order)
    const edits = (q: Project) => q.db.prepare('SELECT image_id, annotator_id, kind, state, diff FROM edits ORDER BY image_id').all();
    expect(edits(p)).toEqual(edits(alone));
    const a = agreementRepo(p.db).consensusAuthor()!;
    await call('edits:undo', { imageId: imgs[7] });
    expect(p.boxes.forImage(imgs[7], a.id)).toEqual([]);
    expect(p.assignments.get(imgs[7], a.id)).toBeUndefined();

    const both = (await setup()).p;
    build(both, 300);
    const twice = (await setup()).p;
    build(twice, 300);
    const s2 = stats();
    await mergeAllJob(both, {}, undefined, { workerFrom: 0, stats: s2 });
    await mergeAllJob(twice, {}, undefined, { workerFrom: Infinity });
    expect(s2.fromWorker + s2.onHost).toBe(300);
    expect(s2.checked).toBe(0);
    // box ids follow the order images were written in, so compare without them
    const strip = (rows: Row[][]) => rows.map((r) => r.map(([c, x, y, w, h, src]) => [c, x, y, w, h, src]).sort());
    expect(strip(consensusOf(both))).toEqual(strip(consensusOf(twice)));
    expect(both.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  });

  it('passes the IoU threshold and quorum to the worker', async () => {
    const alone = (await setup()).p;
    build(alone, 10);
    const p = (await setup()).p;
    build(p, 10);
    const opts = { iou: 0.9, quorum: 3 };
    const host = await mergeAllJob(alone, opts, undefined, { workerFrom: Infinity });
    const s = stats();
    const worker = await mergeAllJob(p, opts, undefined, { ...WORKER, stats: s });
    expect(s.fromWorker).toBe(10);
    expect(worker).toMatchObject({ merged: 10, boxes: host.boxes, iou: 0.9, quorum: 3 });
    // a stricter threshold and quorum than the default keep fewer boxes
    expect(host.boxes).toBeLessThan(30);
    expect(consensusOf(p)).toEqual(consensusOf(alone));
    expect(p.edits.lastApplied(p.images.allIds()[0], p.annotator.id)!.diff).toMatchObject({ resolution: { by: 'consensus', iou: 0.9, quorum: 3 } });
  });

  it('notices work written after the worker read it, here or by another process, and merges those images from what is there now', async () => {
    const { p } = await setup();
    const { imgs, people, bus, firstBox } = build(p, 24);
    const [ana, bo, cy] = people;
    const moved = imgs[3];
    const undone = imgs[5];
    const before = { moved: freshConsensus(p, moved), undone: freshConsensus(p, undone) };
    const other = new Database(p.file);
    other.pragma('busy_timeout = 5000');
    let calls = 0;
    const progress = () => {
      // after the first image: the worker has read the first batch of images already
      if (++calls !== 2) return;
      for (const who of [ana, bo]) {
        const b = p.boxes.get(firstBox.get(`${moved}:${who}`)!)!;
        p.boxes.update({ id: b.id, classId: bus, x: b.x, y: b.y, w: b.w, h: b.h });
      }
      other.prepare(`UPDATE assignments SET status = 'in_progress' WHERE image_id = ? AND annotator_id = ?`).run(undone, cy);
    };
    const s = stats();
    try {
      expect(await mergeAllJob(p, {}, { signal: new AbortController().signal, progress }, { ...WORKER, sliceMs: 0, stats: s })).toMatchObject({ merged: 24 });
    } finally {
      other.close();
    }
    expect(s).toEqual({ fromWorker: 1, checked: 21, onHost: 2 });
    const after = { moved: freshConsensus(p, moved), undone: freshConsensus(p, undone) };
    // both changes change the consensus: two of three now say bus; with two people ana's own box is kept
    expect(after.moved).not.toEqual(before.moved);
    expect(after.undone).not.toEqual(before.undone);
    const c = agreementRepo(p.db).consensusAuthor()!;
    const stored = (img: number) => p.boxes.forImage(img, c.id).map((b): Row => [b.classId, b.x, b.y, b.w, b.h, b.sourceBoxId]);
    expect(stored(moved)).toEqual(after.moved);
    expect(stored(undone)).toEqual(after.undone);
    expect(p.edits.lastApplied(undone, p.annotator.id)!.diff).toMatchObject({ resolution: { by: 'consensus', iou: 0.5, quorum: 1 } });
  });

  it('never overwrites a resolution the lead made while it ran', async () => {
    const { p } = await setup();
    const { imgs, people } = build(p, 20);
    const target = imgs[6];
    let calls = 0;
    const progress = () => {
      if (++calls === 2) resolveImage(p, { imageId: target, take: { annotator: 'bo' } });
    };
    const s = stats();
    expect(await mergeAllJob(p, {}, { signal: new AbortController().signal, progress }, { ...WORKER, sliceMs: 0, stats: s })).toMatchObject({ merged: 19, alreadyResolved: 1 });
    expect(s.onHost).toBe(0);
    const c = agreementRepo(p.db).consensusAuthor()!;
    const bo = p.boxes.forImage(target, people[1]).map((b) => [b.classId, b.x, b.y, b.w, b.h, b.id]);
    expect(p.boxes.forImage(target, c.id).map((b) => [b.classId, b.x, b.y, b.w, b.h, b.sourceBoxId])).toEqual(bo);
  });

  it('cancelled between images leaves each image merged whole or untouched, and a second run finishes the same as one run', async () => {
    const once = (await setup()).p;
    build(once, 12);
    await mergeAllJob(once, {}, undefined, WORKER);

    const { p } = await setup();
    build(p, 12);
    const ctl = new AbortController();
    let slices = 0;
    const progress = () => {
      if (++slices === 5) ctl.abort();
    };
    await expect(mergeAllJob(p, {}, { signal: ctl.signal, progress }, { ...WORKER, sliceMs: 0 })).rejects.toThrow(/cancelled after 4 of 12 images/);
    const a = agreementRepo(p.db).consensusAuthor()!;
    const mergedIds = p.images.allIds().filter((id) => p.assignments.get(id, a.id) === 'done');
    expect(mergedIds).toHaveLength(4);
    for (const id of p.images.allIds()) expect(p.boxes.forImage(id, a.id).length > 0).toBe(mergedIds.includes(id));
    expect(p.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    expect(await mergeAllJob(p, {}, undefined, WORKER)).toMatchObject({ merged: 8, alreadyResolved: 4 });
    expect(consensusOf(p)).toEqual(consensusOf(once));
  });

  it('fails with the worker’s reason when it cannot run, each image merged whole or untouched', async () => {
    const { p } = await setup();
    build(p, 30);
    const workerFile = new URL('./noSuchMergeWorker.ts', import.meta.url);
    await expect(mergeAllJob(p, {}, undefined, { ...WORKER, workerFile })).rejects.toThrow(/Consensus merge failed|consensus merge worker stopped/);
    const a = agreementRepo(p.db).consensusAuthor();
    for (const id of p.images.allIds()) {
      const merged = a !== undefined && p.assignments.get(id, a.id) === 'done';
      if (merged) expect(p.boxes.forImage(id, a.id).map((b) => [b.classId, b.x, b.y, b.w, b.h, b.sourceBoxId])).toEqual(freshConsensus(p, id));
      else if (a) expect(p.boxes.forImage(id, a.id)).toEqual([]);
    }
    expect(p.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    // the images it did not reach are merged by a run that works
    const rest = await mergeAllJob(p, {}, undefined, { workerFrom: Infinity });
    expect(rest.merged + rest.alreadyResolved).toBe(30);
  });
});
