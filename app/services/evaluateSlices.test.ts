import { describe, expect, it } from 'vitest';
import { addImageRow, newProject, newSession, tableCounts } from '../../test/unit/fixtures.ts';
import { EvaluationReport } from '../contract/schemas.ts';
import { createDispatcher } from '../hosts/dispatcher.ts';
import { mulberry32 } from '../domain/random.ts';
import { cocoEvaluate, type EvalDt, type EvalGt } from '../metrics/cocoEval.ts';
import type { Project } from '../store/Project.ts';
import { evaluateRun, type RunEvaluation } from './evaluate.ts';

/**
 * Twenty-four images in two shifts over three capture weeks (and three without a time),
 * flagged low-confidence / drift (scores spread over three terciles) / change, a
 * person's reference boxes of two classes, and two model runs: a good one and a noisy
 * one that missed more. Every image is done and covered by both runs.
 */
function build(p: Project) {
  const rand = mulberry32(77);
  const classes = [p.classes.insert({ name: 'crack', color: '#ff0000', hotkey: null }), p.classes.insert({ name: 'dent', color: '#00ff00', hotkey: null })];
  const ref = p.annotators.ensure('reference', 'human').id;
  const bot = p.annotators.ensure('detector', 'model').id;
  const latency = { p50Ms: 12.5, p95Ms: 15, runs: 20 };
  const good = p.models.insertRun(p.models.insert({ name: 'big', path: 'big.onnx', sha256: 'h1', info: '{}', classMap: '[]', latency: JSON.stringify(latency), addedAt: 'now' }), bot, 'h1', 'big', '{}', 'now');
  const noisy = p.models.insertRun(p.models.insert({ name: 'small', path: 'small.onnx', sha256: 'h2', info: '{}', classMap: '[]', latency: JSON.stringify({ ...latency, p50Ms: 4 }), addedAt: 'now' }), bot, 'h2', 'small', '{}', 'now');
  const unmeasured = p.models.insertRun(p.models.insert({ name: 'new', path: 'new.onnx', sha256: 'h3', info: '{}', classMap: '[]', latency: null, addedAt: 'now' }), bot, 'h3', 'new', '{}', 'now');
  const img: number[] = [];
  const gt: EvalGt[] = [];
  const dt: Record<number, EvalDt[]> = { [good]: [], [noisy]: [], [unmeasured]: [] };
  const weeks = ['2026-11-23T08:00:00', '2026-11-30T22:10:00+01:00', '2026-12-07T00:00:01Z'];
  for (let i = 0; i < 24; i++) {
    const id = addImageRow(p);
    img.push(id);
    p.images.setMetadata(id, JSON.stringify({ shift: i % 2 ? 'night' : 'day' }));
    if (i >= 3) p.db.prepare('UPDATE images SET captured_at = ? WHERE id = ?').run(weeks[i % 3], id);
    if (i % 4 === 0) p.db.prepare("INSERT INTO flags (image_id, reason, score, details) VALUES (?, 'low-confidence', 0.6, '{}')").run(id);
    if (i % 2 === 0) p.db.prepare("INSERT INTO flags (image_id, reason, score, details) VALUES (?, 'drift', ?, '{\"z\": 4}')").run(id, 0.5 + i / 50);
    if (i === 5) p.db.prepare("INSERT INTO flags (image_id, reason, score, details) VALUES (?, 'change', NULL, '{}')").run(id);
    const n = 1 + Math.floor(rand() * 4);
    for (let b = 0; b < n; b++) {
      const classId = classes[Math.floor(rand() * 2)];
      const bbox: [number, number, number, number] = [rand() * 400, rand() * 300, 10 + rand() * 150, 10 + rand() * 120];
      p.boxes.insert({ imageId: id, annotatorId: ref, classId, x: bbox[0], y: bbox[1], w: bbox[2], h: bbox[3], score: null, provenance: 'imported', modelRunId: null, sourceBoxId: null });
      gt.push({ imageId: id, categoryId: classId, bbox });
      for (const [run, hit, jitter] of [
        [good, 0.9, 0.1],
        [noisy, i % 2 ? 0.3 : 0.7, 0.4],
      ] as const) {
        if (rand() > hit) continue;
        const j = () => (rand() - 0.5) * jitter;
        const d: [number, number, number, number] = [bbox[0] + j() * bbox[2], bbox[1] + j() * bbox[3], bbox[2] * (1 + j()), bbox[3] * (1 + j())];
        const score = Math.round(rand() * 20) / 20;
        p.boxes.insert({ imageId: id, annotatorId: bot, classId, x: d[0], y: d[1], w: d[2], h: d[3], score, provenance: 'predicted', modelRunId: run, sourceBoxId: null });
        dt[run].push({ imageId: id, categoryId: classId, bbox: d, score });
      }
    }
    p.assignments.set(id, ref, 'done', 'now');
    for (const run of [good, noisy, unmeasured]) p.models.markImage(run, id, 'done', null, 0, 'now');
  }
  return { classes, ref, good, noisy, unmeasured, img, gt, dt, latency };
}

function expectSliceLikeCoco(r: RunEvaluation, gt: EvalGt[], dt: EvalDt[], imageIds: number[]) {
  const on = new Set(imageIds);
  const want = cocoEvaluate({ imageIds, categoryIds: r.overall.perClass.map((c) => c.categoryId), gt: gt.filter((b) => on.has(b.imageId)), dt: dt.filter((b) => on.has(b.imageId)) });
  return want;
}

describe('evaluation slices by flag, drift and capture week, each with the twelve numbers', () => {
  it("every slice's twelve numbers and per-class AP equal cocoEvaluate on that slice's images", async () => {
    const p = newProject();
    const b = build(p);
    const r = await evaluateRun(p, { runId: b.good, referenceId: b.ref });
    expect(EvaluationReport.parse(r)).toEqual(r);
    const facts = {
      shift: (id: number) => (b.img.indexOf(id) % 2 ? 'night' : 'day'),
    };
    const all = expectSliceLikeCoco(r, b.gt, b.dt[b.good], b.img);
    expect(r.overall.stats).toEqual(all.stats);
    expect(r.overall.perClass).toEqual(all.perCategory);
    // The sets of images each slice should hold, built here from how the project was made.
    const idx = (id: number) => b.img.indexOf(id);
    const expected: Record<string, number[]> = {
      'metadata/shift/day': b.img.filter((id) => facts.shift(id) === 'day'),
      'metadata/shift/night': b.img.filter((id) => facts.shift(id) === 'night'),
      'flag/flag/low-confidence': b.img.filter((id) => idx(id) % 4 === 0),
      'flag/flag/drift': b.img.filter((id) => idx(id) % 2 === 0),
      'flag/flag/change': [b.img[5]],
      'flag/flag/unflagged': b.img.filter((id) => idx(id) % 2 === 1 && idx(id) !== 5),
      // drift scores 0.5 + i/50 for the 12 even i: terciles of 4 each
      'drift/drift/low': b.img.filter((id) => idx(id) % 2 === 0 && idx(id) < 8),
      'drift/drift/mid': b.img.filter((id) => idx(id) % 2 === 0 && idx(id) >= 8 && idx(id) < 16),
      'drift/drift/high': b.img.filter((id) => idx(id) % 2 === 0 && idx(id) >= 16),
      'drift/drift/no drift flag': b.img.filter((id) => idx(id) % 2 === 1),
      'time/week/unknown': b.img.slice(0, 3),
      'time/week/2026-W48': b.img.filter((id) => idx(id) >= 3 && idx(id) % 3 === 0),
      'time/week/2026-W49': b.img.filter((id) => idx(id) >= 3 && idx(id) % 3 === 1),
      'time/week/2026-W50': b.img.filter((id) => idx(id) >= 3 && idx(id) % 3 === 2),
    };
    expect(r.slices.map((s) => `${s.kind}/${s.key}/${s.value}`).sort()).toEqual(Object.keys(expected).sort());
    for (const s of r.slices) {
      const ids = expected[`${s.kind}/${s.key}/${s.value}`];
      const want = expectSliceLikeCoco(r, b.gt, b.dt[b.good], ids);
      expect(s.images, `${s.key}=${s.value}`).toBe(ids.length);
      expect(s.stats, `${s.key}=${s.value}`).toEqual(want.stats);
      expect(s.perClass, `${s.key}=${s.value}`).toEqual(want.perCategory);
      expect([s.ap, s.ap50]).toEqual([want.stats[0], want.stats[1]]);
      expect(s.found + s.missed).toBe(s.gt);
    }
    expect(r.slices.find((s) => s.kind === 'drift' && s.value === 'low')!.scoreRange).toEqual([0.5, 0.5 + 6 / 50]);
    // Order: by kind, then key, within a key the worst AP50 first.
    const kinds = r.slices.map((s) => s.kind);
    expect(kinds).toEqual([...kinds].sort((x, y) => ['metadata', 'flag', 'drift', 'time'].indexOf(x) - ['metadata', 'flag', 'drift', 'time'].indexOf(y)));
    for (const key of ['shift', 'flag', 'drift', 'week']) {
      const ap50 = r.slices.filter((s) => s.key === key).map((s) => s.ap50);
      expect(ap50).toEqual([...ap50].sort((x, y) => x - y));
    }
    // The worst slice is the lowest AP50 of all.
    const lowest = Math.min(...r.slices.map((s) => s.ap50));
    expect(r.worstSlice).toMatchObject({ ap50: lowest });
    expect(r.slices.find((s) => s.kind === r.worstSlice!.kind && s.key === r.worstSlice!.key && s.value === r.worstSlice!.value)!.ap50).toBe(lowest);
  });

  it('one worker per share of the classes gives the report one worker gives, to the last bit', async () => {
    const p = newProject();
    const b = build(p);
    const one = await evaluateRun(p, { runId: b.good, referenceId: b.ref, compareRunId: b.noisy }, undefined, { workers: 1 });
    const two = await evaluateRun(p, { runId: b.good, referenceId: b.ref, compareRunId: b.noisy }, undefined, { workers: 2 });
    expect(two).toEqual(one);
    expect(one.slices.length).toBeGreaterThan(10);
  });

  it('PR curves per class are the precision cocoEvaluate accumulates (IoU 0.50 and the mean over 0.50:0.95)', async () => {
    const p = newProject();
    const b = build(p);
    const r = await evaluateRun(p, { runId: b.noisy, referenceId: b.ref });
    const want = cocoEvaluate({ imageIds: b.img, categoryIds: b.classes, gt: b.gt, dt: b.dt[b.noisy] }, { curves: true });
    expect(r.overall.prCurves.map((c) => c.categoryId)).toEqual(want.curves.perCategory.map((c) => c.categoryId));
    r.overall.prCurves.forEach((c, k) => {
      const pr = want.curves.perCategory[k].precision;
      expect(c.recall).toHaveLength(101);
      expect(c.precision50).toEqual(pr[0]);
      c.precision.forEach((v, i) => expect(v).toBeCloseTo(pr.reduce((s, row) => s + row[i], 0) / pr.length, 12));
    });
  });

  it('two runs side by side: both reports on the same images and B − A of every number, overall and per slice, with each latency', async () => {
    const p = newProject();
    const b = build(p);
    const r = await evaluateRun(p, { runId: b.good, referenceId: b.ref, compareRunId: b.noisy });
    expect(EvaluationReport.parse(r)).toEqual(r);
    const other = r.compare!.other;
    expect(other.run).toEqual({ id: b.noisy, name: 'small' });
    const alone = await evaluateRun(p, { runId: b.noisy, referenceId: b.ref });
    // B's report is what evaluating B alone gives on these (the same) images.
    expect(other.overall.stats).toEqual(alone.overall.stats);
    expect(other.slices).toEqual(alone.slices);
    const d = r.compare!.diff;
    expect(d.overall.stats).toEqual(r.overall.stats.map((a, i) => (a < 0 || other.overall.stats[i] < 0 ? null : other.overall.stats[i] - a)));
    expect(d.overall.found).toBe(other.overall.found - r.overall.found);
    expect(d.slices).toHaveLength(r.slices.length);
    for (const s of d.slices) {
      const a = r.slices.find((x) => x.kind === s.kind && x.key === s.key && x.value === s.value)!;
      const o = other.slices.find((x) => x.kind === s.kind && x.key === s.key && x.value === s.value)!;
      expect(s.ap50).toBe(o.ap50 - a.ap50);
      expect(s.stats).toEqual(a.stats.map((v, i) => (v < 0 || o.stats[i] < 0 ? null : o.stats[i] - v)));
      expect(s.missed).toBe(o.missed - a.missed);
    }
    // the noisy run missed more at night: its night slice is worse
    expect(d.slices.find((s) => s.value === 'night')!.ap50!).toBeLessThan(0);
    // latency of each run's model, and the difference
    expect(r.latency).toEqual(b.latency);
    expect(other.latency).toMatchObject({ p50Ms: 4 });
    expect(d.latencyP50Ms).toBe(4 - 12.5);
    expect(r.worstSlice).not.toBeNull();
    // a model never measured: latency null, and so is its difference
    const u = await evaluateRun(p, { runId: b.good, referenceId: b.ref, compareRunId: b.unmeasured });
    expect([u.compare!.other.latency, u.compare!.diff.latencyP50Ms]).toEqual([null, null]);
  });

  it('refuses an unknown run to compare, a run compared with itself, and a reference with nothing done; stored rows stay as they were', async () => {
    const s = newSession();
    const d = createDispatcher(s);
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const created = await d('project:create', { file: path.join(mkdtempSync(path.join(tmpdir(), 'loupe-eval-')), 'e.loupe') });
    expect(created.ok).toBe(true);
    const b = build(s.project);
    const before = tableCounts(s.project);
    expect(await d('evaluation:start', { runId: b.good, referenceId: b.ref, compareRunId: 999 })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: expect.stringMatching(/No model run 999 in this project to compare with/) },
    });
    expect(await d('evaluation:start', { runId: b.good, referenceId: b.ref, compareRunId: b.good })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/compared with itself/) },
    });
    expect(await d('evaluation:start', { runId: 4242, compareRunId: b.noisy })).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringMatching(/No model run 4242/) } });
    const idle = s.project.annotators.ensure('idle', 'human').id;
    const afterEnsure = tableCounts(s.project);
    expect(await d('evaluation:start', { runId: b.good, referenceId: idle, compareRunId: b.noisy })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/idle has not marked any image done/) },
    });
    expect(await d('evaluation:start', { runId: b.good, compareRunId: 0 })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(tableCounts(s.project)).toEqual(afterEnsure);
    expect(afterEnsure.annotators).toBe(before.annotators + 1);
    // Through the job: the comparison arrives as the job's result, and a cancel ends it.
    const started = await d('evaluation:start', { runId: b.good, referenceId: b.ref, compareRunId: b.noisy });
    if (!started.ok) throw new Error(started.error.message);
    const job = await s.jobs.wait((started.value as { id: string }).id);
    expect(job.state).toBe('done');
    expect(EvaluationReport.parse(job.result).compare!.other.run.id).toBe(b.noisy);
    const again = await d('evaluation:start', { runId: b.good, referenceId: b.ref, compareRunId: b.noisy });
    if (!again.ok) throw new Error(again.error.message);
    const id = (again.value as { id: string }).id;
    await d('jobs:cancel', { id });
    expect((await s.jobs.wait(id)).state).toBe('cancelled');
    expect(tableCounts(s.project)).toEqual(afterEnsure);
  });
});
