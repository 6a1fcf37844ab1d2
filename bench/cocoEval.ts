/**
 * COCO bbox evaluation benchmark: `cocoEvaluate` on 10,000 images, 100,000 GT boxes
 * and 300,000 detections (20 categories, seeded).
 *
 *   npx tsx bench/cocoEval.ts
 *
 * Prints one JSON object on stdout: the wall-clock seconds of each of 3 runs in this
 * process (the first includes JIT warm-up), their median, the CPU seconds of each run
 * (steadier than wall time on a busy machine), and the RSS after the runs.
 * Progress goes to stderr. No thresholds.
 */
import { mulberry32 } from '../app/domain/random.ts';
import { cocoEvaluate, type EvalDt, type EvalGt, type EvalInput } from '../app/metrics/cocoEval.ts';

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

log(`generating ${IMAGES} images, ${GT} GT, ${DT} detections, ${CATEGORIES} categories`);
const input = generate();
const seconds: number[] = [];
const cpuSeconds: number[] = [];
let stats: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  stats = cocoEvaluate(input).stats;
  const cpu = process.cpuUsage(cpu0);
  seconds.push((performance.now() - t0) / 1000);
  cpuSeconds.push((cpu.user + cpu.system) / 1e6);
  log(`run ${run + 1}: ${seconds[run].toFixed(3)} s`);
}
const sorted = [...seconds].sort((a, b) => a - b);
process.stdout.write(
  `${JSON.stringify({
    images: IMAGES,
    gt: GT,
    dt: DT,
    categories: CATEGORIES,
    seconds: seconds.map((s) => Number(s.toFixed(3))),
    medianSeconds: Number(sorted[Math.floor(RUNS / 2)].toFixed(3)),
    cpuSeconds: cpuSeconds.map((s) => Number(s.toFixed(3))),
    rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    ap: stats[0],
    ap50: stats[1],
  })}\n`,
);
