import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClasses, EXPECTED, runState, writeImages, writeModel } from '../../test/fixtures/prelabel/setup.ts';
import { newProject, snapshot, tempDir, track } from '../../test/unit/fixtures.ts';
import { DetectorPool } from '../inference/index.ts';
import { importFolder } from '../io/importFolder.ts';
import type { ModelRow } from '../store/ModelRepo.ts';
import { Project } from '../store/Project.ts';
import { applyEdit } from './boxEdits.ts';
import { deleteClass } from './classes.ts';
import { addModel, setClassMap } from './models.ts';
import { DEFAULT_RUN_PARAMS, prelabel, type PrelabelSummary } from './prelabel.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = path.join(ROOT, 'test/fixtures/prelabel/child.ts');
const MODEL = writeModel(path.join(tempDir('loupe-prelabel-model-'), 'tiny.onnx'));

let pool: DetectorPool;
beforeAll(async () => {
  pool = await DetectorPool.create(MODEL, { workers: 2, threadsPerWorker: 1 });
});
afterAll(async () => {
  await pool?.close();
});

/** A project in its own folder with `n` imported 128×96 images, classes vehicle and person, and the test model added. */
async function setup(n: number, opts: { annotator?: string; format?: 'png' | 'jpeg'; size?: { w: number; h: number } } = {}) {
  const dir = tempDir();
  const project = newProject({ dir, annotator: opts.annotator });
  const imagesDir = path.join(dir, 'images');
  await writeImages(imagesDir, n, opts.format, opts.size);
  const imported = await importFolder(project, imagesDir);
  expect(imported.added).toBe(n);
  const [vehicle, person] = addClasses(project, ['vehicle', 'person']);
  const view = await addModel(project, { file: MODEL });
  expect(view.classMap).toEqual([vehicle, person, null]);
  return { dir, project, imagesDir, model: project.models.get(view.id)!, ids: project.images.allIds(), vehicle, person };
}

/** Every image with a run_images row has exactly its predictions; no prediction lacks a row; no duplicates. */
function expectWholeImages(p: Project, runId: number, perImage = 2): Map<number, unknown> {
  const st = runState(p, runId);
  for (const [id, row] of st.rows) {
    expect(row, `image ${id}`).toEqual({ status: 'done', boxes: perImage, error: null });
    expect(st.boxes.get(id) ?? 0, `image ${id}`).toBe(perImage);
  }
  for (const id of st.boxes.keys()) expect(st.rows.has(id), `predictions on image ${id} without a run_images row`).toBe(true);
  expect(st.duplicates).toBe(0);
  return st.rows;
}

const run = (p: Project, model: ModelRow, ids: number[], opts?: Parameters<typeof prelabel>[5]) => prelabel(p, pool, model, ids, DEFAULT_RUN_PARAMS, opts);

describe('prelabel', () => {
  it("stores predictions as the run's boxes in original pixels, and never touches a person's boxes", async () => {
    const { project, model, ids, vehicle, person } = await setup(3);
    const drawn = applyEdit(project, ids[0], { added: [{ classId: vehicle, x: 1.5, y: 2.25, w: 30.125, h: 40 }], updated: [], removed: [] }).boxes;
    expect(drawn).toHaveLength(1);
    const stored = drawn.map(({ rejected: _, ...b }) => b);

    const s = await run(project, model, ids);
    expect(s).toMatchObject({ model: model.name, requested: 3, skipped: 0, done: 3, failed: [], boxes: 6, unmappedDropped: 3, cancelled: false });
    const runRow = project.models.run(s.runId)!;
    expect(runRow).toMatchObject({ modelId: model.id, modelHash: model.sha256, name: model.name, finishedAt: expect.any(String) });
    expect(project.annotators.list().find((a) => a.id === runRow.annotatorId)).toEqual({ id: runRow.annotatorId, name: model.name, kind: 'model' });

    const predictionsOf = (id: number) => project.boxes.forImage(id).filter((b) => b.modelRunId !== null);
    for (const id of ids) {
      const preds = predictionsOf(id);
      expect(preds.map((b) => [b.classId, b.x, b.y, b.w, b.h])).toEqual([
        [vehicle, EXPECTED[0].x, EXPECTED[0].y, EXPECTED[0].w, EXPECTED[0].h],
        [person, EXPECTED[1].x, EXPECTED[1].y, EXPECTED[1].w, EXPECTED[1].h],
      ]);
      for (const b of preds) expect(b).toMatchObject({ annotatorId: runRow.annotatorId, modelRunId: s.runId, provenance: 'predicted', sourceBoxId: null });
      expect(preds[0].score).toBeCloseTo(0.9, 6);
      expect(preds[1].score).toBeCloseTo(0.8, 6);
    }
    expect(project.boxes.forImage(ids[0], project.annotator.id)).toEqual(stored);
    expect(project.edits.depth(ids[0], project.annotator.id)).toEqual({ undo: 1, redo: 0 });

    const before = predictionsOf(ids[0]).map((b) => b.id);
    const forced = await run(project, model, ids, { force: true });
    expect(forced).toMatchObject({ runId: s.runId, skipped: 0, done: 3, boxes: 6 });
    expect(predictionsOf(ids[0]).map((b) => b.id)).not.toEqual(before);
    expectWholeImages(project, s.runId);
    expect(project.boxes.forImage(ids[0], project.annotator.id)).toEqual(stored);
    expect(project.edits.depth(ids[0], project.annotator.id)).toEqual({ undo: 1, redo: 0 });
  });

  it('a person named like the model keeps their boxes: predictions get an author of kind model', async () => {
    const { project, model, ids } = await setup(1, { annotator: 'tiny' });
    expect(model.name).toBe('tiny');
    const s = await run(project, model, ids);
    const author = project.annotators.list().find((a) => a.id === project.models.run(s.runId)!.annotatorId)!;
    expect(author.kind).toBe('model');
    expect(author.id).not.toBe(project.annotator.id);
    expect(project.boxes.forImage(ids[0], project.annotator.id)).toEqual([]);
  });

  it('the same model and parameters skip done images; other parameters make a new run; force replaces without duplicates', async () => {
    const { project, model, ids } = await setup(4);
    const first = await run(project, model, ids);
    const again = await run(project, model, ids);
    expect(again).toMatchObject({ runId: first.runId, requested: 4, skipped: 4, done: 0, boxes: 0 });
    // Key order does not make another run.
    const reordered = await prelabel(project, pool, model, ids, { maxDet: 300, iou: 0.45, conf: 0.25 });
    expect(reordered).toMatchObject({ runId: first.runId, skipped: 4 });

    const strict = await prelabel(project, pool, model, ids, { ...DEFAULT_RUN_PARAMS, conf: 0.85 });
    expect(strict.runId).not.toBe(first.runId);
    expect(strict).toMatchObject({ skipped: 0, done: 4, boxes: 4 }); // only the 0.9 vehicle passes
    expect(project.models.runs().map((r) => r.id)).toEqual([first.runId, strict.runId]);

    const forced = await run(project, model, ids.slice(0, 2), { force: true });
    expect(forced).toMatchObject({ runId: first.runId, skipped: 0, done: 2, boxes: 4 });
    expect(expectWholeImages(project, first.runId).size).toBe(4);
    expectWholeImages(project, strict.runId, 1);
  });

  it('cancel mid-batch keeps whole images only, and a second run finishes the rest', async () => {
    const n = 60;
    const { project, model, ids } = await setup(n);
    const ctl = new AbortController();
    let calls = 0;
    const s = await run(project, model, ids, {
      ctx: {
        signal: ctl.signal,
        progress: () => {
          if (++calls === 1) ctl.abort();
        },
      },
    });
    expect(s.cancelled).toBe(true);
    expect(project.models.run(s.runId)!.finishedAt).toBeNull();
    const stored = expectWholeImages(project, s.runId);
    expect(stored.size).toBe(s.done);
    expect(stored.size).toBeGreaterThan(0);
    expect(stored.size).toBeLessThan(n);

    const rest = await run(project, model, ids);
    expect(rest).toMatchObject({ runId: s.runId, skipped: stored.size, done: n - stored.size, failed: [], cancelled: false });
    expect(expectWholeImages(project, s.runId).size).toBe(n);
    expect(project.models.run(s.runId)!.finishedAt).not.toBeNull();
  });

  it('kill -9 mid-batch leaves whole images only; running again completes without duplicates', async () => {
    const n = 200;
    // Larger images take a few milliseconds each, so the kill lands mid-batch.
    const { project, model, ids } = await setup(n, { size: { w: 640, h: 480 } });
    const file = project.file;
    project.close();

    let progressSeen = 0;
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, String(model.id)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = [...d.matchAll(/progress (\d+)\//g)].at(-1);
      if (m) progressSeen = Math.max(progressSeen, Number(m[1]));
      if (progressSeen >= 5 && !child.killed) child.kill('SIGKILL');
    });
    // Seen from outside through a read-only connection, as another process would.
    const watcher = new Database(file, { readonly: true });
    const midway = await ended;
    const countAfterKill = (watcher.prepare('SELECT count(*) AS n FROM run_images').get() as { n: number }).n;
    watcher.close();
    expect(midway, stderr).toEqual({ code: null, signal: 'SIGKILL' });
    expect(countAfterKill).toBeGreaterThan(0);
    expect(countAfterKill).toBeLessThan(n);

    const reopened = track(Project.open(file, { annotator: 'tester' }));
    const runId = reopened.models.runs()[0].id;
    const stored = expectWholeImages(reopened, runId);
    expect(stored.size).toBe(countAfterKill);

    const rest = await prelabel(reopened, pool, reopened.models.get(model.id)!, ids, DEFAULT_RUN_PARAMS);
    expect(rest).toMatchObject({ runId, skipped: stored.size, done: n - stored.size, failed: [] });
    expect(expectWholeImages(reopened, runId).size).toBe(n);
    expect((reopened.db.prepare('SELECT count(*) AS n FROM boxes WHERE model_run_id = ?').get(runId) as { n: number }).n).toBe(2 * n);
  });

  it('an image that no longer decodes is marked failed with its reason; the others are done; a fixed file is retried', async () => {
    const { project, model, ids, imagesDir } = await setup(6);
    const broken = path.join(imagesDir, 'img0002.png');
    const good = fs.readFileSync(broken);
    fs.writeFileSync(broken, 'this was a PNG until it was overwritten');
    fs.rmSync(path.join(imagesDir, 'img0004.png'));

    const s = await run(project, model, ids);
    expect(s).toMatchObject({ done: 4, boxes: 8 });
    expect([...s.failed].sort((a, b) => a.imageId - b.imageId)).toEqual([
      { imageId: ids[2], path: 'img0002.png', reason: expect.stringMatching(/img0002\.png: cannot decode the image/) },
      { imageId: ids[4], path: 'img0004.png', reason: expect.stringMatching(/Image file is missing: .*img0004\.png/) },
    ]);
    const st = runState(project, s.runId);
    const reasonOf = (id: number) => s.failed.find((f) => f.imageId === id)!.reason;
    expect(st.rows.get(ids[2])).toEqual({ status: 'failed', boxes: 0, error: reasonOf(ids[2]) });
    expect(st.rows.get(ids[4])).toEqual({ status: 'failed', boxes: 0, error: reasonOf(ids[4]) });
    expect(st.boxes.has(ids[2]) || st.boxes.has(ids[4])).toBe(false);
    for (const i of [0, 1, 3, 5]) expect(st.rows.get(ids[i])).toEqual({ status: 'done', boxes: 2, error: null });

    // Once the files are back, running again does the failed images and skips the done ones.
    fs.writeFileSync(broken, good);
    fs.writeFileSync(path.join(imagesDir, 'img0004.png'), good);
    const again = await run(project, model, ids);
    expect(again).toMatchObject({ runId: s.runId, skipped: 4, done: 2, failed: [], boxes: 4 });
    expect(expectWholeImages(project, s.runId).size).toBe(6);
  });

  it('drops and counts predictions of unmapped classes; a new mapping changes the class predictions get', async () => {
    const { project, model, ids, vehicle, person } = await setup(2);
    const s = await run(project, model, ids);
    expect(s).toMatchObject({ boxes: 4, unmappedDropped: 2 });

    const [animal] = addClasses(project, ['animal']);
    setClassMap(project, model.id, [null, person, animal]);
    const remapped = await run(project, project.models.get(model.id)!, ids, { force: true });
    expect(remapped).toMatchObject({ runId: s.runId, boxes: 4, unmappedDropped: 2 });
    const classes = project.boxes.forImage(ids[0]).map((b) => [b.classId, b.x, b.y]);
    expect(classes).toEqual([
      [person, EXPECTED[1].x, EXPECTED[1].y],
      [animal, EXPECTED[2].x, EXPECTED[2].y],
    ]);
    expect(classes.some(([c]) => c === vehicle)).toBe(false);
  });

  it('refuses a mapping to a class deleted since, storing nothing', async () => {
    const { project, model, ids, person } = await setup(2);
    const [gone] = addClasses(project, ['gone']);
    setClassMap(project, model.id, [gone, person, null]);
    expect(deleteClass(project, gone)).toEqual({ deleted: true });
    const before = snapshot(project);
    await expect(run(project, project.models.get(model.id)!, ids)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/class 'vehicle'.*deleted.*models:map|remap/i) });
    expect(snapshot(project)).toBe(before);
  });

  it("keeps the host's event loop responsive during a batch", async () => {
    const { project, model, ids } = await setup(50, { size: { w: 640, h: 480 } });
    const lags: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      lags.push(now - last - 5);
      last = now;
    }, 5);
    let s: PrelabelSummary;
    try {
      s = await run(project, model, ids);
    } finally {
      clearInterval(timer);
    }
    expect(s).toMatchObject({ done: 50, failed: [] });
    expect(lags.length).toBeGreaterThan(0);
    console.log(`event loop during 50 images: ${lags.length} samples, max lag ${Math.max(...lags).toFixed(1)} ms`);
  });
});
