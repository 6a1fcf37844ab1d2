/**
 * Inter-annotator agreement and consensus over a whole project: 10,000 images,
 * three people with about 20 boxes each and a done mark on every image.
 *
 *   npx tsx bench/agreement.ts
 *
 * Prints one JSON object: the full project report (`agreementReport`, in its
 * worker) and the consensus merge of every image (`mergeAllJob`, on a fresh copy
 * of the project), each with its seconds and the host's largest event-loop delay
 * while it ran; the process's peak RSS (worker threads included); and, where
 * Python with SciPy is present, the same per-pair totals from
 * bench/agreement_reference.py, its time and the ratio to Loupe's report.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../app/domain/random.ts';
import type { Project as ProjectT } from '../app/store/Project.ts';
import { cachedProject } from './cachedProject.ts';
import { watchEventLoop } from './eventLoop.ts';

const log = (m: string) => process.stderr.write(`[bench:agreement] ${m}\n`);
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

const AGREEMENT = { images: 10_000, people: ['ana', 'bo', 'cy'], boxes: 20, classes: 6 };
const GOALS = { reportSeconds: 2, mergeSeconds: 3, peakRssMB: 500, maxEventLoopDelayMs: 50 };
const IOU = 0.5;

/**
 * 10,000 images (1920×1080) and three people, each with a done mark on every image and a
 * noisy copy of the image's 20 base boxes: each box jittered (mostly tightly, sometimes
 * loosely enough to fall under IoU 0.5), 6 % missed, 5 % given another class, and on a
 * quarter of the images one or two extra boxes. Cached under .bench/.
 */
function agreementProject(): Promise<string> {
  return cachedProject('agreement-v1', `${AGREEMENT.images} images × ${AGREEMENT.people.length} people × ~${AGREEMENT.boxes} boxes`, (project) => {
    const db = project.db;
    const rand = mulberry32(31);
    const insImage = db.prepare(
      `INSERT INTO images (root_id, path, width, height, orientation, format, bytes, metadata, added_at) VALUES (?, ?, 1920, 1080, 1, 'jpeg', 0, '{}', ?)`,
    );
    const insBox = db.prepare("INSERT INTO boxes (image_id, annotator_id, class_id, x, y, w, h, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, 'drawn')");
    const insDone = db.prepare("INSERT INTO assignments (image_id, annotator_id, status, updated_at) VALUES (?, ?, 'done', ?)");
    db.transaction(() => {
      const rootId = project.images.ensureRoot('/bench/images');
      const insClass = db.prepare('INSERT INTO classes (name, color, hotkey, position) VALUES (?, ?, NULL, ?)');
      const classIds = Array.from({ length: AGREEMENT.classes }, (_, i) => Number(insClass.run(`class${i}`, '#ff8800', i).lastInsertRowid));
      const people = AGREEMENT.people.map((name) => project.annotators.ensure(name, 'human').id);
      const at = new Date().toISOString();
      const cls = () => classIds[Math.floor(rand() * classIds.length)];
      for (let i = 0; i < AGREEMENT.images; i++) {
        const imageId = Number(insImage.run(rootId, `line${i % 20}/frame${String(i).padStart(6, '0')}.jpg`, at).lastInsertRowid);
        const base = Array.from({ length: AGREEMENT.boxes }, () => {
          const w = 20 + rand() * 180;
          const h = 20 + rand() * 140;
          return { c: cls(), x: rand() * (1920 - w), y: rand() * (1080 - h), w, h };
        });
        for (const person of people) {
          insDone.run(imageId, person, at);
          for (const b of base) {
            if (rand() < 0.06) continue; // missed
            const s = rand() < 0.1 ? 0.25 : 0.04; // a loose box now and then
            const j = () => (rand() - 0.5) * 2 * s;
            const c = rand() < 0.05 ? cls() : b.c; // class swap (may land on the same class)
            insBox.run(imageId, person, c, b.x + j() * b.w, b.y + j() * b.h, b.w * (1 + j()), b.h * (1 + j()));
          }
          if (rand() < 0.25) {
            for (let e = 1 + Math.floor(rand() * 2); e > 0; e--) insBox.run(imageId, person, cls(), rand() * 1800, rand() * 1000, 20 + rand() * 100, 20 + rand() * 80);
          }
        }
      }
    })();
  });
}

/** Run one phase with the host's event loop watched and the RSS sampled every 10 ms. */
async function measured<T>(run: () => Promise<T>): Promise<{ value: T; seconds: number; maxEventLoopDelayMs: number; p99EventLoopDelayMs: number; peakRssMB: number }> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const watch = watchEventLoop();
  const t0 = performance.now();
  try {
    const value = await run();
    const seconds = (performance.now() - t0) / 1000;
    const loop = watch.stop();
    return { value, seconds, maxEventLoopDelayMs: round(loop.maxDelayMs, 1), p99EventLoopDelayMs: round(loop.p99DelayMs, 1), peakRssMB: Math.round(peak / 2 ** 20) };
  } finally {
    watch.stop();
    clearInterval(sampler);
  }
}

/** A Project on a copy of the cached file, as the lead. */
async function openCopy(cached: string, dir: string, name: string): Promise<ProjectT> {
  const { Project } = await import('../app/store/Project.ts');
  const { identify } = await import('../app/services/people.ts');
  const file = path.join(dir, name);
  fs.copyFileSync(cached, file);
  const project = Project.open(file, { annotator: 'bench' });
  identify(project, 'lead', 'lead');
  return project;
}

/** Every shared image's boxes per person, in box id order, as the reference script reads them. */
async function exportForReference(project: ProjectT, file: string): Promise<void> {
  const { agreementRepo } = await import('../app/store/AgreementRepo.ts');
  const out = fs.openSync(file, 'w');
  fs.writeSync(out, `{"iou":${IOU},"images":[`);
  let first = true;
  for (const { imageId, byPerson } of agreementRepo(project.db).sharedImages()) {
    const people: Record<string, number[][]> = {};
    for (const [id, boxes] of byPerson) people[id] = boxes.map((b) => [b.classId, b.x, b.y, b.w, b.h]);
    fs.writeSync(out, `${first ? '' : ','}${JSON.stringify({ imageId, people })}`);
    first = false;
  }
  fs.writeSync(out, ']}\n');
  fs.closeSync(out);
}

type PairTotal = { a: number; b: number; images: number; counts: { matchedSame: number; matchedOther: number; onlyA: number; onlyB: number; iouSum: number } };

/** The reference's per-pair totals equal Loupe's: the same pairs and image counts, equal integer counts, IoU sums within 1e-9 relative. */
function samePairs(loupe: PairTotal[], ref: PairTotal[]): boolean {
  if (loupe.length !== ref.length) return false;
  const key = (p: PairTotal) => `${p.a}:${p.b}`;
  const byKey = new Map(ref.map((p) => [key(p), p]));
  return loupe.every((p) => {
    const r = byKey.get(key(p));
    if (!r || r.images !== p.images) return false;
    const c = p.counts;
    const d = r.counts;
    return (
      c.matchedSame === d.matchedSame &&
      c.matchedOther === d.matchedOther &&
      c.onlyA === d.onlyA &&
      c.onlyB === d.onlyB &&
      Math.abs(c.iouSum - d.iouSum) <= 1e-9 * Math.max(1, Math.abs(c.iouSum))
    );
  });
}

async function main() {
  const t0 = performance.now();
  const cached = await agreementProject();
  const builtSeconds = (performance.now() - t0) / 1000;
  const { agreementReport } = await import('../app/services/agreement.ts');
  const { mergeAllJob } = await import('../app/services/consensusMerge.ts');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-agreement-'));
  const ctx = (counter: { n: number }) => ({ signal: new AbortController().signal, progress: () => void counter.n++ });
  try {
    // The report writes image_agreement, so it too runs on a copy.
    const reportProject = await openCopy(cached, work, 'report.loupe');
    const reportProgress = { n: 0 };
    log(`report over ${AGREEMENT.images} images (worker)`);
    const report = await measured(() => agreementReport(reportProject, { iou: IOU }, ctx(reportProgress)));
    const dataFile = path.join(work, 'reference.json');
    await exportForReference(reportProject, dataFile);
    reportProject.close();

    const mergeProject = await openCopy(cached, work, 'merge.loupe');
    const mergeProgress = { n: 0 };
    log(`consensus merge of ${AGREEMENT.images} images`);
    const mergeStats = { fromWorker: 0, checked: 0, onHost: 0 };
    const merge = await measured(() => mergeAllJob(mergeProject, { iou: IOU }, ctx(mergeProgress), { stats: mergeStats }));
    mergeProject.close();
    const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);

    let python: Record<string, unknown> | null = null;
    if (spawnSync('python3', ['-c', 'import scipy'], { stdio: 'ignore' }).status === 0) {
      log('reference report (Python, SciPy)');
      const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'agreement_reference.py');
      const tp = performance.now();
      const r = spawnSync('python3', [script, dataFile], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
      const wallSeconds = (performance.now() - tp) / 1000;
      if (r.status !== 0) throw new Error(`agreement_reference.py failed: ${r.stderr}`);
      const ref = JSON.parse(r.stdout) as { loadSeconds: number; computeSeconds: number; pairs: PairTotal[] };
      python = {
        scipy: spawnSync('python3', ['-c', 'import scipy; print(scipy.__version__)'], { encoding: 'utf8' }).stdout.trim(),
        computeSeconds: round(ref.computeSeconds),
        loadSeconds: round(ref.loadSeconds),
        wallSeconds: round(wallSeconds),
        pairsMatch: samePairs(report.value.pairs, ref.pairs),
      };
    } else {
      log('python3 with scipy not found: no reference figures');
    }

    const r = report.value;
    const m = merge.value;
    const result = {
      bench: 'agreement',
      images: r.images,
      people: AGREEMENT.people.length,
      boxes: reportBoxes(r.pairs),
      iou: IOU,
      goals: GOALS,
      report: {
        seconds: round(report.seconds),
        maxEventLoopDelayMs: report.maxEventLoopDelayMs,
        p99EventLoopDelayMs: report.p99EventLoopDelayMs,
        peakRssMB: report.peakRssMB,
        progressEvents: reportProgress.n,
        meanAgreement: r.meanAgreement === null ? null : round(r.meanAgreement, 4),
        alpha: r.alpha === null ? null : round(r.alpha, 4),
        pairs: r.pairs.map((p) => ({ a: p.aName, b: p.bName, images: p.images, f1: round(p.f1, 4), meanIoU: p.meanIoU === null ? null : round(p.meanIoU, 4) })),
      },
      merge: {
        seconds: round(merge.seconds),
        maxEventLoopDelayMs: merge.maxEventLoopDelayMs,
        p99EventLoopDelayMs: merge.p99EventLoopDelayMs,
        peakRssMB: merge.peakRssMB,
        progressEvents: mergeProgress.n,
        merged: m.merged,
        consensusBoxes: m.boxes,
        // where each image's consensus came from: the worker, or the host while the worker was behind
        ...mergeStats,
      },
      peakRssMB: maxRssMB,
      python,
      ratio: python ? round((python.computeSeconds as number) / report.seconds, 1) : null,
      projectBuiltThisRun: builtSeconds > 1,
      cores: os.cpus().length,
      loadAverage: round(os.loadavg()[0], 2),
      node: process.version,
      pass: {
        report: report.seconds <= GOALS.reportSeconds,
        merge: merge.seconds <= GOALS.mergeSeconds,
        peakRss: maxRssMB <= GOALS.peakRssMB,
        reportEventLoop: report.maxEventLoopDelayMs <= GOALS.maxEventLoopDelayMs,
        mergeEventLoop: merge.maxEventLoopDelayMs <= GOALS.maxEventLoopDelayMs,
        ...(python ? { pairsMatch: python.pairsMatch as boolean } : {}),
      },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Each person's boxes, summed over the pairs' counts (every person is in two pairs of three). */
function reportBoxes(pairs: PairTotal[]): number {
  let n = 0;
  for (const p of pairs) n += 2 * (p.counts.matchedSame + p.counts.matchedOther) + p.counts.onlyA + p.counts.onlyB;
  return n / 2;
}

await main();
