/**
 * Evaluating a model run over a whole project: `evaluation:start` through the
 * dispatcher on 100,000 images, a person's 1,000,000 boxes as the reference and
 * a model run's detections (jittered copies of 80 % of them plus false alarms),
 * sliced by a metadata key with 10 values, two flag reasons (and unflagged), the
 * drift flag's terciles and eight capture weeks, each slice with the twelve numbers.
 *
 *   npx tsx bench/evaluate.ts
 *
 * Prints one JSON object: the job's seconds, the host's largest event-loop delay
 * during it, and the process's peak RSS; then how quickly a cancel ends a second
 * evaluation. Goals: at most 15 s, 600 MB peak RSS and 50 ms of event-loop delay.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../app/domain/random.ts';
import { CACHE } from './cachedProject.ts';
import { watchEventLoop } from './eventLoop.ts';
import { benchSession } from './session.ts';
import { LABELLED, labelledProject } from './labelledProject.ts';

const log = (m: string) => process.stderr.write(`[bench:evaluate] ${m}\n`);

/** The labelled project plus every image marked done by its person and a model run over it. */
async function evaluatedProject(): Promise<string> {
  const base = await labelledProject();
  const { SCHEMA_VERSION } = await import('../app/store/migrations.ts');
  const file = path.join(CACHE, `evaluate-v1-schema${SCHEMA_VERSION}.loupe`);
  const complete = `${file}.complete`;
  if (fs.existsSync(complete) && fs.existsSync(file)) return file;
  log(`building ${file} (cached for later runs)`);
  for (const f of [file, `${file}-wal`, `${file}-shm`, complete]) fs.rmSync(f, { force: true });
  fs.copyFileSync(base, file);
  const { Project } = await import('../app/store/Project.ts');
  const p = Project.open(file, { annotator: 'bench' });
  try {
    const db = p.db;
    const rand = mulberry32(23);
    db.transaction(() => {
      const person = db.prepare<[], { id: number }>("SELECT id FROM annotators WHERE kind = 'human' ORDER BY id LIMIT 1").get()!.id;
      const at = new Date().toISOString();
      db.prepare("INSERT INTO assignments (image_id, annotator_id, status, updated_at) SELECT id, ?, 'done', ? FROM images").run(person, at);
      const modelId = p.models.insert({ name: 'bench-detector', path: 'bench.onnx', sha256: 'bench', info: '{}', classMap: '[]', latency: null, addedAt: at });
      const bot = p.annotators.ensure('bench-detector', 'model').id;
      const runId = p.models.insertRun(modelId, bot, 'bench', 'bench-detector', '{}', at);
      db.prepare("INSERT INTO run_images (model_run_id, image_id, status, error, boxes, at) SELECT ?, id, 'done', NULL, 0, ? FROM images").run(runId, at);
      const ins = db.prepare(
        "INSERT INTO boxes (image_id, annotator_id, model_run_id, class_id, x, y, w, h, score, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'predicted')",
      );
      const rows = db.prepare<[number], { image_id: number; class_id: number; x: number; y: number; w: number; h: number }>(
        'SELECT image_id, class_id, x, y, w, h FROM boxes WHERE annotator_id = ?',
      ).all(person);
      for (const r of rows) {
        if (rand() < 0.8) {
          const j = () => (rand() - 0.5) * 0.2;
          ins.run(r.image_id, bot, runId, r.class_id, r.x + j() * r.w, r.y + j() * r.h, r.w * (1 + j()), r.h * (1 + j()), 0.3 + 0.7 * rand());
        }
        if (rand() < 0.2) ins.run(r.image_id, bot, runId, r.class_id, rand() * 1800, rand() * 1000, 20 + rand() * 100, 20 + rand() * 60, 0.25 + 0.5 * rand());
      }
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    p.close();
  }
  fs.writeFileSync(complete, `${new Date().toISOString()}\n`);
  return file;
}

/**
 * The evaluated project with what slices images besides metadata: every fifth image
 * flagged drift (scores spread over 0.5–1), every seventh low-confidence, and capture
 * times over eight weeks, so the report has metadata, flag, drift and week slices.
 */
async function slicedProject(): Promise<string> {
  const base = await evaluatedProject();
  const file = base.replace('evaluate-v1-', 'evaluate-sliced-v1-');
  const complete = `${file}.complete`;
  if (fs.existsSync(complete) && fs.existsSync(file)) return file;
  log(`building ${file} (cached for later runs)`);
  for (const f of [file, `${file}-wal`, `${file}-shm`, complete]) fs.rmSync(f, { force: true });
  fs.copyFileSync(base, file);
  const { Project } = await import('../app/store/Project.ts');
  const p = Project.open(file, { annotator: 'bench' });
  try {
    p.db.transaction(() => {
      p.db.exec(`UPDATE images SET captured_at = strftime('%Y-%m-%dT%H:%M:%S', '2026-10-05T00:00:00', '+' || (id % 56) || ' days', '+' || (id % 24) || ' hours')`);
      p.db.exec(`INSERT INTO flags (image_id, reason, score, details) SELECT id, 'drift', 0.5 + (id % 101) / 200.0, '{}' FROM images WHERE id % 5 = 0`);
      p.db.exec(`INSERT INTO flags (image_id, reason, score, details) SELECT id, 'low-confidence', (id % 13) / 13.0, '{}' FROM images WHERE id % 7 = 0`);
    })();
    p.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    p.close();
  }
  fs.writeFileSync(complete, `${new Date().toISOString()}\n`);
  return file;
}

async function main() {
  const cached = await slicedProject();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-evaluate-'));
  const file = path.join(work, 'bench.loupe');
  fs.copyFileSync(cached, file);
  const { session, ok } = benchSession();
  try {
    await ok('project:open', { file });
    const runId = (await ok<{ id: number }[]>('runs:list', {}))[0].id;
    const person = (await ok<{ id: number; kind: string; boxes: number }[]>('annotators:list', {})).find((a) => a.kind === 'human' && a.boxes > 0)!;

    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const watch = watchEventLoop();
    log(`evaluating ${LABELLED.images} images`);
    const t0 = performance.now();
    const job = await ok<{ id: string }>('evaluation:start', { runId, referenceId: person.id });
    const done = await session.jobs.wait(job.id);
    const seconds = (performance.now() - t0) / 1000;
    const eventLoop = watch.stop();
    clearInterval(sampler);
    if (done.state !== 'done') throw new Error(`evaluation ${done.state}: ${done.error}`);
    const report = done.result as { overall: { images: number; gt: number; dt: number; ap50: number; found: number }; slices: { kind: string; stats?: number[] }[] };
    const kinds: Record<string, number> = {};
    for (const s of report.slices) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
    if (!report.slices.every((s) => s.stats?.length === 12)) throw new Error('a slice without its twelve numbers');

    log('a second evaluation, cancelled once it reports progress');
    const again = await ok<{ id: string }>('evaluation:start', { runId, referenceId: person.id });
    let cancelAt = 0;
    const off = session.on((e) => {
      if (e.type === 'job' && e.job.id === again.id && e.job.total > 0 && !cancelAt) {
        cancelAt = performance.now();
        void ok('jobs:cancel', { id: again.id });
      }
    });
    const cancelled = await session.jobs.wait(again.id);
    const cancelMs = cancelAt ? performance.now() - cancelAt : null;
    off();

    process.stdout.write(
      `${JSON.stringify({
        bench: 'evaluate',
        images: report.overall.images,
        referenceBoxes: report.overall.gt,
        detections: report.overall.dt,
        slices: report.slices.length,
        sliceKinds: kinds,
        ap50: report.overall.ap50,
        seconds: Math.round(seconds * 1000) / 1000,
        maxEventLoopDelayMs: Math.round(eventLoop.maxDelayMs * 10) / 10,
        p99EventLoopDelayMs: Math.round(eventLoop.p99DelayMs * 10) / 10,
        peakRssMB: Math.round(peak / 2 ** 20),
        cancel: { state: cancelled.state, msFromCancelToEnd: cancelMs === null ? null : Math.round(cancelMs) },
      })}\n`,
    );
  } finally {
    await session.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
