/**
 * Generated inputs of the canvas benchmark, cached under .bench/canvas-<VERSION>/:
 * the 6000×4000 scene with 5,000 boxes (one project where they are the person's
 * own, one where a model predicted them), 21 photo-like 4000×3000 JPEGs for
 * next-image timing; the queue's 100,000-image project is bench/queueProject.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../../app/domain/random.ts';
import type { Project } from '../../app/store/Project.ts';
import { CACHE, cachedProject } from '../cachedProject.ts';

/** Bump when a generator changes, so stale caches are rebuilt. */
export const VERSION = 'v1';
export const DIR = path.join(CACHE, `canvas-${VERSION}`);
/** The person the web host edits as (LOUPE_ANNOTATOR), the author of the "mine" boxes. */
export const ANNOTATOR = 'bench';

export const SCENE = { width: 6000, height: 4000, boxes: 5000, minSide: 20, maxSide: 200 };
export const CLASSES = [
  { name: 'car', color: '#ff8800' },
  { name: 'person', color: '#33c3ff' },
  { name: 'bike', color: '#7cff4f' },
  { name: 'truck', color: '#ff4fd8' },
  { name: 'sign', color: '#ffe14f' },
  { name: 'dog', color: '#b28cff' },
];
export const NEXT = { images: 21, width: 4000, height: 3000 };

export interface SceneBox {
  /** Index in insertion order (the store's ids follow it). */
  i: number;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Index into CLASSES. */
  cls: number;
  score: number;
}

export interface Scene {
  image: string;
  width: number;
  height: number;
  boxes: SceneBox[];
  /** Index of the box the drag gesture moves: in the middle of the image, inserted last (so drawn on top). */
  target: number;
}

const log = (msg: string) => process.stderr.write(`[bench:canvas] ${msg}\n`);

/**
 * The scene's boxes: uniform positions, sides 20–200 px, six classes. The drag
 * target (160×120) sits at the centre; no other box covers an 80×80 square around
 * its centre, so a press there hits it whatever order a renderer hit-tests in,
 * while its edges are overlapped by the crowd.
 */
export function sceneBoxes(): { boxes: SceneBox[]; target: number } {
  const rand = mulberry32(20261205);
  const { width: W, height: H } = SCENE;
  const cx = W / 2;
  const cy = H / 2;
  const boxes: SceneBox[] = [];
  while (boxes.length < SCENE.boxes - 1) {
    const w = SCENE.minSide + rand() * (SCENE.maxSide - SCENE.minSide);
    const h = SCENE.minSide + rand() * (SCENE.maxSide - SCENE.minSide);
    const x = rand() * (W - w);
    const y = rand() * (H - h);
    const cls = Math.floor(rand() * CLASSES.length);
    const score = 0.3 + rand() * 0.69;
    if (x < cx + 40 && x + w > cx - 40 && y < cy + 40 && y + h > cy - 40) continue;
    boxes.push({ i: boxes.length, x: round2(x), y: round2(y), w: round2(w), h: round2(h), cls, score: round2(score) });
  }
  const target = boxes.length;
  boxes.push({ i: target, x: cx - 80, y: cy - 60, w: 160, h: 120, cls: 0, score: 0.9 });
  return { boxes, target };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * A photo-like JPEG: smooth colour fields (a coarse random grid upscaled), some
 * edges (random rectangles), and per-pixel sensor noise, so the file is several
 * MB like a real 12–24 MP photo rather than a few hundred KB of flat colour.
 */
async function photo(file: string, width: number, height: number, seed: number, noise: number): Promise<void> {
  const rand = mulberry32(seed);
  const gw = 48;
  const gh = Math.round((48 * height) / width);
  const grid = Buffer.alloc(gw * gh * 3);
  for (let i = 0; i < grid.length; i++) grid[i] = 40 + Math.floor(rand() * 170);
  const base = await sharp(grid, { raw: { width: gw, height: gh, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  // Edges: a few hundred flat rectangles.
  for (let k = 0; k < 300; k++) {
    const w = Math.floor(20 + rand() * width * 0.08);
    const h = Math.floor(20 + rand() * height * 0.08);
    const x0 = Math.floor(rand() * (width - w));
    const y0 = Math.floor(rand() * (height - h));
    const c = [rand() * 255, rand() * 255, rand() * 255].map(Math.floor);
    for (let y = y0; y < y0 + h; y++) {
      let o = (y * width + x0) * 3;
      for (let x = 0; x < w; x++, o += 3) {
        base[o] = (base[o] + c[0]) >> 1;
        base[o + 1] = (base[o + 1] + c[1]) >> 1;
        base[o + 2] = (base[o + 2] + c[2]) >> 1;
      }
    }
  }
  // Sensor noise: a cheap xorshift per byte.
  let s = seed | 1;
  for (let i = 0; i < base.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const v = base[i] + ((s & 0xff) / 255 - 0.5) * noise;
    base[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  const tmp = `${file}.tmp`;
  await sharp(base, { raw: { width, height, channels: 3 } }).jpeg({ quality: 88 }).toFile(tmp);
  fs.renameSync(tmp, file);
}

async function ensurePhoto(file: string, width: number, height: number, seed: number, noise: number): Promise<void> {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  log(`generating ${width}×${height} ${path.basename(file)}`);
  await photo(file, width, height, seed, noise);
}

/** A project of this benchmark, cached under DIR by bench/cachedProject.ts. */
const cached = (name: string, fill: (p: Project) => Promise<void> | void) => cachedProject(`canvas-${VERSION}/${name}`, `canvas bench project ${name}`, fill);

async function importOne(project: Project, dir: string, expect: number): Promise<void> {
  const { importFolder } = await import('../../app/io/importFolder.ts');
  const s = await importFolder(project, dir);
  if (s.added !== expect) throw new Error(`importing ${dir}: ${s.added} added, expected ${expect} (${JSON.stringify(s.failed)})`);
}

function addClasses(project: Project): number[] {
  const ins = project.db.prepare('INSERT INTO classes (name, color, hotkey, position) VALUES (?, ?, ?, ?)');
  return project.db.transaction(() => CLASSES.map((c, i) => Number(ins.run(c.name, c.color, String(i + 1), i).lastInsertRowid)))();
}

/** The scene image and its two projects: boxes of the person (editable) and of a model (read-only predictions). */
export async function ensureScene(): Promise<Scene & { mine: string; predicted: string }> {
  const dir = path.join(DIR, 'scene');
  const image = path.join(dir, 'scene.jpg');
  await ensurePhoto(image, SCENE.width, SCENE.height, 6000, 28);
  const { boxes, target } = sceneBoxes();
  const fillBoxes = (predicted: boolean) => async (project: Project) => {
    await importOne(project, dir, 1);
    const classIds = addClasses(project);
    const db = project.db;
    const imageId = (db.prepare('SELECT id FROM images').get() as { id: number }).id;
    db.transaction(() => {
      let author = project.annotator.id;
      let runId: number | null = null;
      const at = new Date().toISOString();
      if (predicted) {
        author = project.annotators.ensure('bench-detector', 'model').id;
        runId = project.models.insertRun(null, author, 'bench-detector-0', 'bench-detector', '{}', at);
      }
      const ins = db.prepare(
        'INSERT INTO boxes (image_id, annotator_id, model_run_id, class_id, x, y, w, h, score, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const b of boxes) {
        ins.run(imageId, author, runId, classIds[b.cls], b.x, b.y, b.w, b.h, predicted ? b.score : null, predicted ? 'predicted' : 'drawn');
      }
      if (runId !== null) {
        project.models.markImage(runId, imageId, 'done', null, boxes.length, at);
        project.models.finishRun(runId, at, null);
      }
    })();
  };
  const mine = await cached('scene-mine', fillBoxes(false));
  const predicted = await cached('scene-predicted', fillBoxes(true));
  return { image, width: SCENE.width, height: SCENE.height, boxes, target, mine, predicted };
}

/** Twenty-one 12 MP photos in one project, for next-image timing (each shown once, on its own). */
export async function ensureNext(): Promise<{ project: string; files: string[] }> {
  const dir = path.join(DIR, 'next');
  const files: string[] = [];
  for (let i = 1; i <= NEXT.images; i++) {
    const f = path.join(dir, `photo-${i}.jpg`);
    await ensurePhoto(f, NEXT.width, NEXT.height, 4000 + i, 24);
    files.push(f);
  }
  const project = await cached('next', async (p) => {
    await importOne(p, dir, NEXT.images);
    addClasses(p);
  });
  return { project, files };
}

/** The queue's 100,000 images, 1,000,000 boxes, flags and statuses (image files that do not exist), as bench/queue.ts uses it. */
export { queueProject as ensureQueue } from '../queueProject.ts';

/**
 * A throwaway copy of a cached project next to it (image roots are stored
 * relative to the project file), so edits made by a gesture never reach the cache.
 */
export function workingCopy(file: string, tag: string): { file: string; remove(): void } {
  const copy = path.join(path.dirname(file), `run-${process.pid}-${tag}.loupe`);
  fs.copyFileSync(file, copy);
  return {
    file: copy,
    remove: () => {
      for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) fs.rmSync(f, { force: true });
    },
  };
}
