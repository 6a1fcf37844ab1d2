import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CLASSES, generateDemo, renderPixels, type DemoManifest } from './generate.ts';
import { mulberry32 } from './rng.ts';
import { HEIGHT, planFrame, planSlices, WIDTH } from './scene.ts';

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

let tmp: string;
let a: DemoManifest;
const COUNT = 24;
const SEED = 20240611;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-demo-'));
  a = await generateDemo(path.join(tmp, 'a'), { count: COUNT, seed: SEED });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('demo generator', () => {
  it('mulberry32 gives the reference sequence', () => {
    const next = mulberry32(1);
    expect([next(), next(), next()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
  });

  it('is deterministic: the same seed gives byte-identical files, another seed does not', async () => {
    const b = await generateDemo(path.join(tmp, 'b'), { count: COUNT, seed: SEED, concurrency: 1 });
    expect(b).toEqual(a);
    const files = fs.readdirSync(path.join(tmp, 'a')).sort();
    expect(files).toEqual(fs.readdirSync(path.join(tmp, 'b')).sort());
    expect(files).toHaveLength(COUNT + 1);
    for (const f of files) expect(sha(path.join(tmp, 'b', f)), f).toBe(sha(path.join(tmp, 'a', f)));

    await generateDemo(path.join(tmp, 'c'), { count: 2, seed: SEED + 1 });
    expect(sha(path.join(tmp, 'c', a.images[0].file))).not.toBe(sha(path.join(tmp, 'a', a.images[0].file)));
  });

  it('writes one manifest entry per file: real 640×480 JPEGs with their metadata', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(tmp, 'a', 'manifest.json'), 'utf8'));
    expect(manifest).toEqual(JSON.parse(JSON.stringify(a)));
    expect(new Set(a.images.map((e) => e.file)).size).toBe(COUNT);
    for (const e of a.images) {
      const meta = await sharp(path.join(tmp, 'a', e.file)).metadata();
      expect([meta.format, meta.width, meta.height, e.width, e.height]).toEqual(['jpeg', WIDTH, HEIGHT, WIDTH, HEIGHT]);
      expect(['nominal', 'remounted']).toContain(e.camera);
      expect(['day', 'night']).toContain(e.shift);
      expect(['large', 'minor']).toContain(e.defectSize);
    }
  });

  it('covers every slice of camera × shift × defect size', () => {
    const slices = new Set(a.images.map((e) => `${e.camera}/${e.shift}/${e.defectSize}`));
    expect(slices.size).toBe(8);
    const mix = planSlices(SEED, 400);
    const share = (pred: (s: (typeof mix)[number]) => boolean) => mix.filter(pred).length / mix.length;
    expect(share((s) => s.camera === 'remounted')).toBeGreaterThan(0.2);
    expect(share((s) => s.camera === 'remounted')).toBeLessThan(0.5);
    expect(share((s) => s.shift === 'night')).toBeGreaterThan(0.25);
  });

  it('keeps every ground-truth box inside the image, with known classes, and large defects larger', () => {
    const boxes = a.images.flatMap((e) => e.boxes.map((b) => ({ ...b, size: e.defectSize })));
    expect(boxes.length).toBeGreaterThan(COUNT);
    for (const b of boxes) {
      expect(DEMO_CLASSES).toContain(b.class);
      expect(b.w).toBeGreaterThan(0);
      expect(b.h).toBeGreaterThan(0);
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w).toBeLessThanOrEqual(WIDTH);
      expect(b.y + b.h).toBeLessThanOrEqual(HEIGHT);
    }
    const median = (xs: number[]) => xs.sort((p, q) => p - q)[Math.floor(xs.length / 2)];
    const area = (size: string) => median(boxes.filter((b) => b.size === size).map((b) => b.w * b.h));
    expect(area('large')).toBeGreaterThan(4 * area('minor'));
  });

  it('boxes cover what the defects change in the picture', async () => {
    const slices = planSlices(SEED, COUNT);
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7]) {
      const plan = planFrame(SEED, i, slices[i]);
      if (plan.boxes.length === 0) continue;
      const withDefects = await renderPixels(plan);
      const clean = await renderPixels({ ...plan, defects: [] });
      // Blur (a remounted camera) spreads a defect by a few pixels.
      const pad = plan.view.blur > 0 ? 6 : 2;
      let inside = 0;
      let outside = 0;
      for (let y = 0; y < HEIGHT; y++) {
        for (let x = 0; x < WIDTH; x++) {
          const o = (y * WIDTH + x) * 3;
          const d = Math.abs(withDefects[o] - clean[o]) + Math.abs(withDefects[o + 1] - clean[o + 1]) + Math.abs(withDefects[o + 2] - clean[o + 2]);
          if (d < 12) continue;
          const hit = plan.boxes.some((b) => x >= b.x - pad && x <= b.x + b.w + pad && y >= b.y - pad && y <= b.y + b.h + pad);
          if (hit) inside++;
          else outside++;
        }
      }
      expect(inside, `frame ${i}`).toBeGreaterThan(10);
      expect(outside, `frame ${i}: changed pixels outside every box`).toBe(0);
    }
  });

  it('can force a slice on every frame without changing anything else about the plan', async () => {
    const night = await generateDemo(path.join(tmp, 'night'), { count: 8, seed: SEED, slice: { shift: 'night', camera: undefined } });
    expect(night.images.every((e) => e.shift === 'night')).toBe(true);
    // Frames the line's mix already planned at night are the same frames.
    for (const [i, e] of a.images.slice(0, 8).entries()) {
      if (e.shift === 'night') expect(sha(path.join(tmp, 'night', e.file)), e.file).toBe(sha(path.join(tmp, 'a', e.file)));
      expect(night.images[i].camera).toBe(e.camera);
    }
    await expect(generateDemo(path.join(tmp, 'bad'), { count: 1, seed: 1, slice: { shift: 'dusk' as 'day' } })).rejects.toThrow(/slice\.shift must be one of day, night, got dusk/);
  });
});
