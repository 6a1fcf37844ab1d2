import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../../app/domain/random.ts';

/** Raw RGB pixels of a synthetic scene: a tinted level, a few sinusoidal waves and fine noise, all drawn from bounded ranges by `seed`. */
export function sceneRgb(seed: number, width = 320, height = 240): Buffer {
  const rnd = mulberry32(seed);
  const u = (a: number, b: number) => a + (b - a) * rnd();
  const level = u(105, 145);
  const tint = [u(-15, 15), u(-15, 15), u(-15, 15)];
  const waves = Array.from({ length: 3 }, () => ({ fx: u(4, 14) / width, fy: u(4, 14) / height, phase: u(0, 6.28), amp: u(12, 18) }));
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = level;
      for (const w of waves) v += w.amp * Math.sin(6.2832 * (w.fx * x + w.fy * y) + w.phase);
      const n = (rnd() - 0.5) * 24;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = Math.max(0, Math.min(255, Math.round(v + tint[c] + n)));
    }
  }
  return data;
}

/** What can be done to a scene before it is written. */
export type SceneChange = 'none' | 'darken' | 'blur' | 'resize';

/** Write a scene as a JPEG (quality 92), changed as asked: darkened to 40 %, blurred (σ 3), or resized to half size. */
export async function writeScene(file: string, seed: number, change: SceneChange = 'none', width = 320, height = 240): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let img = sharp(sceneRgb(seed, width, height), { raw: { width, height, channels: 3 } });
  if (change === 'darken') img = img.linear(0.4, 0);
  if (change === 'blur') img = img.blur(3);
  if (change === 'resize') img = img.resize(Math.round(width / 2), Math.round(height / 2));
  await img.jpeg({ quality: 92 }).toFile(file);
}
