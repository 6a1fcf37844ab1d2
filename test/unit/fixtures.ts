import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, expect } from 'vitest';
import { METHODS, type MethodName } from '../../app/contract/methods.ts';
import { createDispatcher, type Dispatch } from '../../app/hosts/dispatcher.ts';
import { Session } from '../../app/services/Session.ts';
import { Project } from '../../app/store/Project.ts';

/** Shared fixtures for unit tests: temp folders, real image files, real projects and sessions. */

const dirs: string[] = [];
const projects: Project[] = [];
const sessions: Session[] = [];

// Registered at the top level of the importing test file, so everything a file made is removed when it ends.
afterAll(async () => {
  for (const s of sessions.splice(0)) await s.close();
  for (const p of projects.splice(0)) p.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh empty folder, removed after the test file. */
export function tempDir(prefix = 'loupe-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

type Rgb = { r: number; g: number; b: number };

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'bmp';

export interface ImageSpec {
  w: number;
  h: number;
  format?: ImageFormat;
  /** EXIF orientation (1–8) written into the file; JPEG, PNG, WebP and TIFF only. */
  orientation?: number;
  /** Fill colour; defaults to a new colour per call so that no two images share bytes by accident. */
  color?: Rgb;
}

let colorSeq = 0;
function nextColor(): Rgb {
  const n = ++colorSeq * 2654435761;
  return { r: n & 0xff, g: (n >>> 8) & 0xff, b: (n >>> 16) & 0xff };
}

/** Encode an image in memory with sharp (BMP by hand, since libvips does not write BMP). */
export async function imageBytes(spec: ImageSpec): Promise<Buffer> {
  const format = spec.format ?? 'png';
  const color = spec.color ?? nextColor();
  if (format === 'bmp') return bmpBytes(spec.w, spec.h, color);
  let img = sharp({ create: { width: spec.w, height: spec.h, channels: 3, background: color } });
  if (spec.orientation !== undefined) img = img.withMetadata({ orientation: spec.orientation });
  switch (format) {
    case 'jpeg':
      return img.jpeg({ quality: 80 }).toBuffer();
    case 'png':
      return img.png().toBuffer();
    case 'webp':
      return img.webp({ quality: 80 }).toBuffer();
    case 'tiff':
      return img.tiff().toBuffer();
  }
}

/** Write a real image file (parent folders created) and return its bytes. */
export async function makeImage(file: string, spec: ImageSpec): Promise<Buffer> {
  const buf = await imageBytes(spec);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, buf);
  return buf;
}

/**
 * An uncompressed BMP written byte by byte: 24-bit (or 32-bit BGRA), bottom-up
 * unless `topDown`, filled with one colour or a colour per pixel (y counts from the top row).
 */
export function bmpBytes(
  w: number,
  h: number,
  fill: Rgb | ((x: number, y: number) => Rgb) = { r: 0, g: 128, b: 255 },
  opts: { topDown?: boolean; bpp?: 24 | 32 } = {},
): Buffer {
  const bpp = opts.bpp ?? 24;
  const bytesPP = bpp / 8;
  const stride = Math.ceil((w * bytesPP) / 4) * 4;
  const pixelBytes = stride * h;
  const buf = Buffer.alloc(54 + pixelBytes);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(w, 18);
  buf.writeInt32LE(opts.topDown ? -h : h, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(bpp, 28);
  buf.writeUInt32LE(0, 30);
  buf.writeUInt32LE(pixelBytes, 34);
  buf.writeInt32LE(2835, 38);
  buf.writeInt32LE(2835, 42);
  for (let y = 0; y < h; y++) {
    const row = opts.topDown ? y : h - 1 - y;
    for (let x = 0; x < w; x++) {
      const c = typeof fill === 'function' ? fill(x, y) : fill;
      const o = 54 + row * stride + x * bytesPP;
      buf[o] = c.b;
      buf[o + 1] = c.g;
      buf[o + 2] = c.r;
      if (bytesPP === 4) buf[o + 3] = 255;
    }
  }
  return buf;
}

/** A new project file in a temp folder, closed after the test file. */
export function newProject(opts: { dir?: string; annotator?: string; name?: string } = {}): Project {
  const dir = opts.dir ?? tempDir();
  const p = Project.create(path.join(dir, opts.name ?? 'test.loupe'), { annotator: opts.annotator ?? 'tester' });
  projects.push(p);
  return p;
}

/** Track a project opened by a test so it is closed after the file. */
export function track(p: Project): Project {
  projects.push(p);
  return p;
}

/** A session (what a host serves), closed after the test file. */
export function newSession(annotator = 'tester'): Session {
  const s = new Session('test', { annotator });
  sessions.push(s);
  return s;
}

/** An image row registered directly in the store (no file), for tests about boxes. */
export function addImageRow(p: Project, width = 640, height = 480, rel = `img-${++colorSeq}.png`): number {
  return p.db.transaction(() => {
    const rootId = p.images.ensureRoot('.');
    return p.images.insert(
      { rootId, path: rel, width, height, orientation: 1, format: 'png', bytes: 0, contentHash: null, metadata: '{}', ingestError: null },
      new Date().toISOString(),
    );
  })();
}

/** Row counts of every table: a cheap before/after check that nothing was written. */
export function tableCounts(p: Project): Record<string, number> {
  const names = p.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[];
  const out: Record<string, number> = {};
  for (const { name } of names) out[name] = (p.db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
  return out;
}

/** Every row of every table as one string: equal snapshots mean nothing was inserted, changed or deleted. */
export function snapshot(p: Project): string {
  const names = p.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[];
  return JSON.stringify(names.map(({ name }) => [name, p.db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()]));
}

/** A YOLO dataset of two images (a.png 100×80, b.png 60×40) with three boxes in all, classes car and bus. */
export async function twoImageYoloDataset(): Promise<string> {
  const d = tempDir();
  fs.writeFileSync(path.join(d, 'data.yaml'), 'train: images/train\nnames: [car, bus]\n');
  await makeImage(path.join(d, 'images/train/a.png'), { w: 100, h: 80 });
  await makeImage(path.join(d, 'images/train/b.png'), { w: 60, h: 40 });
  fs.mkdirSync(path.join(d, 'labels/train'), { recursive: true });
  fs.writeFileSync(path.join(d, 'labels/train/a.txt'), '1 0.5 0.5 0.5 0.5\n0 0.2 0.2 0.1 0.1\n');
  fs.writeFileSync(path.join(d, 'labels/train/b.txt'), '0 0.5 0.5 0.5 0.5\n');
  return d;
}

/**
 * A lead's session on a fresh project file through the dispatcher: `call` returns the value
 * (throwing the error with its code), `fail` expects a refusal and returns its error.
 */
export async function leadSession(fileName = 'a.loupe') {
  const s = newSession('lead');
  const dispatch = createDispatcher(s);
  const call = async <T = unknown>(m: string, req: unknown): Promise<T> => {
    const r = await dispatch(m, req);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  };
  const fail = async (m: string, req: unknown) => {
    const r = await dispatch(m, req);
    if (r.ok) throw new Error(`${m} should have failed`);
    return r.error;
  };
  await call('project:create', { file: path.join(tempDir(), fileName) });
  await call('session:identify', { name: 'lead', role: 'lead' });
  return { s, p: s.project, call, fail, dispatch };
}

/** Call a contract method through a dispatcher: its value, checked against the reply schema; an error throws with its code. */
export async function checkedCall<T = any>(d: Dispatch, method: MethodName, payload: unknown): Promise<T> {
  const r = await d(method, payload);
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  expect(METHODS[method].reply.safeParse(r.value).success, `${method} reply matches its schema`).toBe(true);
  return r.value as T;
}
