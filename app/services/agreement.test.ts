import { describe, expect, it } from 'vitest';
import { addImageRow, leadSession, snapshot } from '../../test/unit/fixtures.ts';
import { AgreementAccumulator, type ABox } from '../metrics/agreement/index.ts';
import { agreementRepo } from '../store/AgreementRepo.ts';
import type { Project } from '../store/Project.ts';
import { planLabels } from '../store/finalLabels.ts';
import { mergeAllJob } from './consensusMerge.ts';

type Rect = [number, number, number, number];

/** A lead's session on a fresh project, with its dispatcher. */
const setup = () => leadSession('a.loupe');

function draw(p: Project, imageId: number, annotatorId: number, classId: number, [x, y, w, h]: Rect): number {
  return p.boxes.insert({ imageId, annotatorId, classId, x, y, w, h, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
}
function done(p: Project, imageId: number, annotatorId: number): void {
  p.assignments.set(imageId, annotatorId, 'done', '2026-01-01T00:00:00Z');
}

/**
 * Three people on four images: img1 all three done (a miss, a class swap, a loose box),
 * img2 ana and bo done and cy in progress, img3 only ana done, img4 ana and bo done and bo
 * drew nothing. Returns what each done person drew, per image, as the core sees it.
 */
function threePeople(p: Project) {
  const car = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
  const bus = p.classes.insert({ name: 'bus', color: '#00ff00', hotkey: null });
  const [ana, bo, cy] = ['ana', 'bo', 'cy'].map((n) => p.annotators.ensure(n, 'human').id);
  const imgs = [addImageRow(p), addImageRow(p), addImageRow(p), addImageRow(p)];
  const byImage = new Map<number, Map<number, ABox[]>>();
  const put = (img: number, who: number, cls: number, r: Rect) => {
    const id = draw(p, img, who, cls, r);
    let m = byImage.get(img);
    if (!m) byImage.set(img, (m = new Map()));
    const list = m.get(who) ?? [];
    list.push({ id, classId: cls, x: r[0], y: r[1], w: r[2], h: r[3] });
    m.set(who, list);
  };
  const [i1, i2, i3, i4] = imgs;
  put(i1, ana, car, [10, 10, 100, 100]);
  put(i1, ana, bus, [300, 300, 50, 50]);
  put(i1, bo, car, [12, 12, 100, 100]);
  put(i1, bo, car, [300, 300, 50, 50]);
  put(i1, cy, car, [10, 10, 130, 130]);
  put(i1, cy, bus, [300, 300, 50, 50]);
  put(i1, cy, car, [500, 20, 40, 40]);
  put(i2, ana, car, [0, 0, 50, 50]);
  put(i2, bo, car, [0, 0, 50, 50]);
  draw(p, i2, cy, bus, [200, 200, 20, 20]);
  put(i3, ana, car, [0, 0, 30, 30]);
  put(i4, ana, bus, [5, 5, 30, 30]);
  for (const who of [ana, bo, cy]) done(p, i1, who);
  done(p, i2, ana);
  done(p, i2, bo);
  p.assignments.set(i2, cy, 'in_progress', 'x');
  done(p, i3, ana);
  done(p, i4, ana);
  done(p, i4, bo);
  // bo marked img4 done with no boxes: counts as "no boxes", not left out
  byImage.get(i4)!.set(bo, []);
  byImage.delete(i3);
  return { car, bus, ana, bo, cy, imgs, byImage };
}

/** The consensus author's boxes on an image, without ids. */
function consensusBoxes(p: Project, img: number) {
  const a = agreementRepo(p.db).consensusAuthor();
  return a ? agreementRepo(p.db).boxesOf(img, a.id).map(({ id: _id, ...b }) => b) : [];
}

describe('agreement:start', () => {
  it('gives the report of the accumulator over the done work, names added, and writes image_agreement', async () => {
    const { s, p, call } = await setup();
    const w = threePeople(p);
    const acc = new AgreementAccumulator(0.5);
    for (const id of [...w.byImage.keys()].sort((a, b) => a - b)) acc.addImage(id, new Map([...w.byImage.get(id)!].sort((a, b) => a[0] - b[0])));
    const expected = acc.report();

    const job = await call<{ id: string }>('agreement:start', {});
    const info = await s.jobs.wait(job.id);
    expect(info.state).toBe('done');
    const r = info.result as Record<string, unknown> & typeof expected;
    const { pairs, perPerson, perClass, annotators, classes, seconds, ...rest } = r as never as Record<string, unknown>;
    const { pairs: ep, perPerson: epp, perClass: epc, ...erest } = expected;
    expect(rest).toEqual(erest);
    expect((pairs as { aName: string; bName: string }[]).map(({ aName: _a, bName: _b, ...x }) => x)).toEqual(ep);
    expect((perPerson as { name: string }[]).map(({ name: _n, ...x }) => x)).toEqual(epp);
    expect((perClass as typeof epc).confusion).toEqual(epc.confusion);
    expect(r.images).toBe(3);
    expect((pairs as { aName: string; bName: string }[]).map((x) => `${x.aName}-${x.bName}`)).toEqual(['ana-bo', 'ana-cy', 'bo-cy']);
    expect(classes).toEqual([
      { id: w.car, name: 'car' },
      { id: w.bus, name: 'bus' },
    ]);
    expect(annotators).toEqual([
      { id: w.ana, name: 'ana' },
      { id: w.bo, name: 'bo' },
      { id: w.cy, name: 'cy' },
    ]);
    expect(typeof seconds).toBe('number');

    const stored = agreementRepo(p.db).imageAgreement();
    expect(stored.map((x) => [x.imageId, x.agreement, x.people, x.iou])).toEqual(expected.perImage.map((x) => [x.imageId, x.agreement, x.people.length, 0.5]));

    // The agreement order: worst first, never computed (img3) last; the lead's queue of images two or more people did.
    const order = await call<{ items: { id: number }[] }>('images:list', { order: 'agreement' });
    const want = [...expected.perImage].sort((a, b) => a.agreement - b.agreement || a.imageId - b.imageId).map((x) => x.imageId);
    expect(order.items.map((i) => i.id)).toEqual([...want, w.imgs[2]]);
    expect(want[0]).toBe(w.imgs[3]);
    const shared = await call<{ total: number; items: { id: number }[] }>('images:list', { order: 'agreement', filter: { minDone: 2 } });
    expect(shared.items.map((i) => i.id)).toEqual(want);
  });

  it('takes the IoU threshold and quorum given', async () => {
    const { s, p, call } = await setup();
    const w = threePeople(p);
    const acc = new AgreementAccumulator(0.9, { quorum: 3 });
    for (const id of [...w.byImage.keys()].sort((a, b) => a - b)) acc.addImage(id, w.byImage.get(id)!);
    const job = await call<{ id: string }>('agreement:start', { iou: 0.9, quorum: 3 });
    const r = (await s.jobs.wait(job.id)).result as ReturnType<typeof acc.report>;
    expect(r.iou).toBe(0.9);
    expect(r.quorum).toBe(3);
    expect(r.meanAgreement).toBe(acc.report().meanAgreement);
    expect(r.perPerson.map((x) => x.counts)).toEqual(acc.report().perPerson.map((x) => x.counts));
  });

  it('is cancelled without writing image_agreement', async () => {
    const { s, p, call } = await setup();
    threePeople(p);
    const job = await call<{ id: string }>('agreement:start', {});
    expect(await call('jobs:cancel', { id: job.id })).toEqual({ cancelled: true });
    expect((await s.jobs.wait(job.id)).state).toBe('cancelled');
    expect(agreementRepo(p.db).imageAgreement()).toEqual([]);
  });

  it('refuses a project where no image has two people done, and bad parameters, changing nothing', async () => {
    const { p, fail } = await setup();
    const car = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
    const ana = p.annotators.ensure('ana', 'human').id;
    const bo = p.annotators.ensure('bo', 'human').id;
    const img = addImageRow(p);
    draw(p, img, ana, car, [0, 0, 10, 10]);
    done(p, img, ana);
    p.assignments.set(img, bo, 'in_progress', 'x');
    const before = snapshot(p);
    const e = await fail('agreement:start', {});
    expect(e.code).toBe('bad_request');
    expect(e.message).toMatch(/two or more people/);
    expect((await fail('agreement:start', { iou: 0 })).message).toMatch(/IoU threshold must be above 0/);
    expect((await fail('agreement:start', { iou: 1.01 })).message).toMatch(/at most 1/);
    expect((await fail('agreement:start', { quorum: 0 })).message).toMatch(/quorum must be at least 1/);
    expect(snapshot(p)).toBe(before);
  });
});

describe('agreement:image', () => {
  it('marks misses, class conflicts and loose matches, and previews the consensus', async () => {
    const { p, call } = await setup();
    const w = threePeople(p);
    const r = await call<{
      people: { annotatorId: number; name: string; boxes: { id: number }[] }[];
      marks: { boxId: number; kind: string }[];
      consensus: { box: { classId: number; x: number }; votes: number; members: { annotatorId: number }[] }[];
      agreement: number;
      pairs: { aName: string; f1: number }[];
      quorum: number;
    }>('agreement:image', { imageId: w.imgs[0] });
    expect(r.people.map((x) => [x.name, x.boxes.length])).toEqual([
      ['ana', 2],
      ['bo', 2],
      ['cy', 3],
    ]);
    const ids = (who: number) => w.byImage.get(w.imgs[0])!.get(who)!.map((b) => b.id);
    const [anaCar, anaBus] = ids(w.ana);
    const [boCar, boCar2] = ids(w.bo);
    const [cyCar, cyBus, cyExtra] = ids(w.cy);
    const kinds = (id: number) => r.marks.filter((m) => m.boxId === id).map((m) => m.kind).sort();
    expect(kinds(cyExtra)).toEqual(['missing']);
    expect(kinds(anaBus)).toEqual(['class_conflict']);
    expect(kinds(boCar2)).toEqual(['class_conflict']);
    expect(kinds(cyBus)).toEqual(['class_conflict']);
    // 100² vs 130²: IoU 0.59, matched but loose
    expect(kinds(cyCar)).toEqual(['low_iou']);
    expect(kinds(anaCar)).toEqual(['low_iou']);
    expect(kinds(boCar)).toEqual(['low_iou']);
    expect(r.quorum).toBe(2);
    expect(r.agreement).toBeCloseTo(r.pairs.reduce((s, x) => s + x.f1, 0) / 3, 12);
    // consensus at quorum 2: the car cluster (3 votes) and the bus cluster (2 of 3 vote bus); the extra box has 1 vote
    expect(r.consensus.map((c) => [c.box.classId, c.votes]).sort()).toEqual([
      [w.bus, 2],
      [w.car, 3],
    ].sort());
    const q3 = await call<{ consensus: unknown[] }>('agreement:image', { imageId: w.imgs[0], quorum: 4 });
    expect(q3.consensus).toEqual([]);
    // one person done: no pairs, no agreement
    const one = await call<{ agreement: null; pairs: unknown[]; people: unknown[] }>('agreement:image', { imageId: w.imgs[2] });
    expect([one.agreement, one.pairs, one.people.length]).toEqual([null, [], 1]);
  });

  it('refuses an unknown image and an annotator labelling blind', async () => {
    const { p, fail, call } = await setup();
    const w = threePeople(p);
    expect((await fail('agreement:image', { imageId: 999 })).code).toBe('not_found');
    await call('assign:run', { annotators: ['ana', 'bo'], overlap: 2 });
    await call('session:identify', { name: 'ana', role: 'annotator' });
    expect((await fail('agreement:image', { imageId: w.imgs[0] })).code).toBe('forbidden');
  });
});

describe('consensus:resolve', () => {
  it('takes one person\'s labels as the final labels, recorded as the lead\'s edit, undone and redone', async () => {
    const { p, call } = await setup();
    const w = threePeople(p);
    const img = w.imgs[0];
    expect(planLabels(p.db, [img], 'final').skipped.get(img)).toBe('unresolved');
    const r = await call<{ undo: number; redo: number; diff: { added: unknown[] } }>('consensus:resolve', { imageId: img, take: { annotator: 'cy' } });
    expect([r.undo, r.redo, r.diff.added.length]).toEqual([1, 0, 3]);
    const cyBoxes = w.byImage.get(img)!.get(w.cy)!.map(({ id: _id, ...b }) => b);
    expect(consensusBoxes(p, img)).toEqual(cyBoxes);
    const author = agreementRepo(p.db).consensusAuthor()!;
    expect(author.kind).toBe('consensus');
    expect(planLabels(p.db, [img], 'final').sources.get(img)).toEqual({ annotatorId: author.id, runId: null });
    // the edit is the lead's, and says whose boxes and how
    const edit = p.edits.lastApplied(img, p.annotator.id)!;
    expect(edit.annotatorId).toBe(p.annotator.id);
    expect(edit.diff).toMatchObject({ author: author.id, resolution: { by: 'annotator', annotator: 'cy', annotatorId: w.cy }, status: { before: null, after: 'done' } });
    // the sources of the taken boxes are cy's
    expect(p.boxes.forImage(img, author.id).map((b) => [b.provenance, b.sourceBoxId])).toEqual(w.byImage.get(img)!.get(w.cy)!.map((b) => ['accepted', b.id]));

    const u = await call<{ undo: number; redo: number }>('edits:undo', { imageId: img });
    expect([u.undo, u.redo]).toEqual([0, 1]);
    expect(consensusBoxes(p, img)).toEqual([]);
    expect(p.assignments.get(img, author.id)).toBeUndefined();
    expect(planLabels(p.db, [img], 'final').skipped.get(img)).toBe('unresolved');
    await call('edits:redo', { imageId: img });
    expect(consensusBoxes(p, img)).toEqual(cyBoxes);
    expect(p.assignments.get(img, author.id)).toBe('done');

    // resolving again replaces the resolution, and undo goes back to the first one
    await call('consensus:resolve', { imageId: img, take: { annotator: 'ana' } });
    expect(consensusBoxes(p, img)).toEqual(w.byImage.get(img)!.get(w.ana)!.map(({ id: _id, ...b }) => b));
    await call('edits:undo', { imageId: img });
    expect(consensusBoxes(p, img)).toEqual(cyBoxes);
    expect(p.assignments.get(img, author.id)).toBe('done');
  });

  it('takes the consensus at the quorum given', async () => {
    const { p, call } = await setup();
    const w = threePeople(p);
    const img = w.imgs[0];
    const preview = await call<{ consensus: { box: object }[] }>('agreement:image', { imageId: img, quorum: 2 });
    const r = await call<{ diff: { added: unknown[] } }>('consensus:resolve', { imageId: img, take: { consensus: { quorum: 2 } } });
    expect(r.diff.added.length).toBe(preview.consensus.length);
    const got = consensusBoxes(p, img).map((b) => ({ x: b.x, y: b.y, w: b.w, h: b.h, classId: b.classId }));
    expect(got).toEqual(preview.consensus.map((c) => c.box));
    expect(p.edits.lastApplied(img, p.annotator.id)!.diff).toMatchObject({ resolution: { by: 'consensus', iou: 0.5, quorum: 2 } });
    // an empty resolution (nobody reaches the quorum) is still a resolution
    await call('consensus:resolve', { imageId: img, take: { consensus: { quorum: 4 } } });
    expect(consensusBoxes(p, img)).toEqual([]);
    expect(planLabels(p.db, [img], 'final').sources.has(img)).toBe(true);
  });

  it('lets the lead correct a resolution: edits of a resolved image go to its final labels, each undoable; unresolved, they are the lead\'s own', async () => {
    const { p, call, fail } = await setup();
    const w = threePeople(p);
    const img = w.imgs[0];
    type Reply = { annotatorId: number; undo: number; redo: number; boxes: { id: number; annotatorId: number; classId: number; x: number }[]; diff: { added: { id: number }[] } };
    const before = await call<Reply>('boxes:list', { imageId: img });
    expect(before.annotatorId).toBe(p.annotator.id);

    const r = await call<Reply>('consensus:resolve', { imageId: img, take: { annotator: 'ana' } });
    const author = agreementRepo(p.db).consensusAuthor()!;
    expect(r.annotatorId).toBe(author.id);
    expect((await call<Reply>('boxes:list', { imageId: img })).annotatorId).toBe(author.id);
    const taken = p.boxes.forImage(img, author.id);
    expect(taken).toHaveLength(2);
    const bus = taken.find((b) => b.classId === w.bus)!;
    const pick = (b: typeof bus) => ({ id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h });

    // Reclassify the taken bus as a car, delete nothing, draw the box cy found and ana missed.
    const e1 = await call<Reply>('boxes:apply', { imageId: img, diff: { added: [], updated: [[pick(bus), { ...pick(bus), classId: w.car }]], removed: [] } });
    const e2 = await call<Reply>('boxes:apply', { imageId: img, diff: { added: [{ classId: w.car, x: 500, y: 20, w: 40, h: 40 }], updated: [], removed: [] } });
    expect([e1.annotatorId, e2.annotatorId, e2.undo]).toEqual([author.id, author.id, 3]);
    const finals = () => consensusBoxes(p, img).map((b) => [b.classId, b.x, b.y, b.w, b.h]).sort();
    expect(finals()).toEqual([[w.car, 10, 10, 100, 100], [w.car, 300, 300, 50, 50], [w.car, 500, 20, 40, 40]].sort());
    // the export takes the corrected labels, still resolved; ana's own boxes are untouched
    expect(planLabels(p.db, [img], 'final').sources.get(img)).toEqual({ annotatorId: author.id, runId: null });
    expect(p.assignments.get(img, author.id)).toBe('done');
    expect(p.boxes.forImage(img, w.ana).map((b) => b.classId).sort()).toEqual([w.car, w.bus].sort());
    // both are the lead's edits and name the final labels' author
    const edit = p.edits.lastApplied(img, p.annotator.id)!;
    expect(edit.diff).toMatchObject({ author: author.id, finalLabels: true });
    // another person's box is still refused
    const anaBox = p.boxes.forImage(img, w.ana)[0];
    expect((await fail('boxes:apply', { imageId: img, diff: { added: [], updated: [], removed: [pick(anaBox)] } })).code).toBe('forbidden');

    // undo walks back the two corrections, then the resolution; redo forward again
    await call('edits:undo', { imageId: img });
    await call('edits:undo', { imageId: img });
    expect(finals()).toEqual([[w.car, 10, 10, 100, 100], [w.bus, 300, 300, 50, 50]].sort());
    const u3 = await call<Reply>('edits:undo', { imageId: img });
    expect(consensusBoxes(p, img)).toEqual([]);
    expect(u3.annotatorId).toBe(p.annotator.id);
    for (let k = 0; k < 3; k++) await call('edits:redo', { imageId: img });
    expect(finals()).toEqual([[w.car, 10, 10, 100, 100], [w.car, 300, 300, 50, 50], [w.car, 500, 20, 40, 40]].sort());

    // on an image nobody resolved, the lead's boxes are the lead's own work
    const other = w.imgs[1];
    const own = await call<Reply>('boxes:apply', { imageId: other, diff: { added: [{ classId: w.car, x: 1, y: 1, w: 9, h: 9 }], updated: [], removed: [] } });
    expect(own.annotatorId).toBe(p.annotator.id);
    expect(p.boxes.get(own.diff.added[0].id)!.annotatorId).toBe(p.annotator.id);
    expect(consensusBoxes(p, other)).toEqual([]);

    // an annotator on the resolved image edits only their own boxes
    await call('session:identify', { name: 'ana', role: 'annotator' });
    expect((await call<Reply>('boxes:list', { imageId: img })).annotatorId).toBe(w.ana);
  });

  it('refuses a non-lead, an unknown person, an image with one person done, an unknown image; nothing changes', async () => {
    const { p, call, fail } = await setup();
    const w = threePeople(p);
    const before = snapshot(p);
    const e1 = await fail('consensus:resolve', { imageId: w.imgs[0], take: { annotator: 'zed' } });
    expect([e1.code, e1.message]).toEqual(['not_found', expect.stringMatching(/No person named "zed".*ana, bo, cy/)]);
    const e2 = await fail('consensus:resolve', { imageId: w.imgs[2], take: { consensus: {} } });
    expect([e2.code, e2.message]).toEqual(['bad_request', expect.stringMatching(/one person/)]);
    expect((await fail('consensus:resolve', { imageId: 999, take: { annotator: 'ana' } })).code).toBe('not_found');
    expect((await fail('consensus:resolve', { imageId: w.imgs[0], take: { consensus: { quorum: 0 } } })).code).toBe('bad_request');
    const snap = snapshot(p);
    expect(snap).toBe(before);
    await call('session:identify', { name: 'ana', role: 'annotator' });
    const e3 = await fail('consensus:resolve', { imageId: w.imgs[0], take: { annotator: 'bo' } });
    expect(e3.code).toBe('forbidden');
    // identify wrote only the remembered identity
    expect(agreementRepo(p.db).consensusAuthor()).toBeUndefined();
    expect(p.edits.depth(w.imgs[0], p.annotator.id)).toEqual({ undo: 0, redo: 0 });
  });
});

describe('consensus merge of the project', () => {
  it('merges unresolved images, never overwrites a resolution, and is idempotent', async () => {
    const { s, p, call } = await setup();
    const w = threePeople(p);
    await call('consensus:resolve', { imageId: w.imgs[0], take: { annotator: 'bo' } });
    const boBoxes = w.byImage.get(w.imgs[0])!.get(w.bo)!.map(({ id: _id, ...b }) => b);
    const merge = async (req: unknown) => {
      const job = await call<{ id: string }>('consensus:merge', req);
      const info = await s.jobs.wait(job.id);
      expect(info.error).toBeNull();
      return info.result;
    };
    expect(await merge({})).toMatchObject({ shared: 3, merged: 2, alreadyResolved: 1, iou: 0.5, quorum: null, consensus: 'consensus' });
    expect(consensusBoxes(p, w.imgs[0])).toEqual(boBoxes);
    const a = agreementRepo(p.db).consensusAuthor()!;
    expect(p.assignments.get(w.imgs[1], a.id)).toBe('done');
    expect(p.assignments.get(w.imgs[3], a.id)).toBe('done');
    expect(p.assignments.get(w.imgs[2], a.id)).toBeUndefined();
    const snap = snapshot(p);
    expect(await merge({ iou: 0.7, quorum: 2 })).toMatchObject({ shared: 3, merged: 0, alreadyResolved: 3, boxes: 0, iou: 0.7, quorum: 2 });
    expect(snapshot(p)).toBe(snap);
    // each merged image is an undoable edit
    await call('edits:undo', { imageId: w.imgs[1] });
    expect(p.assignments.get(w.imgs[1], a.id)).toBeUndefined();
  });

  it('cancelled between images leaves each image merged whole or untouched, and a second run finishes the same as one run', async () => {
    const build = async () => {
      const { p } = await setup();
      const car = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
      const people = ['ana', 'bo', 'cy'].map((n) => p.annotators.ensure(n, 'human').id);
      for (let i = 0; i < 12; i++) {
        const img = addImageRow(p);
        people.forEach((who, k) => {
          draw(p, img, who, car, [10 + k, 10, 50, 50]);
          if (k !== i % 3) draw(p, img, who, car, [200, 200 + k, 40, 40]);
          done(p, img, who);
        });
      }
      return p;
    };
    const once = await build();
    const full = await mergeAllJob(once, {});
    expect(full.merged).toBe(12);

    const p = await build();
    const ctl = new AbortController();
    let slices = 0;
    const progress = () => {
      if (++slices === 5) ctl.abort();
    };
    // sliceMs 0: one image per transaction, so the cancel lands after a known number of images
    await expect(mergeAllJob(p, {}, { signal: ctl.signal, progress }, { sliceMs: 0 })).rejects.toThrow(/cancelled after 4 of 12 images/);
    const a = agreementRepo(p.db).consensusAuthor()!;
    const mergedIds = p.images.allIds().filter((id) => p.assignments.get(id, a.id) === 'done');
    expect(mergedIds).toHaveLength(4);
    for (const id of p.images.allIds()) expect(p.boxes.forImage(id, a.id).length > 0).toBe(mergedIds.includes(id));
    const rest = await mergeAllJob(p, {});
    expect(rest).toMatchObject({ merged: 8, alreadyResolved: 4 });
    const consensusOf = (q: Project) => {
      const c = agreementRepo(q.db).consensusAuthor()!;
      return q.images.allIds().map((id) => q.boxes.forImage(id, c.id).map((b) => [b.classId, b.x, b.y, b.w, b.h]));
    };
    expect(consensusOf(p)).toEqual(consensusOf(once));
  });

  it('refuses a non-lead, bad parameters and a project with no shared done work, changing nothing', async () => {
    const { p, call, fail } = await setup();
    const lone = addImageRow(p);
    const ana = p.annotators.ensure('ana', 'human').id;
    done(p, lone, ana);
    const e0 = await fail('consensus:merge', {});
    expect(e0.message).toMatch(/No image has done work from two or more people/);
    threePeople(p);
    const before = snapshot(p);
    expect((await fail('consensus:merge', { iou: 0 })).code).toBe('bad_request');
    expect((await fail('consensus:merge', { iou: 1.5 })).code).toBe('bad_request');
    expect((await fail('consensus:merge', { quorum: 0 })).code).toBe('bad_request');
    await expect(mergeAllJob(p, { iou: 0 })).rejects.toThrow(/IoU threshold/);
    expect(snapshot(p)).toBe(before);
    await call('session:identify', { name: 'ana', role: 'annotator' });
    const asAnnotator = snapshot(p);
    const e = await fail('consensus:merge', {});
    expect(e.code).toBe('forbidden');
    expect(e.message).toMatch(/Only the lead/);
    expect(agreementRepo(p.db).consensusAuthor()).toBeUndefined();
    expect(snapshot(p)).toBe(asAnnotator);
  });
});
