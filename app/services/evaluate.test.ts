import { describe, expect, it } from 'vitest';
import { addImageRow, newProject, newSession } from '../../test/unit/fixtures.ts';
import { EvaluationReport } from '../contract/schemas.ts';
import { createDispatcher } from '../hosts/dispatcher.ts';
import type { Project } from '../store/Project.ts';
import { evaluateRun } from './evaluate.ts';

type Rect = [number, number, number, number];

/**
 * Six images, two shifts. Reference (a person who marked images done) against a
 * model run:
 *   day   img1 crack found, img2 dent found
 *   night img3 crack and dent missed, img4 crack missed and one false alarm
 *   img5 has reference boxes but is not done; img6 is done but the run did not reach it.
 */
function build(p: Project) {
  const crack = p.classes.insert({ name: 'crack', color: '#ff0000', hotkey: null });
  const dent = p.classes.insert({ name: 'dent', color: '#00ff00', hotkey: null });
  const ref = p.annotators.ensure('reference', 'human').id;
  const bot = p.annotators.ensure('detector', 'model').id;
  const modelId = p.models.insert({ name: 'detector', path: 'detector.onnx', sha256: 'hash', info: '{}', classMap: '[]', latency: null, addedAt: 'now' });
  const runId = p.models.insertRun(modelId, bot, 'hash', 'detector', '{}', 'now');
  const img = Array.from({ length: 6 }, () => addImageRow(p));
  const shifts = ['day', 'day', 'night', 'night', 'night', 'day'];
  img.forEach((id, i) => p.images.setMetadata(id, JSON.stringify({ shift: shifts[i], line: 7, frame: `f${i}`, nested: { a: 1 } })));
  const gt = (imageId: number, classId: number, [x, y, w, h]: Rect) =>
    p.boxes.insert({ imageId, annotatorId: ref, classId, x, y, w, h, score: null, provenance: 'imported', modelRunId: null, sourceBoxId: null });
  const dt = (imageId: number, classId: number, [x, y, w, h]: Rect, score: number) =>
    p.boxes.insert({ imageId, annotatorId: bot, classId, x, y, w, h, score, provenance: 'predicted', modelRunId: runId, sourceBoxId: null });
  gt(img[0], crack, [10, 10, 20, 20]);
  gt(img[1], dent, [50, 50, 30, 30]);
  gt(img[2], crack, [10, 10, 20, 20]);
  gt(img[2], dent, [40, 40, 10, 10]);
  gt(img[3], crack, [0, 0, 5, 5]);
  gt(img[4], crack, [0, 0, 50, 50]);
  gt(img[5], dent, [0, 0, 50, 50]);
  dt(img[0], crack, [10, 10, 20, 20], 0.9);
  dt(img[1], dent, [50, 50, 30, 30], 0.8);
  dt(img[3], crack, [200, 200, 20, 20], 0.7);
  for (const id of [img[0], img[1], img[2], img[3], img[5]]) p.assignments.set(id, ref, 'done', 'now');
  p.assignments.set(img[4], ref, 'in_progress', 'now');
  for (const id of img.slice(0, 5)) p.models.markImage(runId, id, 'done', null, 0, 'now');
  return { crack, dent, ref, bot, runId, img };
}

describe('evaluating a model run against a reference, slice by slice', () => {
  it('counts found, missed and false alarms, computes COCO AP per slice, and ranks the worst slice first', async () => {
    const p = newProject();
    const { ref, runId, crack, dent } = build(p);
    const r = await evaluateRun(p, { runId, referenceId: ref });
    expect(EvaluationReport.parse(r)).toEqual(r);
    expect(r).toMatchObject({ reviewed: 5, notRun: 1, run: { id: runId, name: 'detector' }, reference: { id: ref, name: 'reference' } });
    expect(r.overall).toMatchObject({ images: 4, gt: 5, dt: 3, found: 2, missed: 3, falseAlarms: 1 });
    // crack: TP then FP over 3 reference boxes → precision 1 up to recall 1/3, the 34 recall points 0.00–0.33;
    // dent: one TP of 2 → recall points 0.00–0.50, 51 of them. AP50 is their mean over 101 points.
    expect(r.overall.ap50).toBeCloseTo(85 / 202, 12);
    expect(r.overall.perClass).toEqual([
      expect.objectContaining({ categoryId: crack, gt: 3, dt: 2 }),
      expect.objectContaining({ categoryId: dent, gt: 2, dt: 1 }),
    ]);
    // Keys with one value (line) and non-scalar values (nested) are not sliced on; frame has one value per image.
    expect(r.slices.map((s) => `${s.key}=${s.value}`)).toEqual(['frame=f2', 'frame=f3', 'frame=f0', 'frame=f1', 'shift=night', 'shift=day']);
    const night = r.slices.find((s) => s.value === 'night')!;
    const day = r.slices.find((s) => s.value === 'day')!;
    expect(night).toMatchObject({ images: 2, gt: 3, dt: 1, ap50: 0, ap: 0, found: 0, missed: 3, falseAlarms: 1 });
    expect(day).toMatchObject({ images: 2, gt: 2, dt: 2, found: 2, missed: 0, falseAlarms: 0 });
    // Perfect boxes: AP 1 at every threshold (a mean over 101 points, so to the last bit only nearly).
    expect(day.ap50).toBeCloseTo(1, 12);
    expect(day.ap).toBeCloseTo(1, 12);
  });

  it('leaves out keys with more values than a table can show, and says so', async () => {
    const p = newProject();
    const { ref, runId } = build(p);
    const { evaluateSlices } = await import('../metrics/slices.ts');
    const meta = new Map([1, 2, 3].map((id) => [id, { frame: `f${id}`, shift: id === 1 ? 'day' : 'night' }]));
    const none = { n: 0, imageId: new Int32Array(0), classId: new Int32Array(0), x: new Float64Array(0), y: new Float64Array(0), w: new Float64Array(0), h: new Float64Array(0), score: new Float64Array(0) };
    const r = evaluateSlices([1, 2, 3], meta, { flags: new Map(), capturedAt: new Map() }, [1, 2], none, none, { maxValues: 2 });
    expect(r.keysSkipped).toEqual([{ key: 'frame', values: 3 }]);
    expect(r.slices.map((s) => s.value)).toEqual(['day', 'night']);
    // No reference box anywhere: AP is -1 (undefined), nothing is found or missed.
    expect(r.overall).toMatchObject({ ap: -1, ap50: -1, gt: 0, found: 0, missed: 0 });
    expect(runId).toBeGreaterThan(0);
    expect(ref).toBeGreaterThan(0);
  });

  it('compared with another run, counts only the images both runs covered; refuses an unknown run or the run itself', async () => {
    const p = newProject();
    const { ref, bot, runId, img } = build(p);
    const modelId = p.models.insert({ name: 'light', path: 'light.onnx', sha256: 'h2', info: '{}', classMap: '[]', latency: null, addedAt: 'now' });
    const other = p.models.insertRun(modelId, bot, 'h2', 'light', '{}', 'now');
    // the other run covered img0, img1 and img5 (img5 the first run did not)
    for (const id of [img[0], img[1], img[5]]) p.models.markImage(other, id, 'done', null, 0, 'now');
    const alone = await evaluateRun(p, { runId, referenceId: ref });
    const both = await evaluateRun(p, { runId, referenceId: ref, sameImagesAs: other });
    expect([alone.overall.images, both.overall.images]).toEqual([4, 2]);
    expect(both).toMatchObject({ reviewed: 5, notRun: 3, overall: { gt: 2, dt: 2, found: 2, missed: 0, falseAlarms: 0 } });
    await expect(evaluateRun(p, { runId, referenceId: ref, sameImagesAs: 999 })).rejects.toThrow(/No model run 999 in this project to compare with/);
    await expect(evaluateRun(p, { runId, referenceId: ref, sameImagesAs: runId })).rejects.toThrow(/compared with itself/);
  });

  it('counts every reviewed image for an imported run, which lists only images with detections', async () => {
    const p = newProject();
    const { ref, bot, img, crack } = build(p);
    const imported = p.models.insertRun(null, bot, 'imported:x', 'exported detector', '{}', 'now');
    p.boxes.insert({ imageId: img[0], annotatorId: bot, classId: crack, x: 10, y: 10, w: 20, h: 20, score: 0.9, provenance: 'predicted', modelRunId: imported, sourceBoxId: null });
    p.models.markImage(imported, img[0], 'done', null, 1, 'now');
    const r = await evaluateRun(p, { runId: imported, referenceId: ref });
    expect(r).toMatchObject({ reviewed: 5, notRun: 0, overall: { images: 5, gt: 6, dt: 1, found: 1, missed: 5, falseAlarms: 0 } });
  });

  it('takes the final labels as the reference: a consensus where there is one, else the one person who marked the image done', async () => {
    const p = newProject();
    const { runId, img, crack } = build(p);
    // On img4 a QA lead's consensus puts the crack where the model saw it (the person had it elsewhere).
    const qa = p.annotators.ensure('qa', 'consensus').id;
    p.boxes.insert({ imageId: img[3], annotatorId: qa, classId: crack, x: 200, y: 200, w: 20, h: 20, score: null, provenance: 'drawn', modelRunId: null, sourceBoxId: null });
    p.assignments.set(img[3], qa, 'done', 'now');
    const r = await evaluateRun(p, { runId });
    expect(r).toMatchObject({ reference: { id: null, name: 'final labels' }, reviewed: 5, notRun: 1 });
    expect(r.overall).toMatchObject({ images: 4, gt: 5, dt: 3, found: 3, missed: 2, falseAlarms: 0 });
    // Nothing final anywhere (no person's labels, nothing marked done): a clear refusal from the worker, with its code.
    const empty = newProject();
    const e = build(empty);
    empty.db.exec('DELETE FROM assignments; DELETE FROM boxes WHERE model_run_id IS NULL');
    await expect(evaluateRun(empty, { runId: e.runId })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/No image has final labels yet/) });
  });

  it('refuses an unknown run, a model as the reference, a reference with nothing done, and stops when cancelled', async () => {
    const p = newProject();
    const { ref, bot, runId } = build(p);
    const nobody = p.annotators.ensure('nobody', 'human').id;
    await expect(evaluateRun(p, { runId: 999, referenceId: ref })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/No model run 999/) });
    await expect(evaluateRun(p, { runId, referenceId: 999 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(evaluateRun(p, { runId, referenceId: bot })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/model's author/) });
    await expect(evaluateRun(p, { runId, referenceId: nobody })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/nobody has not marked any image done/) });
    const ctl = new AbortController();
    ctl.abort();
    await expect(evaluateRun(p, { runId, referenceId: ref }, { signal: ctl.signal, progress: () => {} })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('reads and computes in a worker thread, which a cancel ends at once', async () => {
    const { evaluateInWorker } = await import('../metrics/evaluateInWorker.ts');
    const p = newProject();
    const { ref, runId } = build(p);
    const ctl = new AbortController();
    const progress: number[] = [];
    const running = evaluateInWorker(
      { file: p.file, runId, referenceId: ref, importedRun: false },
      {
        signal: ctl.signal,
        progress: (done, total, message) => {
          progress.push(done);
          if (done === 0) expect(message).toMatch(/^(reading the project|evaluating 4 images, 6 slices)$/);
          if (done === 2) ctl.abort();
        },
      },
    );
    await expect(running).rejects.toMatchObject({ code: 'cancelled' });
    expect(progress).toEqual([0, 0, 1, 2]);
    // Not cancelled, the worker reads the same snapshot the service would: every slice of frame and shift.
    const done = await evaluateInWorker({ file: p.file, runId, referenceId: ref, importedRun: false });
    expect(done).toMatchObject({ reviewed: 5, evaluated: 4, report: { overall: { gt: 5, dt: 3, found: 2 } } });
    expect(done.report.slices).toHaveLength(6);
    // A file that is not there is an error of the job, not a crash.
    await expect(evaluateInWorker({ file: `${p.file}.missing`, runId, referenceId: ref, importedRun: false })).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringMatching(/Evaluation failed: .*(not exist|unable to open)/i),
    });
  });

  it('runs as a job through the dispatcher, and images:list shows one slice', async () => {
    const s = newSession();
    const d = createDispatcher(s);
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const created = await d('project:create', { file: path.join(mkdtempSync(path.join(tmpdir(), 'loupe-eval-')), 'e.loupe') });
    expect(created.ok).toBe(true);
    const { ref, runId, img } = build(s.project);
    const bad = await d('evaluation:start', { runId: 42, referenceId: ref });
    expect(bad).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const started = await d('evaluation:start', { runId, referenceId: ref });
    if (!started.ok) throw new Error(started.error.message);
    const job = await s.jobs.wait((started.value as { id: string }).id);
    expect(job.state).toBe('done');
    expect(EvaluationReport.parse(job.result).overall.missed).toBe(3);

    const night = await d('images:list', { where: { key: 'shift', value: 'night' } });
    if (!night.ok) throw new Error(night.error.message);
    expect(night.value).toMatchObject({ total: 3, items: [{ id: img[2] }, { id: img[3] }, { id: img[4] }] });
    // The list shows each image's scalar metadata values; nested ones are left out.
    expect((night.value as { items: { tags: string[] }[] }).items[0].tags).toEqual(['night', '7', 'f2']);
    const line = await d('images:list', { where: { key: 'line', value: '7' }, offset: 5, limit: 10 });
    expect(line.ok && line.value).toMatchObject({ total: 6, items: [{ id: img[5] }] });
    const none = await d('images:list', { where: { key: 'shift"; DROP TABLE images; --', value: 'x' } });
    expect(none.ok && none.value).toMatchObject({ total: 0, items: [] });
    expect(s.project.images.count()).toBe(6);
  });
});
