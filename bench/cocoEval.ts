/**
 * COCO bbox evaluation benchmark, two parts:
 *
 * 1. `cocoEvaluate` in this process on 10,000 images, 100,000 GT boxes and 300,000
 *    detections (20 categories, seeded): the wall-clock seconds of each of 3 runs (the
 *    first includes JIT warm-up), their median, the CPU seconds of each run (steadier than
 *    wall time on a busy machine), the RSS after the runs; the same with `curves: true`.
 * 2. The standalone CLI as a whole process, `node bin/loupe.mjs evaluate --gt … --dt …
 *    --json`, on 5,000 images, 40,000 GT boxes and 100,000 detections written as COCO
 *    files, against Python pycocotools' evaluate() + accumulate() on the same files in the
 *    same run (bench/cocoEval_reference.py): an installed pycocotools, else the copy given
 *    with --pycocotools-path DIR (see test/fixtures/cocoEval/README.md), else skipped with
 *    the reason in the JSON. The twelve numbers of both are compared.
 *
 *   npx tsx bench/cocoEval.ts [--pycocotools-path DIR] [--only inprocess|cli]
 *
 * Prints one JSON object on stdout; progress goes to stderr. No thresholds.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../app/domain/random.ts';
import { readCocoEvalFiles } from '../app/io/cocoEvalFiles.ts';
import { STAT_KEYS } from '../app/hosts/cli/evaluateFiles.ts';
import { cocoEvaluate, type EvalDt, type EvalGt, type EvalInput } from '../app/metrics/cocoEval.ts';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const only = flag('--only');
const pycocotoolsPath = flag('--pycocotools-path');
const ROOT = path.resolve(import.meta.dirname, '..');

const IMAGES = 10_000;
const GT = 100_000;
const DT = 300_000;
const CATEGORIES = 20;
const RUNS = 3;

const log = (m: string) => process.stderr.write(`[bench:cocoEval] ${m}\n`);

function generate(): EvalInput {
  const rand = mulberry32(12345);
  const imageIds = Array.from({ length: IMAGES }, (_, i) => i + 1);
  const categoryIds = Array.from({ length: CATEGORIES }, (_, i) => i + 1);
  const gt: EvalGt[] = [];
  for (let n = 0; n < GT; n++) {
    const w = 4 + rand() * rand() * 400;
    const h = w * (0.5 + rand());
    gt.push({
      imageId: 1 + Math.floor(rand() * IMAGES),
      categoryId: 1 + Math.floor(rand() * CATEGORIES),
      bbox: [rand() * 1200, rand() * 700, w, h],
      iscrowd: rand() < 0.01,
    });
  }
  const dt: EvalDt[] = [];
  const jit = (v: number, s: number) => v + (rand() - 0.5) * s;
  // Two detections near most GT boxes, the rest at random.
  for (let n = 0; n < GT && dt.length < DT; n++) {
    const g = gt[n];
    const [x, y, w, h] = g.bbox;
    for (let k = 0; k < 2; k++) {
      if (rand() < 0.1) continue;
      const categoryId = rand() < 0.05 ? 1 + Math.floor(rand() * CATEGORIES) : g.categoryId;
      dt.push({ imageId: g.imageId, categoryId, bbox: [jit(x, w * 0.2), jit(y, h * 0.2), Math.max(0, jit(w, w * 0.2)), Math.max(0, jit(h, h * 0.2))], score: rand() });
    }
  }
  while (dt.length < DT) {
    const w = 4 + rand() * rand() * 400;
    dt.push({
      imageId: 1 + Math.floor(rand() * IMAGES),
      categoryId: 1 + Math.floor(rand() * CATEGORIES),
      bbox: [rand() * 1200, rand() * 700, w, w * (0.5 + rand())],
      score: rand() * 0.6,
    });
  }
  return { imageIds, categoryIds, gt, dt };
}

function inProcess(curves: boolean) {
  log(`generating ${IMAGES} images, ${GT} GT, ${DT} detections, ${CATEGORIES} categories${curves ? ', with curves' : ''}`);
  const input = generate();
  const seconds: number[] = [];
  const cpuSeconds: number[] = [];
  let stats: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    stats = cocoEvaluate(input, { curves }).stats;
    const cpu = process.cpuUsage(cpu0);
    seconds.push((performance.now() - t0) / 1000);
    cpuSeconds.push((cpu.user + cpu.system) / 1e6);
    log(`run ${run + 1}: ${seconds[run].toFixed(3)} s`);
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  return {
    images: IMAGES,
    gt: GT,
    dt: DT,
    categories: CATEGORIES,
    curves,
    seconds: seconds.map((s) => Number(s.toFixed(3))),
    medianSeconds: Number(sorted[Math.floor(RUNS / 2)].toFixed(3)),
    cpuSeconds: cpuSeconds.map((s) => Number(s.toFixed(3))),
    rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    ap: stats[0],
    ap50: stats[1],
  };
}

const CLI_IMAGES = 5_000;
const CLI_GT = 40_000;
const CLI_DT = 100_000;
const CLI_CATEGORIES = 20;
const CLI_RUNS = 3;

/** The CLI part's data as a COCO instances file and a COCO results file (values rounded as detectors' files usually are). */
function writeCocoFiles(dir: string): { gtFile: string; dtFile: string } {
  const rand = mulberry32(777);
  const r2 = (v: number) => Math.round(v * 100) / 100;
  const images = Array.from({ length: CLI_IMAGES }, (_, i) => ({ id: i + 1, file_name: `img_${String(i + 1).padStart(5, '0')}.jpg`, width: 1280, height: 720 }));
  const categories = Array.from({ length: CLI_CATEGORIES }, (_, i) => ({ id: i + 1, name: `class_${i + 1}`, supercategory: 'object' }));
  const annotations = [];
  for (let n = 0; n < CLI_GT; n++) {
    const w = r2(4 + rand() * rand() * 400);
    const h = r2(w * (0.5 + rand()));
    annotations.push({ id: n + 1, image_id: 1 + Math.floor(rand() * CLI_IMAGES), category_id: 1 + Math.floor(rand() * CLI_CATEGORIES), bbox: [r2(rand() * 1200), r2(rand() * 700), w, h], area: r2(w * h), iscrowd: rand() < 0.01 ? 1 : 0 });
  }
  const results = [];
  const jit = (v: number, s: number) => v + (rand() - 0.5) * s;
  for (let n = 0; n < CLI_GT && results.length < CLI_DT; n++) {
    const g = annotations[n];
    const [x, y, w, h] = g.bbox;
    for (let k = 0; k < 2; k++) {
      if (rand() < 0.1) continue;
      const category_id = rand() < 0.05 ? 1 + Math.floor(rand() * CLI_CATEGORIES) : g.category_id;
      results.push({ image_id: g.image_id, category_id, bbox: [r2(jit(x, w * 0.2)), r2(jit(y, h * 0.2)), r2(Math.max(0, jit(w, w * 0.2))), r2(Math.max(0, jit(h, h * 0.2)))], score: Math.round(rand() * 1e5) / 1e5 });
    }
  }
  while (results.length < CLI_DT) {
    const w = r2(4 + rand() * rand() * 400);
    results.push({ image_id: 1 + Math.floor(rand() * CLI_IMAGES), category_id: 1 + Math.floor(rand() * CLI_CATEGORIES), bbox: [r2(rand() * 1200), r2(rand() * 700), w, r2(w * (0.5 + rand()))], score: Math.round(rand() * 0.6 * 1e5) / 1e5 });
  }
  const gtFile = path.join(dir, 'instances.json');
  const dtFile = path.join(dir, 'results.json');
  fs.writeFileSync(gtFile, JSON.stringify({ info: { description: 'bench' }, images, annotations, categories }));
  fs.writeFileSync(dtFile, JSON.stringify(results));
  return { gtFile, dtFile };
}

/** Where pycocotools comes from for the comparison, or why there is none. */
function findPycocotools(): { args: string[]; source: string } | { skipped: string } {
  if (spawnSync('python3', ['-c', 'import pycocotools.cocoeval, numpy'], { stdio: 'ignore' }).status === 0) return { args: [], source: 'installed' };
  if (pycocotoolsPath) {
    if (!fs.existsSync(path.join(pycocotoolsPath, 'pycocotools', 'cocoeval.py'))) return { skipped: `--pycocotools-path ${pycocotoolsPath} has no pycocotools/cocoeval.py` };
    return { args: ['--pycocotools-path', pycocotoolsPath], source: `--pycocotools-path ${pycocotoolsPath}` };
  }
  return { skipped: 'python3 has no pycocotools and no --pycocotools-path was given' };
}

async function cli() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-cocoeval-'));
  try {
    log(`writing ${CLI_IMAGES} images, ${CLI_GT} GT, ${CLI_DT} detections, ${CLI_CATEGORIES} categories as COCO files`);
    const { gtFile, dtFile } = writeCocoFiles(dir);
    const mb = (f: string) => Number((fs.statSync(f).size / 2 ** 20).toFixed(1));
    // The CLI as a user starts it: a new node process on the package's bin.
    const seconds: number[] = [];
    let cliStats: number[] = [];
    for (let run = 0; run < CLI_RUNS; run++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'loupe.mjs'), 'evaluate', '--gt', gtFile, '--dt', dtFile, '--json'], { encoding: 'utf8', maxBuffer: 2 ** 24 });
      seconds.push((performance.now() - t0) / 1000);
      if (r.status !== 0) throw new Error(`loupe evaluate failed (${r.status}): ${r.stderr}`);
      const out = JSON.parse(r.stdout) as Record<string, number>;
      cliStats = STAT_KEYS.map((k) => out[k]);
      log(`cli run ${run + 1}: ${seconds[run].toFixed(3)} s`);
    }
    // Where the CLI's time goes: the same reading and evaluation in this (warm) process; the rest is start-up.
    const t0 = performance.now();
    const input = await readCocoEvalFiles(gtFile, dtFile);
    const t1 = performance.now();
    cocoEvaluate(input);
    const t2 = performance.now();
    const startup = performance.now();
    spawnSync(process.execPath, [path.join(ROOT, 'bin', 'loupe.mjs'), '--help'], { stdio: 'ignore' });
    const startupSeconds = (performance.now() - startup) / 1000;
    const median = [...seconds].sort((a, b) => a - b)[Math.floor(CLI_RUNS / 2)];

    let python: Record<string, unknown>;
    const py = findPycocotools();
    if ('skipped' in py) {
      log(`pycocotools: skipped (${py.skipped})`);
      python = { skipped: py.skipped };
    } else {
      log(`pycocotools (${py.source}): evaluate() + accumulate() …`);
      const tp = performance.now();
      const r = spawnSync('python3', [path.join(ROOT, 'bench', 'cocoEval_reference.py'), gtFile, dtFile, ...py.args], { encoding: 'utf8', maxBuffer: 2 ** 26 });
      const processSeconds = (performance.now() - tp) / 1000;
      if (r.status !== 0) throw new Error(`cocoEval_reference.py failed (${r.status}): ${r.stderr.slice(-2000)}`);
      const ref = JSON.parse(r.stdout) as { pycocotools: string; numpy: string; loadSeconds: number; evaluateSeconds: number; accumulateSeconds: number; stats: number[] };
      const evalAcc = ref.evaluateSeconds + ref.accumulateSeconds;
      const maxDiff = Math.max(...ref.stats.map((v, i) => Math.abs(v - cliStats[i])));
      python = {
        source: py.source,
        pycocotools: ref.pycocotools,
        numpy: ref.numpy,
        loadSeconds: ref.loadSeconds,
        evaluateSeconds: ref.evaluateSeconds,
        accumulateSeconds: ref.accumulateSeconds,
        processSeconds: Number(processSeconds.toFixed(3)),
        stats: ref.stats,
        statsMaxDiff: maxDiff,
        sameStats: maxDiff <= 1e-9,
        // The goal: the whole CLI process against pycocotools' evaluate() + accumulate() alone.
        ratio: Number((evalAcc / median).toFixed(1)),
        ratioWholeProcesses: Number((processSeconds / median).toFixed(1)),
      };
      log(`pycocotools ${evalAcc.toFixed(1)} s (evaluate + accumulate); the CLI ${median.toFixed(2)} s: ${(evalAcc / median).toFixed(1)}×; stats ${maxDiff <= 1e-9 ? 'equal' : `differ by ${maxDiff}`}`);
    }
    return {
      images: CLI_IMAGES,
      gt: CLI_GT,
      dt: CLI_DT,
      categories: CLI_CATEGORIES,
      gtFileMB: mb(gtFile),
      dtFileMB: mb(dtFile),
      cliSeconds: seconds.map((s) => Number(s.toFixed(3))),
      cliMedianSeconds: Number(median.toFixed(3)),
      inProcess: { readSeconds: Number(((t1 - t0) / 1000).toFixed(3)), evaluateSeconds: Number(((t2 - t1) / 1000).toFixed(3)) },
      cliHelpSeconds: Number(startupSeconds.toFixed(3)),
      stats: cliStats,
      python,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const result: Record<string, unknown> = {};
if (only !== 'cli') {
  result.inProcess = inProcess(false);
  result.inProcessCurves = inProcess(true);
}
if (only !== 'inprocess') result.cli = await cli();
process.stdout.write(`${JSON.stringify(result)}\n`);
