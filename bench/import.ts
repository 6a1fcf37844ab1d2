/**
 * Import and listing benchmark. Prints one JSON object on stdout; progress goes to stderr.
 *
 *   npx tsx bench/import.ts
 *
 * Phases, each measured in its own child process so one phase's memory or warm
 * caches never leak into another's figures:
 *   1. import 10,000 generated JPEG/PNG images (64×48 … 320×240) into a new project:
 *      images per second and peak RSS;
 *   2. cold open of a 100,000-image project and its first page of 200 (fresh process);
 *   3. p50/p95 of `images:list` pages of 200 at random offsets, through the real dispatcher.
 * Generated images and the 100k project are cached under .bench/, keyed by a version string.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../app/domain/random.ts';
import { CACHE, cachedProject } from './cachedProject.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
/** Bump when the generator or the 100k layout changes, so stale caches are rebuilt. */
const VERSION = 'v1';
const IMAGES = 10_000;
const BIG = { images: 100_000, boxes: 300_000 };
const PAGE = 200;
const LIST_SAMPLES = 200;
const GOALS = { imagesPerSecond: 1000, openMs: 300, pageP95Ms: 10 };

const log = (msg: string) => process.stderr.write(`[bench:import] ${msg}\n`);

async function ensureImages(): Promise<string> {
  const dir = path.join(CACHE, `images-${VERSION}`);
  const done = path.join(dir, '.complete');
  if (fs.existsSync(done)) return dir;
  log(`generating ${IMAGES} images in ${dir} (cached for later runs)`);
  fs.rmSync(dir, { recursive: true, force: true });
  const { default: sharp } = await import('sharp');
  const rand = mulberry32(42);
  const started = performance.now();
  const jobs: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const w = 64 + Math.floor(rand() * 257);
    const h = 48 + Math.floor(rand() * 193);
    const png = rand() < 0.3;
    const [r, g, b, dx, dy] = [rand(), rand(), rand(), rand(), rand()].map((v) => Math.floor(v * 256));
    const sub = path.join(dir, `cam${String(i % 20).padStart(2, '0')}`, `day${String(Math.floor(i / 1000)).padStart(2, '0')}`);
    const file = path.join(sub, `img${String(i).padStart(5, '0')}.${png ? 'png' : 'jpg'}`);
    jobs.push(async () => {
      // A gradient plus a per-image colour keeps every file distinct (no accidental duplicates).
      const raw = Buffer.alloc(w * h * 3);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const o = (y * w + x) * 3;
          raw[o] = (r + x + dx) & 255;
          raw[o + 1] = (g + y + dy) & 255;
          raw[o + 2] = (b + ((x * y) >> 6) + i) & 255;
        }
      }
      fs.mkdirSync(sub, { recursive: true });
      const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
      await (png ? img.png() : img.jpeg({ quality: 80 })).toFile(file);
    });
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
  fs.writeFileSync(done, `${IMAGES} images, ${new Date().toISOString()}\n`);
  log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

function ensureBigProject(): Promise<string> {
  return cachedProject(`project100k-${VERSION}`, `${BIG.images} images / ${BIG.boxes} boxes`, (project) => {
    const db = project.db;
    const rand = mulberry32(7);
    const insImage = db.prepare(
      `INSERT INTO images (root_id, path, width, height, orientation, format, bytes, content_hash, metadata, added_at)
       VALUES (?, ?, ?, ?, 1, ?, ?, ?, '{}', ?)`,
    );
    const insBox = db.prepare(
      'INSERT INTO boxes (image_id, annotator_id, class_id, x, y, w, h, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      const rootId = project.images.ensureRoot('/bench/images');
      const insClass = db.prepare('INSERT INTO classes (name, color, hotkey, position) VALUES (?, ?, NULL, ?)');
      const classIds = ['car', 'person', 'bike'].map((name, i) => Number(insClass.run(name, '#ff8800', i).lastInsertRowid));
      const at = new Date().toISOString();
      const ids: number[] = [];
      for (let i = 0; i < BIG.images; i++) {
        // Shuffled insertion order, so path order and id order differ as after real imports of several folders.
        const n = (i * 7919) % BIG.images;
        const p = `site${n % 10}/cam${n % 37}/frame${String(n).padStart(6, '0')}.jpg`;
        const hash = n.toString(16).padStart(64, '0');
        ids.push(Number(insImage.run(rootId, p, 1920, 1080, 'jpeg', 200_000 + n, hash, at).lastInsertRowid));
      }
      for (let k = 0; k < BIG.boxes; k++) {
        const id = ids[Math.floor(rand() * ids.length)];
        const cls = classIds[k % classIds.length];
        insBox.run(id, project.annotator.id, cls, rand() * 1800, rand() * 1000, 10 + rand() * 100, 10 + rand() * 60, 'drawn');
      }
    })();
  });
}

/** Child: import the folder into a new project, sampling RSS every ~10 ms. */
async function childImport(dir: string): Promise<void> {
  const { Project } = await import('../app/store/Project.ts');
  const { importFolder } = await import('../app/io/importFolder.ts');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-'));
  const project = Project.create(path.join(tmp, 'bench.loupe'), { annotator: 'bench' });
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const t0 = performance.now();
    const summary = await importFolder(project, dir);
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const out = {
      found: summary.found,
      added: summary.added,
      failed: summary.failed.length,
      firstFailures: summary.failed.slice(0, 3),
      seconds,
      peakRssMB: peak / 2 ** 20,
      baselineRssMB: baseline / 2 ** 20,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    clearInterval(timer);
    project.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Child: a cold open as the app does it (session open, then the first page through the dispatcher). */
async function childOpen(file: string): Promise<void> {
  const { Session } = await import('../app/services/Session.ts');
  const { createDispatcher } = await import('../app/hosts/dispatcher.ts');
  const t0 = performance.now();
  const session = new Session('bench', { annotator: 'bench' });
  await session.open(file);
  const dispatch = createDispatcher(session);
  const reply = await dispatch('images:list', { offset: 0, limit: PAGE });
  const ms = performance.now() - t0;
  if (!reply.ok) throw new Error(`images:list failed: ${reply.error.message}`);
  const v = reply.value as { total: number; items: unknown[] };
  await session.close();
  process.stdout.write(`${JSON.stringify({ ms, total: v.total, items: v.items.length })}\n`);
}

/** Run this file in a fresh tsx process in `mode`, returning its JSON line and the wall time. */
function runChild<T>(mode: string, arg: string): Promise<{ result: T; wallMs: number }> {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [fileURLToPath(import.meta.url), `--child=${mode}`, arg], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`bench child "${mode}" exited with ${code}`));
      try {
        resolve({ result: JSON.parse(out.trim().split('\n').pop()!) as T, wallMs });
      } catch {
        reject(new Error(`bench child "${mode}" printed no JSON: ${out.slice(0, 200)}`));
      }
    });
  });
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function listPages(file: string): Promise<{ p50Ms: number; p95Ms: number; maxMs: number }> {
  const { Session } = await import('../app/services/Session.ts');
  const { createDispatcher } = await import('../app/hosts/dispatcher.ts');
  const session = new Session('bench', { annotator: 'bench' });
  await session.open(file);
  const dispatch = createDispatcher(session);
  const rand = mulberry32(99);
  const times: number[] = [];
  try {
    for (let i = 0; i < LIST_SAMPLES + 10; i++) {
      const offset = Math.floor(rand() * (BIG.images - PAGE + 1));
      const t0 = performance.now();
      const reply = await dispatch('images:list', { offset, limit: PAGE });
      const ms = performance.now() - t0;
      if (!reply.ok) throw new Error(`images:list failed: ${reply.error.message}`);
      if ((reply.value as { items: unknown[] }).items.length !== PAGE) throw new Error(`short page at offset ${offset}`);
      if (i >= 10) times.push(ms); // the first few warm up the JIT and statement cache
    }
  } finally {
    await session.close();
  }
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 0.5), p95Ms: percentile(times, 0.95), maxMs: times[times.length - 1] };
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const childMode = process.argv.find((a) => a.startsWith('--child='))?.slice('--child='.length);
  if (childMode === 'import') return childImport(process.argv[3]);
  if (childMode === 'open') return childOpen(process.argv[3]);
  if (childMode) throw new Error(`unknown child mode ${childMode}`);

  const dir = await ensureImages();
  log(`importing ${IMAGES} images (fresh process, ${os.cpus().length} cores)`);
  const imp = await runChild<{ found: number; added: number; failed: number; firstFailures: unknown[]; seconds: number; peakRssMB: number; baselineRssMB: number; maxRssMB: number }>('import', dir);
  const r = imp.result;
  if (r.added !== IMAGES || r.failed !== 0) {
    throw new Error(`import added ${r.added} of ${IMAGES} (failed ${r.failed}: ${JSON.stringify(r.firstFailures)})`);
  }
  const imagesPerSecond = r.added / r.seconds;
  log(`import: ${r.seconds.toFixed(2)} s, ${Math.round(imagesPerSecond)} images/s, peak RSS ${r.peakRssMB.toFixed(0)} MB`);

  const big = await ensureBigProject();
  log('cold open of the 100k project (fresh process)');
  const open = await runChild<{ ms: number; total: number; items: number }>('open', big);
  if (open.result.total !== BIG.images || open.result.items !== PAGE) throw new Error(`unexpected first page: ${JSON.stringify(open.result)}`);
  log(`open + first page: ${open.result.ms.toFixed(1)} ms (child wall ${open.wallMs.toFixed(0)} ms)`);

  log(`listing ${LIST_SAMPLES} random pages of ${PAGE}`);
  const list = await listPages(big);
  log(`page p50 ${list.p50Ms.toFixed(2)} ms, p95 ${list.p95Ms.toFixed(2)} ms`);

  const result = {
    bench: 'import',
    images: r.added,
    seconds: round(r.seconds, 3),
    imagesPerSecond: Math.round(imagesPerSecond),
    goalImagesPerSecond: GOALS.imagesPerSecond,
    peakRssMB: round(r.peakRssMB),
    maxRssMB: round(r.maxRssMB),
    rssBeforeImportMB: round(r.baselineRssMB),
    open100k: {
      images: open.result.total,
      boxes: BIG.boxes,
      openAndFirstPageMs: round(open.result.ms, 2),
      goalMs: GOALS.openMs,
      childWallMs: Math.round(open.wallMs),
    },
    listPage200: { samples: LIST_SAMPLES, p50Ms: round(list.p50Ms, 3), p95Ms: round(list.p95Ms, 3), maxMs: round(list.maxMs, 3), goalMs: GOALS.pageP95Ms },
    cores: os.cpus().length,
    pass: {
      imagesPerSecond: imagesPerSecond >= GOALS.imagesPerSecond,
      openAndFirstPage: open.result.ms <= GOALS.openMs,
      listPage200P95: list.p95Ms <= GOALS.pageP95Ms,
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`[bench:import] ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
