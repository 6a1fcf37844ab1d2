import fs from 'node:fs';
import path from 'node:path';
import { writeImages } from '../fixtures/prelabel/setup.ts';
import { seeded } from './harness.ts';

/** The classes of the crash-test datasets, in data.yaml order. */
export const CLASSES = ['car', 'bus', 'person'];

/**
 * A YOLO dataset folder: `count` distinct 32×24 PNGs under images/train and a
 * data.yaml. Labels are written separately (writeLabels), so several people's
 * labels can be imported from the same images.
 */
export async function yoloImages(dir: string, count: number): Promise<string> {
  await writeImages(path.join(dir, 'images/train'), count, 'png', { w: 32, h: 24 });
  fs.writeFileSync(path.join(dir, 'data.yaml'), `train: images/train\nnames: [${CLASSES.join(', ')}]\n`);
  return dir;
}

/**
 * One person's YOLO labels for every image of yoloImages: `perImage` seeded
 * boxes on a grid, each nudged by up to `jitter` (normalised) and, with
 * probability `swap`, given another class; so two seeds give two people who
 * mostly agree.
 */
export function writeLabels(dir: string, count: number, opts: { seed: number; perImage?: number; jitter?: number; swap?: number }): void {
  const rand = seeded(opts.seed);
  const labels = path.join(dir, 'labels/train');
  fs.rmSync(labels, { recursive: true, force: true });
  fs.mkdirSync(labels, { recursive: true });
  const per = opts.perImage ?? 4;
  for (let i = 0; i < count; i++) {
    const lines: string[] = [];
    for (let j = 0; j < per; j++) {
      const cx = 0.15 + 0.23 * j + (rand() - 0.5) * (opts.jitter ?? 0);
      const cy = 0.5 + (rand() - 0.5) * (opts.jitter ?? 0);
      const cls = (i + j + (rand() < (opts.swap ?? 0) ? 1 : 0)) % CLASSES.length;
      lines.push(`${cls} ${cx.toFixed(6)} ${cy.toFixed(6)} 0.2 0.4`);
    }
    fs.writeFileSync(path.join(labels, `img${String(i).padStart(4, '0')}.txt`), `${lines.join('\n')}\n`);
  }
}
