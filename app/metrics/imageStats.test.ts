import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { imageStats, statsOfPixels, workingSize } from './imageStats.ts';
import { StatsPool } from './StatsPool.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/image-stats');
/** Made by test/fixtures/image-stats/reference.py (numpy). */
const GOLDEN = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'golden.json'), 'utf8')) as Record<string, Record<string, number>>;

function close(actual: number, expected: number, rel = 1e-5) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
}

describe('image statistics', () => {
  it.each(Object.keys(GOLDEN))('%s equals the numpy reference', async (name) => {
    const s = await imageStats(path.join(FIXTURES, name));
    const g = GOLDEN[name];
    expect(s.v).toBe(1);
    expect([s.width, s.height]).toEqual([g.width, g.height]);
    for (const k of ['brightness', 'contrast', 'sharpness', 'colourfulness'] as const) close(s[k], g[k]);
  });

  it('a flat grey image: brightness its level, no contrast, sharpness or colour', () => {
    const data = new Uint8Array(40 * 30 * 3).fill(77);
    const s = statsOfPixels({ width: 40, height: 30, data });
    expect(s).toMatchObject({ contrast: 0, sharpness: 0, colourfulness: 0, width: 40, height: 30 });
    close(s.brightness, 77);
  });

  it('honours EXIF orientation: a rotated file measures as its upright pixels', async () => {
    const upright = await sharp(path.join(FIXTURES, 'blocks-200x300.png')).raw().toBuffer({ resolveWithObject: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-stats-'));
    // Stored rotated 90° anticlockwise with orientation 6 (rotate 90° clockwise to display): displays upright.
    const file = path.join(dir, 'rot.jpg');
    await sharp(upright.data, { raw: { width: 200, height: 300, channels: 3 } }).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 100 }).toFile(file);
    const meta = await sharp(file).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([300, 200, 6]);
    const s = await imageStats(file);
    expect([s.width, s.height]).toEqual([200, 300]);
    const g = GOLDEN['blocks-200x300.png'];
    expect(Math.abs(s.brightness - g.brightness)).toBeLessThan(1.5);
  });

  it('sharpness is measured at a fixed working size, so resolution does not dominate', async () => {
    expect(workingSize(640, 480)).toEqual({ width: 256, height: 192 });
    expect(workingSize(480, 640)).toEqual({ width: 192, height: 256 });
    expect(workingSize(4000, 3000)).toEqual({ width: 256, height: 192 });
    // One scene of flat tiles (edges, as real scenes have) at two sizes measures alike.
    const scene = (w: number, h: number) => {
      const data = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const tx = Math.floor((x * 16) / w);
        const ty = Math.floor((y * 12) / h);
        data.fill((tx * 37 + ty * 91) % 200 + 20, (y * w + x) * 3, (y * w + x) * 3 + 3);
      }
      return { width: w, height: h, data };
    };
    const small = statsOfPixels(scene(640, 480)).sharpness;
    const large = statsOfPixels(scene(2560, 1920)).sharpness;
    expect(large / small).toBeGreaterThan(0.8);
    expect(large / small).toBeLessThan(1.25);
  });

  it('a pool of workers gives the same values, and a bad file rejects only its own image', async () => {
    const pool = new StatsPool({ workers: 2 });
    try {
      const names = Object.keys(GOLDEN);
      const got = await Promise.all(names.map((n) => pool.stats(path.join(FIXTURES, n))));
      got.forEach((s, i) => close(s.sharpness, GOLDEN[names[i]].sharpness));
      await expect(pool.stats(path.join(FIXTURES, 'reference.py'))).rejects.toThrow(/cannot decode|bad|unsupported/i);
      await expect(pool.stats(path.join(FIXTURES, 'missing.png'))).rejects.toThrow(/no such image file/);
      close((await pool.stats(path.join(FIXTURES, names[0]))).brightness, GOLDEN[names[0]].brightness);
    } finally {
      await pool.close();
    }
  });
});
