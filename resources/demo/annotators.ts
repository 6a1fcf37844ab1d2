import { hashSeed, Rng } from './rng.ts';
import type { DefectClass, GtBox } from './scene.ts';
import type { DemoEntry } from './generate.ts';

/** The people besides the reference annotator who labelled the demo's shared slice. */
export const DEMO_PEOPLE = ['ben', 'chloe'] as const;

/** The share of the demo's images the people labelled (rounded, at least two images). */
export const SLICE_SHARE = 0.25;

/** Classes that look alike at a glance, so a hurried labeller swaps one for the other. */
export const CONFUSABLE: Readonly<Record<DefectClass, DefectClass>> = { scratch: 'crack', crack: 'scratch', dent: 'stain', stain: 'dent' };

/** How careless a labeller is on an image: night frames are darker and noisier, so every rate is higher there. */
export interface Noise {
  /** Standard deviation of each edge's shift, as a share of the box's width or height. */
  jitter: number;
  /** Chance a box gets its confusable class instead of its own. */
  swap: number;
  /** Chance a small box (shorter side under SMALL px) is missed. */
  missSmall: number;
  /** Chance an image gets one box where there is no defect. */
  extra: number;
}

/** A box whose shorter side is under this many pixels is a small one, the kind people miss. */
export const SMALL = 12;

const DAY: Noise = { jitter: 0.03, swap: 0.04, missSmall: 0.25, extra: 0.1 };
const NIGHT: Noise = { jitter: 0.05, swap: 0.15, missSmall: 0.5, extra: 0.3 };

/** The noise rates for one image. */
export function noiseFor(entry: Pick<DemoEntry, 'shift'>): Noise {
  return entry.shift === 'night' ? NIGHT : DAY;
}

/** How many images the shared slice holds out of `count`. */
export function sliceSize(count: number): number {
  return Math.min(count, Math.max(2, Math.round(count * SLICE_SHARE)));
}

/**
 * The indices (ascending) of the images the people labelled: sliceSize(count) of them,
 * half (rounded up) night-shift frames where there are enough, the rest from the others,
 * each part drawn by a seeded shuffle. Same seed and images, same slice.
 */
export function pickSlice(seed: number, images: readonly Pick<DemoEntry, 'shift'>[]): number[] {
  const n = sliceSize(images.length);
  const rng = new Rng(hashSeed(seed, 'slice'));
  const idx = images.map((_, i) => i);
  const night = rng.shuffle(idx.filter((i) => images[i].shift === 'night'));
  const day = rng.shuffle(idx.filter((i) => images[i].shift !== 'night'));
  const fromNight = Math.min(night.length, Math.ceil(n / 2));
  const picked = [...night.slice(0, fromNight), ...day.slice(0, n - fromNight)];
  // Too few day frames: fill from the remaining night ones.
  if (picked.length < n) picked.push(...night.slice(fromNight, fromNight + n - picked.length));
  return picked.sort((a, b) => a - b);
}

/**
 * One person's boxes on one image, derived from the true boxes with seeded noise:
 * every edge jittered by a few per cent of the box's size, an occasional swap to the
 * confusable class, small boxes sometimes missed, and now and then one extra box
 * where there is no defect. Boxes stay inside the image. The same (seed, person,
 * file) gives the same boxes.
 */
export function noisyBoxes(seed: number, person: string, entry: DemoEntry): GtBox[] {
  const rng = new Rng(hashSeed(seed, 'person', person, entry.file));
  const n = noiseFor(entry);
  const out: GtBox[] = [];
  for (const b of entry.boxes) {
    if (Math.min(b.w, b.h) < SMALL && rng.chance(n.missSmall)) continue;
    const x0 = b.x + rng.normal() * n.jitter * b.w;
    const x1 = b.x + b.w + rng.normal() * n.jitter * b.w;
    const y0 = b.y + rng.normal() * n.jitter * b.h;
    const y1 = b.y + b.h + rng.normal() * n.jitter * b.h;
    const cls = rng.chance(n.swap) ? CONFUSABLE[b.class] : b.class;
    const box = clampBox(cls, Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1), entry);
    if (box) out.push(box);
  }
  if (rng.chance(n.extra)) {
    const w = rng.range(14, 60);
    const h = rng.range(14, 60);
    const x = rng.range(0, entry.width - w);
    const y = rng.range(0, entry.height - h);
    const box = clampBox(rng.pick(Object.keys(CONFUSABLE) as DefectClass[]), x, y, x + w, y + h, entry);
    if (box) out.push(box);
  }
  return out;
}

/** The box cut to the image, coordinates to 0.01 px, or null when under 1 px on a side. */
function clampBox(cls: DefectClass, x0: number, y0: number, x1: number, y1: number, e: Pick<DemoEntry, 'width' | 'height'>): GtBox | null {
  const r = (v: number) => Math.round(v * 100) / 100;
  const ax = r(Math.max(0, x0));
  const ay = r(Math.max(0, y0));
  const bx = r(Math.min(e.width, x1));
  const by = r(Math.min(e.height, y1));
  if (bx - ax < 1 || by - ay < 1) return null;
  return { class: cls, x: ax, y: ay, w: r(bx - ax), h: r(by - ay) };
}
