import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementResult } from '../../app/contract/jobResults.ts';
import { createDispatcher, type Dispatch } from '../../app/hosts/dispatcher.ts';
import { Session } from '../../app/services/Session.ts';
import { buildDemo, DEMO_REFERENCE, DEMO_SEED } from '../../scripts/demo-build.ts';
import { CONFUSABLE, DEMO_PEOPLE, noisyBoxes, pickSlice, sliceSize } from './annotators.ts';
import type { DemoEntry, DemoManifest } from './generate.ts';

const COUNT = 24;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-demo-people-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const quiet = () => {};

let file = '';
let manifest: DemoManifest;
beforeAll(async () => {
  file = await buildDemo({ dir: path.join(tmp, 'a'), count: COUNT, log: quiet });
  manifest = JSON.parse(fs.readFileSync(path.join(tmp, 'a', 'images', 'manifest.json'), 'utf8')) as DemoManifest;
}, 120_000);

async function open(f: string): Promise<{ session: Session; d: Dispatch }> {
  const session = new Session('test');
  const d = createDispatcher(session);
  const r = await d('project:open', { file: f });
  if (!r.ok) throw new Error(r.error.message);
  return { session, d };
}

async function value<T>(p: Promise<{ ok: true; value: unknown } | { ok: false; error: { message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value as T;
}

/** Every human's boxes and done marks, by person and image path, in a stable order. */
function work(session: Session) {
  const db = session.project.db;
  return {
    boxes: db
      .prepare(
        `SELECT a.name, i.path, c.name AS cls, b.x, b.y, b.w, b.h FROM boxes b JOIN annotators a ON a.id = b.annotator_id
         JOIN images i ON i.id = b.image_id JOIN classes c ON c.id = b.class_id WHERE a.kind = 'human' ORDER BY a.name, i.path, b.x, b.y, b.w, b.h, c.name`,
      )
      .all(),
    done: db
      .prepare(`SELECT a.name, i.path, s.origin FROM assignments s JOIN annotators a ON a.id = s.annotator_id JOIN images i ON i.id = s.image_id WHERE s.status = 'done' ORDER BY a.name, i.path`)
      .all(),
    agreement: db.prepare('SELECT i.path, g.agreement FROM image_agreement g JOIN images i ON i.id = g.image_id ORDER BY i.path').all(),
  };
}

describe('the shared slice and its noise', () => {
  const entry = (over: Partial<DemoEntry>): DemoEntry => ({ file: 'f.jpg', width: 640, height: 480, camera: 'nominal', shift: 'day', defectSize: 'large', part: 'flange', boxes: [], ...over });

  it('is a quarter of the images, half of it night frames where there are enough, the same for a seed', () => {
    const images = Array.from({ length: 40 }, (_, i) => ({ shift: i % 4 === 0 ? ('night' as const) : ('day' as const) }));
    const slice = pickSlice(7, images);
    expect(slice).toHaveLength(sliceSize(40));
    expect(sliceSize(40)).toBe(10);
    expect(new Set(slice).size).toBe(slice.length);
    expect(slice.filter((i) => images[i].shift === 'night')).toHaveLength(5);
    expect(pickSlice(7, images)).toEqual(slice);
    expect(pickSlice(8, images)).not.toEqual(slice);
    // Only night frames, or none: the slice is still full size.
    expect(pickSlice(7, images.map(() => ({ shift: 'night' as const })))).toHaveLength(10);
    expect(pickSlice(7, images.map(() => ({ shift: 'day' as const })))).toHaveLength(10);
    expect(pickSlice(7, [])).toEqual([]);
    expect(sliceSize(1)).toBe(1);
  });

  it('jitters, swaps confusable classes, misses small boxes and adds boxes, deterministically and inside the image', () => {
    const truth = Array.from({ length: 400 }, (_, i) => ({ class: (['scratch', 'crack', 'dent', 'stain'] as const)[i % 4], x: 600, y: 440, w: i % 2 ? 40 : 8, h: i % 2 ? 40 : 8 }));
    const images = truth.map((b, i) => entry({ file: `${i}.jpg`, shift: i % 3 ? 'day' : 'night', boxes: [b] }));
    const out = images.map((e) => noisyBoxes(1, 'ben', e));
    expect(images.map((e) => noisyBoxes(1, 'ben', e))).toEqual(out);
    expect(images.map((e) => noisyBoxes(1, 'chloe', e))).not.toEqual(out);
    let swapped = 0;
    let missedSmall = 0;
    let missedLarge = 0;
    let extra = 0;
    let jittered = 0;
    out.forEach((boxes, i) => {
      const t = truth[i];
      const near = boxes.filter((b) => Math.abs(b.x - t.x) < t.w / 2 && Math.abs(b.y - t.y) < t.h / 2);
      extra += boxes.length - near.length;
      if (near.length === 0) (t.w < 12 ? missedSmall++ : missedLarge++);
      for (const b of near) {
        if (b.class !== t.class) {
          expect(b.class).toBe(CONFUSABLE[t.class]);
          swapped++;
        }
        if (b.x !== t.x || b.w !== t.w) jittered++;
      }
      for (const b of boxes) {
        expect(b.x).toBeGreaterThanOrEqual(0);
        expect(b.y).toBeGreaterThanOrEqual(0);
        expect(b.x + b.w).toBeLessThanOrEqual(640 + 1e-9);
        expect(b.y + b.h).toBeLessThanOrEqual(480 + 1e-9);
      }
    });
    expect(swapped).toBeGreaterThan(0);
    expect(missedSmall).toBeGreaterThan(0);
    expect(missedLarge).toBe(0);
    expect(extra).toBeGreaterThan(0);
    expect(jittered).toBeGreaterThan(300);
  });
});

describe('the demo project', () => {
  it('has three people with done marks on the seeded slice, and the reference alone everywhere else', async () => {
    const { session } = await open(file);
    try {
      const slice = pickSlice(DEMO_SEED, manifest.images).map((i) => manifest.images[i].file);
      expect(slice).toHaveLength(sliceSize(COUNT));
      expect(slice.some((f) => manifest.images.find((e) => e.file === f)!.shift === 'night')).toBe(true);
      const { done } = work(session);
      // The people with done work (the person the project was opened as has none).
      expect([...new Set(done.map((r: any) => r.name))].sort()).toEqual([DEMO_REFERENCE, ...DEMO_PEOPLE].sort());
      for (const name of DEMO_PEOPLE) expect(session.project.annotators.byName(name)?.kind).toBe('human');
      for (const person of DEMO_PEOPLE) {
        expect(done.filter((r: any) => r.name === person).map((r: any) => r.path)).toEqual([...slice].sort());
      }
      expect(done.filter((r: any) => r.name === DEMO_REFERENCE)).toHaveLength(COUNT);
      expect(new Set(done.map((r: any) => r.origin))).toEqual(new Set(['import']));
      // The agreement report ran at build, so the dashboard and the agreement order have data on first start.
      expect(work(session).agreement.map((r: any) => r.path)).toEqual([...slice].sort());
    } finally {
      await session.close();
    }
  });

  it('gives a non-trivial agreement report and a disagreement queue for the lead', async () => {
    const { session, d } = await open(file);
    try {
      const job = await value<{ id: string }>(d('agreement:start', {}));
      const r = (await session.jobs.wait(job.id)).result as AgreementResult;
      expect(r.images).toBe(sliceSize(COUNT));
      expect(r.meanAgreement!).toBeGreaterThan(0);
      expect(r.meanAgreement!).toBeLessThan(1);
      expect(r.alpha!).toBeGreaterThan(0);
      expect(r.alpha!).toBeLessThan(1);
      const total = r.pairs.reduce(
        (s, p) => ({ other: s.other + p.counts.matchedOther, onlyA: s.onlyA + p.counts.onlyA, onlyB: s.onlyB + p.counts.onlyB }),
        { other: 0, onlyA: 0, onlyB: 0 },
      );
      expect(total.other).toBeGreaterThan(0);
      expect(total.onlyA).toBeGreaterThan(0);
      expect(total.onlyB).toBeGreaterThan(0);
      expect(r.pairs.map((p) => [p.aName, p.bName].sort().join('/')).sort()).toEqual(['ben/chloe', `ben/${DEMO_REFERENCE}`, `chloe/${DEMO_REFERENCE}`].sort());

      await value(d('session:identify', { name: 'lead', role: 'lead' }));
      const queue = await value<{ total: number; items: { id: number }[] }>(d('images:list', { offset: 0, limit: 100, order: 'agreement', filter: { minDone: 2 } }));
      expect(queue.total).toBe(sliceSize(COUNT));
      // Worst agreement first.
      const agreementOf = new Map(r.perImage.map((p) => [p.imageId, p.agreement]));
      const inQueue = queue.items.map((i) => agreementOf.get(i.id)!);
      expect(inQueue).toEqual([...inQueue].sort((x, y) => x - y));
      expect(inQueue[0]).toBeLessThan(1);
    } finally {
      await session.close();
    }
  });

  it('exports its final labels with the slice listed as unresolved, and evaluates against them', async () => {
    const { session, d } = await open(file);
    try {
      const out = path.join(tmp, 'export');
      const job = await value<{ id: string }>(d('export:start', { format: 'coco', out, images: 'none' }));
      const done = await session.jobs.wait(job.id);
      expect(done.state, done.error ?? '').toBe('done');
      const summary = done.result as { images: number; skipped: { reason: string; count: number }[]; skippedCount: number };
      expect(summary.images + summary.skippedCount).toBe(COUNT);
      expect(summary.skipped).toEqual([expect.objectContaining({ reason: 'unresolved', count: sliceSize(COUNT) })]);

      const runs = await value<{ id: number }[]>(d('runs:list', {}));
      const ev = await value<{ id: string }>(d('evaluation:start', { runId: runs[0].id }));
      const report = (await session.jobs.wait(ev.id)).result as { reviewed: number };
      expect(report.reviewed).toBe(COUNT - sliceSize(COUNT));
    } finally {
      await session.close();
    }
  });

  it('is the same project for the same seed, and a second build returns the path', async () => {
    const dir = path.join(tmp, 'b');
    fs.mkdirSync(dir);
    fs.cpSync(path.join(tmp, 'a', 'images'), path.join(dir, 'images'), { recursive: true });
    const again = await buildDemo({ dir, count: COUNT, log: quiet });
    const mtime = fs.statSync(again).mtimeMs;
    expect(await buildDemo({ dir, count: COUNT, log: () => expect.unreachable('a second build logs nothing') })).toBe(again);
    expect(fs.statSync(again).mtimeMs).toBe(mtime);
    const a = await open(file);
    const b = await open(again);
    try {
      expect(work(b.session)).toEqual(work(a.session));
    } finally {
      await a.session.close();
      await b.session.close();
    }
  });
});
