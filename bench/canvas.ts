/**
 * Canvas benchmark: is the review canvas fluid at 5,000 boxes, how fast does the
 * next image show, and does the 100,000-image queue scroll smoothly? Prints one
 * JSON object on stdout; progress goes to stderr.
 *
 *   npm run bench:canvas        # or: npx tsx bench/canvas.ts [--steps=N] [--reps=N] [--only=loupe|next]
 *
 * `--only=loupe` runs Loupe's canvas gestures alone (no baseline, next image or
 * queue) while working on the canvas, `--only=next` the next image alone; their
 * `pass` covers only what ran.
 *
 * Real parts throughout: the built renderer served by the browser host on real
 * project files, driven by Playwright's mouse and keyboard in headless Chromium
 * (Debian's, software rendering, device pixel ratio 1) at 1920×1080.
 *
 * Frame time is the interval between consecutive animation frames while a
 * gesture runs (input is sent one event at a time, each after the page handled
 * the one before, so a slow handler or a slow redraw shows as a long interval).
 * For pan and zoom, `updatesPerSecond` counts the frames at which the canvas's
 * view had changed since the frame before: how often the picture moved.
 *
 * Scenes (bench/canvas/inputs.ts): a 6000×4000 photo-like JPEG with 5,000 boxes
 * of six classes, sides 20–200 px, once as the person's own boxes and once as a
 * model's predictions; each gesture runs at fit, where every box is in view:
 * - pan: press on the empty margin beside the image and drag in a loop;
 * - zoom: wheel in and out around the canvas centre;
 * - drag: press on one box in the middle of the crowd and move it in a circle;
 * - pan over predictions (boxes the person did not draw).
 * The same scene drawn the naive react-konva way (bench/canvas/naive/: one
 * layer, every box a listening <Rect>, no culling or caching, the view in React
 * state) gets the same input in the same run, on a stage of the same size:
 * `ratio` is naive ÷ Loupe of each p95.
 *
 * Next image: 21 photo-like 12-megapixel JPEGs (4000×3000); a person dwells on
 * each (1.5 s, enough for the prefetch of the next one) and presses D; the time
 * runs from the key press reaching the page to the first frame at which the new
 * image's pixels are on the canvas.
 *
 * Queue scroll: the 100,000-image project of bench/queue.ts; the wheel scrolls
 * the virtualised queue list, 100 px per event.
 *
 * Goals (the issue): frame time p95 ≤ 16.7 ms for pan, zoom and drag; next image
 * p95 ≤ 100 ms; queue scroll frame time p95 ≤ 16.7 ms.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import react from '@vitejs/plugin-react';
import { build } from 'vite';
import { startWebHost } from '../test/e2e/webHost.ts';
import { ANNOTATOR, CLASSES, DIR, ensureNext, ensureQueue, ensureScene, workingCopy, type Scene } from './canvas/inputs.ts';
import { PAGE_SCRIPT, type FrameRecord } from './canvas/page.ts';

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt);
/** Input events per gesture. */
const STEPS = arg('steps', 150);
/** Each gesture is repeated this many times; the frames of all repetitions are pooled. */
const REPS = arg('reps', 3);
const VIEWPORT = { width: 1920, height: 1080 };
const FRAME_GOAL_MS = 16.7;
/**
 * Animation frames come at multiples of the 60 Hz vsync (16.67 ms, give or take
 * a tenth of a millisecond of clock jitter), so a frame-time p95 meets the 16.7 ms
 * goal when it is a single vsync: below one and a half of them.
 */
const VSYNC_MS = 1000 / 60;
const oneFrame = (p95: number) => p95 < 1.5 * VSYNC_MS;
const NEXT_GOAL_MS = 100;
const DWELL_MS = 1500;
const ROOT = path.resolve(import.meta.dirname, '..');
const LIST = 'document.querySelector("[data-testid=image-list]")';

const log = (msg: string) => process.stderr.write(`[bench:canvas] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

interface FrameStats {
  frames: number;
  seconds: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** The p95 in whole vsyncs (1: no frame dropped). */
  p95Vsyncs?: number;
  updatesPerSecond?: number;
}

function frameStats(records: FrameRecord[], countUpdates: boolean): FrameStats {
  const gaps: number[] = [];
  let seconds = 0;
  let updates = 0;
  for (const r of records) {
    for (let i = 1; i < r.t.length; i++) {
      gaps.push(r.t[i] - r.t[i - 1]);
      if (r.views[i] !== r.views[i - 1]) updates++;
    }
    if (r.t.length > 1) seconds += (r.t[r.t.length - 1] - r.t[0]) / 1000;
  }
  gaps.sort((a, b) => a - b);
  const s: FrameStats = { frames: gaps.length, seconds: round(seconds), p50Ms: round(quantile(gaps, 0.5)), p95Ms: round(quantile(gaps, 0.95)), maxMs: round(gaps[gaps.length - 1] ?? NaN) };
  s.p95Vsyncs = Math.round(s.p95Ms / VSYNC_MS);
  if (countUpdates) s.updatesPerSecond = round(updates / seconds, 1);
  return s;
}

/** Run `gesture` while recording frames; returns what the recorder saw. */
async function recorded(page: Page, gesture: () => Promise<void>): Promise<FrameRecord> {
  await page.evaluate('window.__bench.start()');
  await gesture();
  // One more frame so the last input's redraw is counted.
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  return (await page.evaluate('window.__bench.stop()')) as FrameRecord;
}

interface CanvasGeometry {
  /** The canvas element on the page. */
  box: { x: number; y: number; width: number; height: number };
  view: { scale: number; x: number; y: number };
}

async function geometry(page: Page): Promise<CanvasGeometry> {
  const c = page.getByTestId('canvas');
  const box = (await c.boundingBox())!;
  const num = async (k: string) => Number(await c.getAttribute(`data-${k}`));
  return { box, view: { scale: await num('scale'), x: await num('x'), y: await num('y') } };
}

/** A point on the empty margin beside the fitted image, in page pixels. */
function marginPoint(g: CanvasGeometry): { x: number; y: number } {
  const { box, view } = g;
  if (view.y >= view.x) return { x: box.x + box.width / 2, y: box.y + Math.max(2, view.y / 2) };
  return { x: box.x + Math.max(2, view.x / 2), y: box.y + box.height / 2 };
}

/** Drag with the left button from `from` along a closed loop (radius r page px). */
async function loopDrag(page: Page, from: { x: number; y: number }, r: number): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= STEPS; i++) {
    const a = (2 * Math.PI * i) / STEPS;
    // A figure of eight that starts and ends at the press.
    await page.mouse.move(from.x + r * Math.sin(a), from.y + (r / 2) * Math.sin(2 * a));
  }
  await page.mouse.up();
}

async function wheelZoom(page: Page, at: { x: number; y: number }): Promise<void> {
  await page.mouse.move(at.x, at.y);
  const half = 15;
  for (let i = 0; i < STEPS; i++) {
    const inward = Math.floor(i / half) % 2 === 0;
    await page.mouse.wheel(0, inward ? -100 : 100);
  }
}

interface Gestures {
  pan: FrameStats;
  zoom: FrameStats;
  drag: FrameStats;
  panPredictions: FrameStats;
}

/** Pan, zoom and drag on the page's scene; `reset` brings the view back to fit between repetitions. */
async function gestures(page: Page, scene: Scene, reset: () => Promise<void>): Promise<Omit<Gestures, 'panPredictions'>> {
  const pans: FrameRecord[] = [];
  const zooms: FrameRecord[] = [];
  const drags: FrameRecord[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    await reset();
    let g = await geometry(page);
    pans.push(await recorded(page, () => loopDrag(page, marginPoint(g), 250)));
    await reset();
    g = await geometry(page);
    zooms.push(await recorded(page, () => wheelZoom(page, { x: g.box.x + g.box.width / 2, y: g.box.y + g.box.height / 2 })));
    await reset();
    g = await geometry(page);
    const t = scene.boxes[scene.target];
    const at = { x: g.box.x + g.view.x + (t.x + t.w / 2) * g.view.scale, y: g.box.y + g.view.y + (t.y + t.h / 2) * g.view.scale };
    drags.push(await recorded(page, () => loopDrag(page, at, 80)));
  }
  return { pan: frameStats(pans, true), zoom: frameStats(zooms, true), drag: frameStats(drags, false) };
}

async function panOnly(page: Page, reset: () => Promise<void>): Promise<FrameStats> {
  const pans: FrameRecord[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    await reset();
    pans.push(await recorded(page, async () => loopDrag(page, marginPoint(await geometry(page)), 250)));
  }
  return frameStats(pans, true);
}

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  await context.addInitScript(PAGE_SCRIPT);
  return context.newPage();
}

/** Open Loupe on a project and show its image `rel`; returns the host and page. */
async function openLoupe(browser: Browser, project: string, rel: string) {
  const host = await startWebHost(project);
  const page = await newPage(browser);
  await page.goto(host.url);
  await page.locator('[data-testid=image-list][data-total]:not([data-total="0"])').waitFor({ timeout: 60_000 });
  await page.getByTestId(`image-row-${rel}`).click();
  await page.locator('[data-testid=canvas][data-ready=true]').waitFor();
  await sleep(500);
  const fit = async () => {
    await page.getByTestId('canvas').focus();
    await page.keyboard.press('f');
    await sleep(150);
  };
  return { host, page, fit };
}

/** Build the naive baseline page once per version, and serve it with the scene. */
async function serveNaive(scene: Scene): Promise<{ url: string; close(): Promise<void> }> {
  const out = path.join(DIR, 'naive-dist');
  const src = path.join(ROOT, 'bench/canvas/naive');
  const stale = !fs.existsSync(path.join(out, 'index.html')) || fs.statSync(path.join(src, 'main.tsx')).mtimeMs > fs.statSync(path.join(out, 'index.html')).mtimeMs;
  if (stale) {
    log('building the naive react-konva page');
    await build({ configFile: false, root: src, base: './', logLevel: 'warn', plugins: [react()], build: { outDir: out, emptyOutDir: true } });
  }
  const sceneJson = JSON.stringify({ width: scene.width, height: scene.height, boxes: scene.boxes, colors: CLASSES.map((c) => c.color) });
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.jpg': 'image/jpeg' };
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let body: Buffer | string | null = null;
    const file = name === '/' ? '/index.html' : name;
    if (file === '/scene.json') body = sceneJson;
    else if (file === '/scene.jpg') body = fs.readFileSync(scene.image);
    else {
      const f = path.join(out, file);
      if (f.startsWith(out) && fs.existsSync(f) && fs.statSync(f).isFile()) body = fs.readFileSync(f);
    }
    if (body === null) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[path.extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) };
}

async function loupeScene(browser: Browser, scene: Scene & { mine: string; predicted: string }) {
  const rel = path.basename(scene.image);
  const mine = workingCopy(scene.mine, 'mine');
  const predicted = workingCopy(scene.predicted, 'predicted');
  try {
    log('Loupe: pan, zoom and drag over 5,000 of the person’s boxes');
    const a = await openLoupe(browser, mine.file, rel);
    let main: Omit<Gestures, 'panPredictions'>;
    let canvas: { width: number; height: number };
    try {
      const g = await geometry(a.page);
      canvas = { width: Math.round(g.box.width), height: Math.round(g.box.height) };
      main = await gestures(a.page, scene, a.fit);
    } finally {
      await a.page.context().close();
      await a.host.stop();
    }
    log('Loupe: pan over 5,000 predictions');
    const b = await openLoupe(browser, predicted.file, rel);
    let panPredictions: FrameStats;
    try {
      panPredictions = await panOnly(b.page, b.fit);
    } finally {
      await b.page.context().close();
      await b.host.stop();
    }
    return { canvas, result: { ...main, panPredictions } as Gestures };
  } finally {
    mine.remove();
    predicted.remove();
  }
}

async function naiveScene(browser: Browser, scene: Scene, canvas: { width: number; height: number }): Promise<Gestures> {
  const server = await serveNaive(scene);
  try {
    const open = async (editable: boolean) => {
      const page = await newPage(browser);
      const reload = async () => {
        await page.goto(`${server.url}?w=${canvas.width}&h=${canvas.height}&editable=${editable ? 1 : 0}`);
        await page.locator('[data-testid=canvas] canvas').first().waitFor();
        await page.waitForFunction('document.querySelector("[data-testid=canvas]").dataset.scale !== undefined');
        await sleep(300);
      };
      return { page, reload };
    };
    log('naive: pan, zoom and drag');
    const a = await open(true);
    let main: Omit<Gestures, 'panPredictions'>;
    try {
      main = await gestures(a.page, scene, a.reload);
    } finally {
      await a.page.context().close();
    }
    log('naive: pan over boxes that cannot be dragged');
    const b = await open(false);
    let panPredictions: FrameStats;
    try {
      panPredictions = await panOnly(b.page, b.reload);
    } finally {
      await b.page.context().close();
    }
    return { ...main, panPredictions };
  } finally {
    await server.close();
  }
}

async function nextImage(browser: Browser) {
  const { project, files } = await ensureNext();
  const copy = workingCopy(project, 'next');
  const a = await openLoupe(browser, copy.file, path.basename(files[0]));
  try {
    const times: number[] = [];
    for (let i = 1; i < files.length; i++) {
      await sleep(DWELL_MS);
      const prev = Number(await a.page.getByTestId('canvas').getAttribute('data-image-id'));
      await a.page.evaluate('window.__bench.armKey()');
      await a.page.getByTestId('canvas').focus();
      await a.page.keyboard.press('d');
      const r = (await a.page.evaluate(`window.__bench.pixelsAfterKey(${prev})`)) as { ms: number; imageId: number };
      times.push(r.ms);
    }
    const sorted = [...times].sort((x, y) => x - y);
    return { images: files.length, samples: times.length, dwellMs: DWELL_MS, p50Ms: round(quantile(sorted, 0.5)), p95Ms: round(quantile(sorted, 0.95)), maxMs: round(sorted[sorted.length - 1]) };
  } finally {
    await a.page.context().close();
    await a.host.stop();
    copy.remove();
  }
}

async function queueScroll(browser: Browser) {
  const project = await ensureQueue();
  const copy = workingCopy(project, 'queue');
  const host = await startWebHost(copy.file);
  const page = await newPage(browser);
  try {
    await page.goto(host.url);
    const list = page.getByTestId('image-list');
    await page.locator('[data-testid=image-list][data-total="100000"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid^=image-row-]').first().waitFor();
    await sleep(500);
    const records: FrameRecord[] = [];
    let scrolled = 0;
    for (let rep = 0; rep < REPS; rep++) {
      await page.evaluate(`${LIST}.scrollTop = 0`);
      await sleep(300);
      await list.hover();
      records.push(
        await recorded(page, async () => {
          for (let i = 0; i < STEPS; i++) await page.mouse.wheel(0, 100);
        }),
      );
      scrolled = Math.max(scrolled, (await page.evaluate(`${LIST}.scrollTop`)) as number);
    }
    // The list must really have moved, or the frames say nothing.
    if (scrolled < STEPS * 50) throw new Error(`the queue list scrolled only ${scrolled} px for ${STEPS} wheel events`);
    const rowsShown = await page.locator('[data-testid^=image-row-]').count();
    return { images: 100_000, scrolledPx: scrolled, rowsInDom: rowsShown, ...frameStats(records, false) };
  } finally {
    await page.context().close();
    await host.stop();
    copy.remove();
  }
}

async function main(): Promise<void> {
  process.env.LOUPE_ANNOTATOR = ANNOTATOR;
  // The build the app serves, rebuilt when its sources are newer (scripts/lib.mjs, plain JavaScript).
  const lib = '../scripts/lib.mjs';
  const { ensureRenderer } = (await import(lib)) as { ensureRenderer(): void };
  ensureRenderer();
  const scene = await ensureScene();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  try {
    if (process.argv.includes('--only=next')) {
      const next = await nextImage(browser);
      process.stdout.write(`${JSON.stringify({ bench: 'canvas', only: 'next', nextImage: next, loadAverage: round(os.loadavg()[0]), pass: { nextImage: next.p95Ms <= NEXT_GOAL_MS } })}\n`);
      return;
    }
    const { canvas, result: loupe } = await loupeScene(browser, scene);
    if (process.argv.includes('--only=loupe')) {
      const pass = Object.fromEntries(Object.entries(loupe).map(([k, v]) => [k, oneFrame(v.p95Ms)]));
      process.stdout.write(`${JSON.stringify({ bench: 'canvas', only: 'loupe', canvas, steps: STEPS, repetitions: REPS, loupe, loadAverage: round(os.loadavg()[0]), pass })}\n`);
      return;
    }
    const naive = await naiveScene(browser, scene, canvas);
    log('next image: 12-megapixel JPEGs');
    const next = await nextImage(browser);
    log('queue: scrolling 100,000 images');
    const queue = await queueScroll(browser);
    const keys = ['pan', 'zoom', 'drag', 'panPredictions'] as const;
    const ratio = Object.fromEntries(keys.map((k) => [k, round(naive[k].p95Ms / loupe[k].p95Ms, 1)]));
    const result = {
      bench: 'canvas',
      viewport: VIEWPORT,
      canvas,
      scene: { width: scene.width, height: scene.height, boxes: scene.boxes.length },
      steps: STEPS,
      repetitions: REPS,
      goals: { frameP95Ms: FRAME_GOAL_MS, nextImageP95Ms: NEXT_GOAL_MS },
      loupe,
      naive,
      ratio,
      nextImage: next,
      queueScroll: queue,
      cores: os.cpus().length,
      loadAverage: round(os.loadavg()[0]),
      chromium: browser.version(),
      pass: {
        pan: oneFrame(loupe.pan.p95Ms),
        zoom: oneFrame(loupe.zoom.p95Ms),
        drag: oneFrame(loupe.drag.p95Ms),
        panPredictions: oneFrame(loupe.panPredictions.p95Ms),
        nextImage: next.p95Ms <= NEXT_GOAL_MS,
        queueScroll: oneFrame(queue.p95Ms),
      },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`[bench:canvas] ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
