/**
 * Image statistics throughput: 10,000 generated 640×480 JPEGs (cached under
 * .bench/flags-v1/), decoded and measured by the StatsPool the flags job uses,
 * against the same pool only decoding them, in the same run. Prints one JSON object.
 *
 *   npx tsx bench/flags.ts [--images N]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../app/domain/random.ts';
import { bundledWorker } from '../app/jobs/bundledWorker.ts';
import { StatsPool } from '../app/metrics/StatsPool.ts';
import { CACHE } from './cachedProject.ts';

const arg = process.argv.indexOf('--images');
const N = arg > 0 ? Number(process.argv[arg + 1]) : 10_000;
const W = 640;
const H = 480;
const DIR = path.join(CACHE, 'flags-v1');

/** A varied scene: a gradient, a few blocks and noise, seeded by index. */
function pixels(i: number): Buffer {
  const rnd = mulberry32(i + 1);
  const data = Buffer.alloc(W * H * 3);
  const base = [rnd() * 200, rnd() * 200, rnd() * 200];
  const blocks = Array.from({ length: 6 }, () => ({ x: rnd() * W, y: rnd() * H, s: 40 + rnd() * 160, v: rnd() * 255 }));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let v = (x + y) / 8;
      for (const b of blocks) if (x > b.x && x < b.x + b.s && y > b.y && y < b.y + b.s) v = b.v;
      const o = (y * W + x) * 3;
      const n = (rnd() - 0.5) * 20;
      for (let c = 0; c < 3; c++) data[o + c] = Math.max(0, Math.min(255, base[c] * 0.3 + v + n));
    }
  }
  return data;
}

async function ensureImages(): Promise<string[]> {
  const done = path.join(DIR, `.complete-${N}`);
  const files = Array.from({ length: N }, (_, i) => path.join(DIR, `${String(Math.floor(i / 1000)).padStart(2, '0')}`, `img-${String(i).padStart(5, '0')}.jpg`));
  if (fs.existsSync(done)) return files;
  process.stderr.write(`[bench] generating ${N} ${W}×${H} JPEGs in ${DIR} (cached for later runs)\n`);
  for (let i = 0; i < N; i++) {
    if (fs.existsSync(files[i])) continue;
    fs.mkdirSync(path.dirname(files[i]), { recursive: true });
    await sharp(pixels(i), { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 85 }).toFile(files[i]);
    if (i % 1000 === 999) process.stderr.write(`[bench]   ${i + 1}\n`);
  }
  fs.writeFileSync(done, new Date().toISOString());
  return files;
}

/** Feed every file through `one` with the pool kept full; images per second. */
async function throughput(pool: StatsPool, files: string[], one: (f: string) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: pool.capacity }, async () => {
    while (next < files.length) await one(files[next++]);
  }));
  return files.length / ((performance.now() - t0) / 1000);
}

const files = await ensureImages();
const source = new URL('../app/metrics/statsWorker.ts', import.meta.url);
const workerFile = (await bundledWorker(source)) ?? source;
const pool = new StatsPool({ workerFile });
try {
  // Warm-up: workers started, page cache filled for both passes alike.
  await throughput(pool, files.slice(0, 200), (f) => pool.decode(f));
  const rounds: { decodeOnly: number; stats: number }[] = [];
  // Alternated twice, so drift in machine load does not favour one side.
  for (let r = 0; r < 2; r++) {
    const decodeOnly = await throughput(pool, files, (f) => pool.decode(f));
    const stats = await throughput(pool, files, (f) => pool.stats(f));
    rounds.push({ decodeOnly, stats });
  }
  const decodeOnly = Math.max(...rounds.map((r) => r.decodeOnly));
  const stats = Math.max(...rounds.map((r) => r.stats));
  const ratio = stats / decodeOnly;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'flags',
      images: N,
      size: `${W}x${H}`,
      cores: os.availableParallelism(),
      workers: pool.capacity / 2,
      decodeOnlyImagesPerSecond: Math.round(decodeOnly),
      statsImagesPerSecond: Math.round(stats),
      ratio: Number(ratio.toFixed(3)),
      rounds: rounds.map((r) => ({ decodeOnly: Math.round(r.decodeOnly), stats: Math.round(r.stats) })),
      goal: 0.8,
      pass: ratio >= 0.8,
    })}\n`,
  );
} finally {
  await pool.close();
}
