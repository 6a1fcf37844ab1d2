/**
 * Label and prediction import benchmark, at the export benchmark's size.
 *
 *   npx tsx bench/importLabels.ts
 *
 * Prints one JSON object on stdout; progress goes to stderr. From the
 * 100,000-image, 1,000,000-box project of bench/export.ts it makes (once,
 * cached under .bench/): a COCO and a YOLO export with `images: 'none'`, a
 * COCO results file of 1,000,000 detections (file_name and category_name, as
 * `loupe detect` writes them), Ultralytics predict labels (one txt per image
 * with detections, with confidences), and a copy of the project with the same
 * images and no boxes. Each import then runs in its own fresh child process on
 * a fresh copy of that project: images are matched by path (their files do
 * not exist), every box is written. Peak RSS is sampled every ~10 ms in the
 * child, beside the child's own high-water mark (resourceUsage().maxRSS).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../app/domain/random.ts';
import { CACHE } from './cachedProject.ts';
import { LABELLED, labelledProject } from './labelledProject.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Bump when the generated inputs change, so stale caches are rebuilt. */
const VERSION = 'import-labels-v1';
const GOALS = { cocoSeconds: 15, peakRssMB: 400 };
const KINDS = ['coco', 'yolo', 'coco-results', 'ultralytics-txt'] as const;
type Kind = (typeof KINDS)[number];

const log = (m: string) => process.stderr.write(`[bench:import-labels] ${m}\n`);

interface Inputs {
  empty: string;
  coco: string;
  yolo: string;
  results: string;
  ultralytics: string;
}

/** Build what the imports read, once; the folder counts as built only when complete. */
async function ensureInputs(source: string): Promise<Inputs> {
  const { SCHEMA_VERSION } = await import('../app/store/migrations.ts');
  const dir = path.join(CACHE, `${VERSION}-schema${SCHEMA_VERSION}`);
  const inputs: Inputs = {
    empty: path.join(dir, 'empty.loupe'),
    coco: path.join(dir, 'coco'),
    yolo: path.join(dir, 'yolo'),
    results: path.join(dir, 'results.json'),
    ultralytics: path.join(dir, 'predict', 'labels'),
  };
  const done = path.join(dir, '.complete');
  if (fs.existsSync(done)) return inputs;
  log(`building the import inputs in ${dir} (cached for later runs)`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const { Project } = await import('../app/store/Project.ts');
  const { prepareExport, runExport } = await import('../app/services/export.ts');

  const project = Project.open(source, { annotator: 'bench' });
  try {
    for (const format of ['coco', 'yolo'] as const) {
      log(`${format} export…`);
      await runExport(project, prepareExport(project, { format, out: inputs[format], images: 'none', split: [0.8, 0.2], seed: 0 }));
    }
    log('COCO results and Ultralytics labels…');
    writePredictions(project, inputs);
  } finally {
    project.close();
  }

  log('project copy without boxes…');
  fs.copyFileSync(source, inputs.empty);
  const empty = Project.open(inputs.empty, { annotator: 'bench' });
  try {
    empty.db.exec('DELETE FROM boxes; DELETE FROM assignments; DELETE FROM edits;');
    empty.db.exec('VACUUM');
    empty.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    empty.close();
  }
  fs.writeFileSync(done, `${new Date().toISOString()}\n`);
  return inputs;
}

/**
 * Every box of the project as a detection with a score: a COCO results array
 * (file_name and category_name, as `loupe detect` writes) and Ultralytics
 * `class cx cy w h conf` files, one per image with detections, named by the
 * image's file stem, with classes.txt beside the labels folder.
 */
function writePredictions(project: import('../app/store/Project.ts').Project, inputs: Inputs): void {
  const rand = mulberry32(5);
  const classes = project.classes.list();
  const index = new Map(classes.map((c, i) => [c.id, i]));
  const rows = project.db
    .prepare(
      `SELECT b.image_id AS imageId, i.path, i.width AS W, i.height AS H, c.name AS cls, b.class_id AS classId, b.x, b.y, b.w, b.h
       FROM boxes b JOIN images i ON i.id = b.image_id JOIN classes c ON c.id = b.class_id ORDER BY b.image_id, b.id`,
    )
    .iterate() as Iterable<{ imageId: number; path: string; W: number; H: number; cls: string; classId: number; x: number; y: number; w: number; h: number }>;
  fs.mkdirSync(inputs.ultralytics, { recursive: true });
  fs.writeFileSync(path.join(path.dirname(inputs.ultralytics), 'classes.txt'), `${classes.map((c) => c.name).join('\n')}\n`);
  const json = fs.openSync(inputs.results, 'w');
  let text = '[';
  let first = true;
  let current = -1;
  let stem = '';
  let lines = '';
  const flushImage = () => {
    if (current >= 0) fs.writeFileSync(path.join(inputs.ultralytics, `${stem}.txt`), lines);
    lines = '';
  };
  for (const r of rows) {
    const score = Math.round((0.25 + rand() * 0.75) * 1e4) / 1e4;
    text += `${first ? '' : ','}\n${JSON.stringify({ image_id: r.imageId, file_name: r.path, category_id: r.classId, category_name: r.cls, bbox: [r.x, r.y, r.w, r.h], score })}`;
    first = false;
    if (text.length > 1 << 20) {
      fs.writeSync(json, text);
      text = '';
    }
    if (r.imageId !== current) {
      flushImage();
      current = r.imageId;
      stem = path.posix.basename(r.path).replace(/\.[^.]*$/, '');
    }
    lines += `${index.get(r.classId)} ${(r.x + r.w / 2) / r.W} ${(r.y + r.h / 2) / r.H} ${r.w / r.W} ${r.h / r.H} ${score}\n`;
  }
  flushImage();
  fs.writeSync(json, `${text}\n]\n`);
  fs.closeSync(json);
}

/** Child: one import into a fresh copy of the project without boxes, timed, with its peak RSS and phases. */
async function childImport(kind: Kind, inputs: Inputs): Promise<void> {
  let peak = process.memoryUsage().rss;
  let phase = '';
  const phasePeakMB: Record<string, number> = {};
  const timer = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    if (phase) phasePeakMB[phase] = Math.max(phasePeakMB[phase] ?? 0, Math.round(rss / 2 ** 20));
  }, 10);
  const { Project } = await import('../app/store/Project.ts');
  const { importLabels, importPredictions } = await import('../app/services/importLabels.ts');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-import-labels-'));
  const file = path.join(tmp, 'p.loupe');
  fs.copyFileSync(inputs.empty, file);
  const phases: Record<string, number> = {};
  const ctl = new AbortController();
  const ctx = {
    signal: ctl.signal,
    progress: (_done: number, _total: number, message?: string) => {
      const p = (message ?? '').split(' ')[0];
      if (p && p !== phase) {
        phase = p;
        phases[p] ??= performance.now();
      }
    },
  };
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const project = Project.open(file, { annotator: 'bench' });
  const common = { createClasses: true, dryRun: false };
  const summary =
    kind === 'coco' || kind === 'yolo'
      ? await importLabels(project, { path: inputs[kind], format: kind, annotator: 'reviewer', ...common }, ctx)
      : await importPredictions(project, { path: kind === 'coco-results' ? inputs.results : inputs.ultralytics, format: kind, model: 'detector', ...common }, ctx);
  const t1 = performance.now();
  clearInterval(timer);
  const stored = (project.db.prepare('SELECT count(*) AS n FROM boxes').get() as { n: number }).n;
  project.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  // Seconds from each phase's first report to the next phase's (the last to the end).
  const marks = Object.entries(phases).sort((a, b) => a[1] - b[1]);
  const phaseSeconds = Object.fromEntries(marks.map(([name, at], i) => [name, ((marks[i + 1]?.[1] ?? t1) - at) / 1000]));
  process.stdout.write(
    `${JSON.stringify({
      seconds: (t1 - t0) / 1000,
      peakRssMB: Math.max(peak, process.memoryUsage().rss) / 2 ** 20,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      rssBeforeMB: rssBefore / 2 ** 20,
      phaseSeconds,
      phasePeakMB,
      imagesMatched: summary.imagesMatched,
      imagesAdded: summary.imagesAdded,
      missingImages: summary.missingImages.length,
      boxes: summary.boxes,
      boxesStored: stored,
      problemCount: summary.problemCount,
    })}\n`,
  );
}

function runChild(kind: Kind, inputs: Inputs): Promise<Record<string, number>> {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [fileURLToPath(import.meta.url), `--child=${kind}`, JSON.stringify(inputs)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench child ${kind} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!));
    });
  });
}

function sizeMB(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size / 2 ** 20;
  let total = 0;
  for (const e of fs.readdirSync(p, { recursive: true, withFileTypes: true })) if (e.isFile()) total += fs.statSync(path.join(e.parentPath, e.name)).size;
  return total / 2 ** 20;
}

async function main(): Promise<void> {
  const childArg = process.argv.find((a) => a.startsWith('--child='));
  if (childArg) return childImport(childArg.slice(8) as Kind, JSON.parse(process.argv[process.argv.indexOf(childArg) + 1]) as Inputs);
  const inputs = await ensureInputs(await labelledProject());
  const only = process.argv.slice(2).filter((a): a is Kind => (KINDS as readonly string[]).includes(a));
  const results: Partial<Record<Kind, Record<string, number>>> = {};
  for (const kind of only.length ? only : KINDS) {
    log(`${kind} import…`);
    results[kind] = await runChild(kind, inputs);
  }
  const peak = (r?: Record<string, number>) => (r ? Math.max(r.peakRssMB, r.maxRssMB) : NaN);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'import-labels',
      project: { ...LABELLED, imagesInCopy: LABELLED.images, boxesInCopy: 0 },
      inputs: { cocoMB: sizeMB(path.join(inputs.coco, 'annotations')), resultsMB: sizeMB(inputs.results), yoloLabelFiles: fs.readdirSync(path.join(inputs.yolo, 'labels'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length, ultralyticsFiles: fs.readdirSync(inputs.ultralytics).length },
      ...results,
      goals: GOALS,
      pass: {
        cocoSeconds: results.coco ? results.coco.seconds <= GOALS.cocoSeconds : undefined,
        ...Object.fromEntries(Object.entries(results).map(([k, r]) => [`${k}PeakRss`, peak(r) <= GOALS.peakRssMB])),
      },
    })}\n`,
  );
}

await main();
