import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagRepo } from '../store/FlagRepo.ts';
import type { Project } from '../store/Project.ts';
import { leadSession, snapshot, tempDir } from '../../test/unit/fixtures.ts';
import { writeScene } from '../../test/unit/scenes.ts';
import type { JobInfo } from '../jobs/JobRunner.ts';
import type { FlagsSummary } from './flags.ts';

/** A reference folder of 20 scenes, and a project of 4 held-out scenes, a darkened and a blurred one. */
async function setup() {
  const root = tempDir();
  const ref = path.join(root, 'reference');
  for (let i = 1; i <= 20; i++) await writeScene(path.join(ref, `r${i}.jpg`), i);
  const imgs = path.join(root, 'images');
  for (let i = 0; i < 4; i++) await writeScene(path.join(imgs, `held-${i}.jpg`), 500 + i);
  await writeScene(path.join(imgs, 'dark.jpg'), 600, 'darken');
  await writeScene(path.join(imgs, 'soft.jpg'), 601, 'blur');
  const t = await leadSession();
  const job = await t.call<JobInfo>('images:import', { dir: imgs });
  await t.s.jobs.wait(job.id);
  return { ...t, root, ref, imgs };
}

async function runJob(t: Awaited<ReturnType<typeof setup>>, req: unknown): Promise<JobInfo & { result: FlagsSummary }> {
  const job = await t.call<JobInfo>('flags:start', req);
  return (await t.s.jobs.wait(job.id)) as JobInfo & { result: FlagsSummary };
}

const idOf = (p: Project, rel: string) => flagRepo(p.db).images().find((i) => i.path === rel)!.id;

/** A model run with predictions (class, score) per image, as a pre-label run stores them. */
function addRun(p: Project, name: string, perImage: Record<string, [number, number][]>): number {
  return p.db.transaction(() => {
    const author = p.annotators.ensure(name, 'model');
    const run = p.models.insertRun(null, author.id, `hash-${name}`, name, '{}', new Date().toISOString());
    for (const [rel, boxes] of Object.entries(perImage)) {
      const imageId = idOf(p, rel);
      for (const [classId, score] of boxes) {
        p.boxes.insert({ imageId, annotatorId: author.id, modelRunId: run, classId, x: 1, y: 1, w: 5, h: 5, score, provenance: 'predicted', sourceBoxId: null });
      }
      p.models.markImage(run, imageId, 'done', null, boxes.length, new Date().toISOString());
    }
    return run;
  })();
}

describe('flags job', () => {
  it('computes statistics once, flags drift on the darkened and blurred images only, and keeps them on a second run', async () => {
    const t = await setup();
    const done = await runJob(t, { referenceDir: t.ref });
    expect(done.state, done.error ?? '').toBe('done');
    expect(done.result.stats).toMatchObject({ images: 6, computed: 6, kept: 0, failed: [] });
    expect(done.result.reference).toMatchObject({ images: 20, unreadable: 0 });
    expect(done.result.flagged).toEqual({ drift: 2 });
    const rows = flagRepo(t.p.db).images();
    for (const r of rows) expect(Object.keys(JSON.parse(r.stats!))).toEqual(['v', 'brightness', 'contrast', 'sharpness', 'colourfulness', 'width', 'height']);
    const flagged = rows.filter((r) => flagRepo(t.p.db).forImage(r.id).length).map((r) => r.path).sort();
    expect(flagged).toEqual(['dark.jpg', 'soft.jpg']);
    const dark = await t.call<{ reason: string; score: number; details: any }[]>('flags:list', { imageId: idOf(t.p, 'dark.jpg') });
    expect(dark).toHaveLength(1);
    expect(dark[0].reason).toBe('drift');
    expect(dark[0].details.features.brightness.z).toBeGreaterThan(3.5);
    expect(dark[0].details.features.brightness.value).toBeLessThan(dark[0].details.features.brightness.median);
    expect(Object.keys(dark[0].details.features)).toEqual(['brightness', 'contrast', 'sharpness', 'colourfulness', 'resolution']);

    const again = await runJob(t, { referenceDir: t.ref });
    expect(again.result.stats).toMatchObject({ computed: 0, kept: 6 });
    expect(again.result.flagged).toEqual({ drift: 2 });
    expect(t.p.db.prepare("SELECT count(*) FROM flags WHERE reason = 'drift'").pluck().get()).toBe(2);
  });

  it('flags low confidence and a class mix unlike the reference run', async () => {
    const t = await setup();
    const a = t.p.classes.list()[0]?.id ?? (await t.call<{ id: number }>('classes:create', { name: 'car' })).id;
    const b = (await t.call<{ id: number }>('classes:create', { name: 'bus' })).id;
    const ref = addRun(t.p, 'ref', { 'held-0.jpg': [[a, 0.9], [a, 0.9], [a, 0.9]], 'held-1.jpg': [[a, 0.8], [b, 0.8], [a, 0.8]] });
    const run = addRun(t.p, 'det', {
      'held-0.jpg': [[a, 0.9], [b, 0.8]], // sure, a mix like the reference's
      'held-1.jpg': [[a, 0.3], [a, 0.4], [a, 0.45]], // nothing sure, three uncertain
      'held-2.jpg': [], // nothing found
      'held-3.jpg': [[b, 0.95], [b, 0.9], [b, 0.7]], // sure, but only buses
    });
    const done = await runJob(t, { runId: run, referenceRunId: ref });
    expect(done.state, done.error ?? '').toBe('done');
    expect(done.result.flagged).toEqual({ 'low-confidence': 2, 'class-mix': 1 });
    const f = (rel: string) => flagRepo(t.p.db).forImage(idOf(t.p, rel));
    expect(f('held-0.jpg')).toEqual([]);
    const lc1 = f('held-1.jpg').find((x) => x.reason === 'low-confidence')!;
    // the larger of 1 − max/threshold and u / (u + many)
    expect(lc1.score).toBeCloseTo(Math.max(1 - 0.45 / 0.5, 3 / (3 + 3)), 12);
    expect(JSON.parse(lc1.details)).toMatchObject({ predictions: 3, maxScore: 0.45, uncertain: 3 });
    expect(f('held-2.jpg').map((x) => [x.reason, x.score])).toEqual([['low-confidence', 1]]);
    const mix = f('held-3.jpg');
    expect(mix.map((x) => x.reason)).toEqual(['class-mix']);
    // P = (0, 1), Q = (5/6, 1/6): JS in bits, computed by hand.
    const q = [5 / 6, 1 / 6];
    const m = [q[0] / 2, (1 + q[1]) / 2];
    const js = 0.5 * Math.log2(1 / m[1]) + 0.5 * (q[0] * Math.log2(q[0] / m[0]) + q[1] * Math.log2(q[1] / m[1]));
    expect(mix[0].score).toBeCloseTo(js, 12);
    expect(JSON.parse(mix[0].details).image).toEqual({ bus: 1 });

    const same = await t.fail('flags:start', { runId: run, referenceRunId: run });
    expect(same.message).toMatch(/both the run flagged and the reference/);
    const none = await t.fail('flags:start', { runId: 999 });
    expect(none).toMatchObject({ code: 'not_found', message: expect.stringMatching(/No model run 999.*runs: /) });
  });

  it('imports a flags file, and refuses unknown files, malformed lines and wrong columns with file:line, writing nothing', async () => {
    const t = await setup();
    const csv = path.join(t.root, 'monitor.csv');
    fs.writeFileSync(csv, 'file,reason,score,details\nheld-0.jpg,night-shift,0.7,"{""camera"": 3}"\n' + `${path.join(t.imgs, 'dark.jpg')},night-shift,0.2,\nimages/soft.jpg,blur-alarm,1,\n`);
    const ok = await runJob(t, { sidecar: csv });
    expect(ok.state, ok.error ?? '').toBe('done');
    expect(ok.result.flagged).toEqual({ 'night-shift': 2, 'blur-alarm': 1 });
    expect(flagRepo(t.p.db).forImage(idOf(t.p, 'held-0.jpg'))).toEqual([{ imageId: idOf(t.p, 'held-0.jpg'), reason: 'night-shift', score: 0.7, details: '{"camera":3}' }]);
    const json = path.join(t.root, 'monitor.json');
    fs.writeFileSync(json, JSON.stringify([{ file: 'held-1.jpg', reason: 'night-shift', score: 0.4 }], null, 1));
    expect((await runJob(t, { sidecar: json })).result.flagged).toEqual({ 'night-shift': 1 });
    const before = snapshot(t.p);
    const bad: [string, string, RegExp][] = [
      ['unknown.csv', 'file,reason,score\nheld-0.jpg,x,1\nnope.jpg,x,1\n', /unknown\.csv:3: no image "nope\.jpg" in this project/],
      ['malformed.csv', 'file,reason,score\nheld-0.jpg,x,1\nheld-1.jpg,x\n', /malformed\.csv:3: .*(column|record)/i],
      ['score.csv', 'file,reason,score\nheld-0.jpg,x,high\n', /score\.csv:2: score must be a number, got "high"/],
      ['columns.csv', 'image,why,score\nheld-0.jpg,x,1\n', /columns\.csv:1: the header row must be file,reason,score\[,details\], got "image", "why", "score"/],
      ['details.csv', 'file,reason,score,details\nheld-0.jpg,x,1,[1]\n', /details\.csv:2: details must be a JSON object/],
      ['twice.csv', 'file,reason,score\nheld-0.jpg,x,1\nheld-0.jpg,x,0.5\n', /twice\.csv:3: "held-0\.jpg" already has a "x" flag on line 2/],
      ['lines.jsonl', '{"file":"held-0.jpg","reason":"x","score":1}\n{"file":"held-0.jpg",\n', /lines\.jsonl:2: not valid JSON/],
      ['extra.json', '[\n {"file":"held-0.jpg","reason":"x","score":1},\n {"file":"held-1.jpg","reason":"x","score":1,"camera":2}\n]', /extra\.json:3: unknown column "camera"/],
      ['empty.csv', '', /empty\.csv:1: no rows/],
      ['builtin.csv', 'file,reason,score\nheld-0.jpg,drift,1\n', /builtin\.csv:2: reason "drift" is computed by this job too/],
    ];
    for (const [name, text, re] of bad) {
      const file = path.join(t.root, name);
      fs.writeFileSync(file, text);
      const err = await t.fail('flags:start', { sidecar: file, ...(name === 'builtin.csv' ? { referenceDir: t.ref } : {}) });
      expect(err.message, name).toMatch(re);
      expect(err.message).toMatch(/no flags were written/);
    }
    expect((await t.fail('flags:start', { sidecar: path.join(t.root, 'missing.csv') })).message).toMatch(/Flags file not found/);
    fs.writeFileSync(path.join(t.root, 'flags.txt'), 'file,reason,score\n');
    expect((await t.fail('flags:start', { sidecar: path.join(t.root, 'flags.txt') })).message).toMatch(/expected a \.csv, \.json or \.jsonl file/);
    expect(snapshot(t.p)).toBe(before);
  });

  it('refuses a missing, empty or unreadable reference folder, and changes nothing', async () => {
    const t = await setup();
    const csv = path.join(t.root, 'm.csv');
    fs.writeFileSync(csv, 'file,reason,score\nheld-0.jpg,alarm,0.5\n');
    await runJob(t, { sidecar: csv });
    const before = flagRepo(t.p.db).counts();
    expect((await t.fail('flags:start', { referenceDir: path.join(t.root, 'nowhere') })).message).toMatch(/Reference folder not found: .*nowhere/);
    expect((await t.fail('flags:start', { referenceDir: csv })).message).toMatch(/must be a folder of images, got a file/);
    const empty = path.join(t.root, 'empty');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'notes.txt'), 'x');
    const e1 = await runJob(t, { referenceDir: empty, sidecar: csv });
    expect(e1.state).toBe('failed');
    expect(e1.error).toMatch(/holds no images/);
    const broken = path.join(t.root, 'broken');
    fs.mkdirSync(broken);
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(broken, `b${i}.jpg`), 'not a jpeg');
    const e2 = await runJob(t, { referenceDir: broken });
    expect(e2.error).toMatch(/None of the 6 images in the reference folder .* could be read/);
    const few = path.join(t.root, 'few');
    for (let i = 0; i < 3; i++) await writeScene(path.join(few, `f${i}.jpg`), i);
    const e3 = await runJob(t, { referenceDir: few });
    expect(e3.error).toMatch(/has 3 readable images; drift needs at least 5/);
    expect(flagRepo(t.p.db).counts()).toEqual(before);
  });

  it('orders the queue by Σ weight(reason) × score, and a weight change re-ranks', async () => {
    const t = await setup();
    const csv = path.join(t.root, 'm.csv');
    // held-0: a 0.9            → 0.9   (weights a=1, b=1)
    // held-1: b 0.6            → 0.6
    // held-2: a 0.3 + b 0.4    → 0.7
    // held-3: none             → 0
    fs.writeFileSync(csv, 'file,reason,score\nheld-0.jpg,a,0.9\nheld-1.jpg,b,0.6\nheld-2.jpg,a,0.3\nheld-2.jpg,b,0.4\n');
    await runJob(t, { sidecar: csv });
    const order = async () => (await t.call<{ items: { path: string }[] }>('images:list', { order: 'priority' })).items.map((i) => i.path);
    expect((await order()).slice(0, 4)).toEqual(['held-0.jpg', 'held-2.jpg', 'held-1.jpg', 'dark.jpg']);
    // b weighs 3: held-1 → 1.8, held-2 → 0.3 + 1.2 = 1.5, held-0 → 0.9
    let w = await t.call<{ reasons: { reason: string; weight: number; count: number }[] }>('flags:setWeight', { reason: 'b', weight: 3 });
    expect(w.reasons).toEqual([{ reason: 'a', count: 2, weight: 1, set: false }, { reason: 'b', count: 2, weight: 3, set: true }]);
    expect((await order()).slice(0, 3)).toEqual(['held-1.jpg', 'held-2.jpg', 'held-0.jpg']);
    const rank = (rel: string) => t.p.db.prepare('SELECT priority FROM image_rank WHERE image_id = ?').pluck().get(idOf(t.p, rel)) as number;
    expect(rank('held-2.jpg')).toBeCloseTo(1.5, 12);
    // a weighs 0: only b counts; back to 1 restores the first order
    await t.call('flags:setWeight', { reason: 'a', weight: 0 });
    expect(rank('held-0.jpg')).toBe(0);
    await t.call('flags:setWeight', { reason: 'a', weight: null });
    w = await t.call('flags:setWeight', { reason: 'b', weight: null });
    expect(w.reasons.every((r) => r.weight === 1)).toBe(true);
    expect((await order()).slice(0, 3)).toEqual(['held-0.jpg', 'held-2.jpg', 'held-1.jpg']);
    expect((await t.fail('flags:setWeight', { reason: 'b', weight: -1 })).code).toBe('bad_request');
  });

  it('keeps the statistics computed before a cancel and the old flags, and the next run computes only what is missing', async () => {
    const t = await setup();
    const more = path.join(t.root, 'more');
    for (let i = 0; i < 40; i++) await writeScene(path.join(more, `m${i}.jpg`), 700 + i, 'none', 640, 480);
    await t.s.jobs.wait((await t.call<JobInfo>('images:import', { dir: more })).id);
    const csv = path.join(t.root, 'm.csv');
    fs.writeFileSync(csv, 'file,reason,score\nheld-0.jpg,alarm,0.5\n');
    // Old flags: the alarm from a previous run.
    const first = await runJob(t, { sidecar: path.join(csv) });
    expect(first.result.stats.computed).toBe(46);
    t.p.db.prepare('UPDATE images SET stats = NULL').run();
    fs.writeFileSync(csv, 'file,reason,score\nheld-1.jpg,alarm,0.9\n');
    const job = await t.call<JobInfo>('flags:start', { sidecar: csv });
    await new Promise<void>((resolve) => {
      const off = t.s.jobs.on((j) => {
        if (j.id === job.id && j.message === 'Image statistics' && j.done >= 5) {
          off();
          t.s.jobs.cancel(job.id);
          resolve();
        }
      });
    });
    const cancelled = await t.s.jobs.wait(job.id);
    expect(cancelled.state).toBe('cancelled');
    const kept = flagRepo(t.p.db).images().filter((i) => i.stats !== null).length;
    expect(kept).toBeGreaterThanOrEqual(5);
    expect(kept).toBeLessThan(46);
    expect(flagRepo(t.p.db).forImage(idOf(t.p, 'held-0.jpg')).map((f) => f.reason)).toEqual(['alarm']);
    expect(flagRepo(t.p.db).forImage(idOf(t.p, 'held-1.jpg'))).toEqual([]);
    const resumed = await runJob(t, { sidecar: csv });
    expect(resumed.result.stats).toMatchObject({ kept, computed: 46 - kept });
    expect(flagRepo(t.p.db).forImage(idOf(t.p, 'held-0.jpg'))).toEqual([]);
    expect(flagRepo(t.p.db).forImage(idOf(t.p, 'held-1.jpg')).map((f) => f.score)).toEqual([0.9]);
  });
});
