import { hashSeed, Rng } from './rng.ts';

/** Defect classes of the demo line, in hotkey order. */
export const DEMO_CLASSES = ['scratch', 'crack', 'dent', 'stain'] as const;
export type DefectClass = (typeof DEMO_CLASSES)[number];
export type Camera = 'nominal' | 'remounted';
export type Shift = 'day' | 'night';
export type DefectSize = 'large' | 'minor';
/** The conditions a frame is taken under. */
export interface Slice {
  camera: Camera;
  shift: Shift;
  defectSize: DefectSize;
}

export const WIDTH = 640;
export const HEIGHT = 480;

export interface Pt {
  x: number;
  y: number;
}
export interface Hole extends Pt {
  r: number;
}

/** The machined part on the belt, in scene coordinates (before the camera). */
export type Part =
  | { kind: 'flange'; cx: number; cy: number; r: number; hubR: number; boreR: number; holes: Hole[]; tone: number }
  | { kind: 'bracket'; cx: number; cy: number; w: number; h: number; angle: number; corner: number; holes: Hole[]; slot: { w: number; h: number }; tone: number };

/** One defect: its drawing parameters and the outline its ground-truth box is computed from. */
export type Defect = { outline: Pt[] } & (
  | { cls: 'scratch'; p0: Pt; c: Pt; p1: Pt; width: number }
  | { cls: 'crack'; paths: Pt[][]; width: number }
  | { cls: 'dent'; cx: number; cy: number; rx: number; ry: number; angle: number }
  | { cls: 'stain'; pts: Pt[]; tint: string; alpha: number }
);

/** A ground-truth box in output-image pixels. */
export interface GtBox {
  class: DefectClass;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The camera: scene → image is translate(c + t) · rotate(angle) · scale(zoom) · translate(−c). */
export interface View {
  angle: number;
  zoom: number;
  tx: number;
  ty: number;
  blur: number;
}

/** Everything needed to render one frame, decided up front from the seed. */
export interface FramePlan {
  index: number;
  file: string;
  camera: Camera;
  shift: Shift;
  defectSize: DefectSize;
  part: Part;
  defects: Defect[];
  boxes: GtBox[];
  view: View;
  belt: { base: number; seamX: number; speckles: (Pt & { r: number; light: boolean; o: number })[]; streaks: { y: number; o: number; light: boolean }[] };
  light: { x: number; y: number; r: number; strength: number; vignette: number };
  /** Per-channel sensor gain, black level, and noise sigmas (luma, chroma) in 8-bit units. */
  sensor: { gain: [number, number, number]; offset: number; noise: number; chroma: number };
  noiseSeed: number;
}

const SLICES = (['nominal', 'remounted'] as const).flatMap((camera) =>
  (['day', 'night'] as const).flatMap((shift) => (['large', 'minor'] as const).map((defectSize) => ({ camera, shift, defectSize }))),
);

/** The camera/shift/size mix of a run: the first eight frames cover every slice, the rest follow a line's typical shares. */
export function planSlices(seed: number, count: number): { camera: Camera; shift: Shift; defectSize: DefectSize }[] {
  const rng = new Rng(hashSeed(seed, 'slices'));
  const first = rng.shuffle(SLICES);
  return Array.from({ length: count }, (_, i) =>
    i < first.length
      ? first[i]
      : {
          camera: rng.chance(0.35) ? 'remounted' : 'nominal',
          shift: rng.chance(0.4) ? 'night' : 'day',
          defectSize: rng.chance(0.5) ? 'minor' : 'large',
        },
  );
}

/** Map a scene point through the camera. */
export function project(v: View, p: Pt): Pt {
  const cos = Math.cos((v.angle * Math.PI) / 180);
  const sin = Math.sin((v.angle * Math.PI) / 180);
  const dx = (p.x - WIDTH / 2) * v.zoom;
  const dy = (p.y - HEIGHT / 2) * v.zoom;
  return { x: WIDTH / 2 + v.tx + cos * dx - sin * dy, y: HEIGHT / 2 + v.ty + sin * dx + cos * dy };
}

/** Plan frame `index` of a run; depends only on (seed, index) and the slice chosen for it. */
export function planFrame(seed: number, index: number, slice: { camera: Camera; shift: Shift; defectSize: DefectSize }): FramePlan {
  const rng = new Rng(hashSeed(seed, 'frame', index));
  const { camera, shift, defectSize } = slice;
  const view: View =
    camera === 'nominal'
      ? { angle: rng.range(-0.6, 0.6), zoom: rng.range(0.98, 1.02), tx: rng.range(-4, 4), ty: rng.range(-3, 3), blur: 0 }
      : { angle: rng.sign() * rng.range(3, 9), zoom: rng.range(1.08, 1.28), tx: rng.range(-22, 22), ty: rng.range(-16, 16), blur: rng.range(0.9, 1.7) };
  const part = planPart(rng);
  const defects: Defect[] = [];
  const boxes: GtBox[] = [];
  const n = rng.chance(0.08) ? 0 : rng.pick([1, 1, 1, 2, 2, 3]);
  for (let i = 0; i < n; i++) {
    const cls = rng.pick(DEMO_CLASSES);
    for (let attempt = 0; attempt < 60; attempt++) {
      const d = planDefect(rng, cls, defectSize, part);
      if (!d || !d.outline.every((p) => onPart(part, p, 3))) continue;
      const box = boundsOf(d.outline.map((p) => project(view, p)));
      if (box.x < 2 || box.y < 2 || box.x + box.w > WIDTH - 2 || box.y + box.h > HEIGHT - 2) continue;
      if (boxes.some((b) => overlap(b, box) > 0.2)) continue;
      defects.push(d);
      boxes.push({ class: cls, ...box });
      break;
    }
  }

  const night = shift === 'night';
  const cast: [number, number, number] = rng.pick([
    [1.12, 0.96, 0.72], // sodium vapour
    [0.86, 1.06, 0.92], // old fluorescent tubes
  ]);
  const dayTint = rng.range(-0.03, 0.03);
  return {
    index,
    file: `frame_${String(index + 1).padStart(4, '0')}.jpg`,
    camera,
    shift,
    defectSize,
    part,
    defects,
    boxes,
    view,
    belt: {
      base: rng.range(38, 52),
      seamX: rng.range(-300, 940),
      speckles: Array.from({ length: 70 }, () => ({ x: rng.range(-320, 960), y: rng.range(40, 440), r: rng.range(0.6, 2.4), light: rng.chance(0.7), o: rng.range(0.08, 0.3) })),
      streaks: Array.from({ length: 48 }, () => ({ y: rng.range(70, 410), o: rng.range(0.03, 0.09), light: rng.chance(0.5) })),
    },
    light: night
      ? { x: rng.range(220, 420), y: rng.range(140, 260), r: rng.range(260, 340), strength: 0.18, vignette: 0.62 }
      : { x: rng.range(180, 460), y: rng.range(80, 200), r: rng.range(420, 520), strength: 0.1, vignette: 0.3 },
    sensor: night
      ? { gain: [0.5 * cast[0], 0.5 * cast[1], 0.5 * cast[2]], offset: rng.range(6, 12), noise: rng.range(7, 11), chroma: rng.range(3, 5) }
      : { gain: [1.02 + dayTint, 1.0, 0.98 - dayTint], offset: 0, noise: rng.range(1.8, 3), chroma: 0.8 },
    noiseSeed: hashSeed(seed, 'noise', index),
  };
}

function planPart(rng: Rng): Part {
  const tone = rng.range(-12, 12);
  if (rng.chance(0.55)) {
    const r = rng.range(118, 148);
    const n = rng.pick([4, 6, 6, 8]);
    const phase = rng.range(0, Math.PI);
    const cx = 320 + rng.range(-40, 40);
    const cy = 240 + rng.range(-14, 14);
    const holes = Array.from({ length: n }, (_, i) => {
      const a = phase + (i * 2 * Math.PI) / n;
      return { x: cx + Math.cos(a) * r * 0.76, y: cy + Math.sin(a) * r * 0.76, r: r * rng.range(0.06, 0.075) };
    });
    return { kind: 'flange', cx, cy, r, hubR: r * rng.range(0.42, 0.5), boreR: r * rng.range(0.15, 0.2), holes, tone };
  }
  const w = rng.range(290, 340);
  const h = rng.range(150, 185);
  const angle = rng.range(-12, 12);
  const cx = 320 + rng.range(-30, 30);
  const cy = 240 + rng.range(-12, 12);
  const hr = rng.range(9, 12);
  const local: Pt[] = [
    { x: -w / 2 + 26, y: -h / 2 + 26 },
    { x: w / 2 - 26, y: -h / 2 + 26 },
    { x: -w / 2 + 26, y: h / 2 - 26 },
    { x: w / 2 - 26, y: h / 2 - 26 },
  ];
  const holes = local.map((p) => ({ ...rotate(p, angle, cx, cy), r: hr }));
  return { kind: 'bracket', cx, cy, w, h, angle, corner: rng.range(10, 18), holes, slot: { w: rng.range(70, 100), h: rng.range(18, 24) }, tone };
}

/** True when a scene point is on solid metal, at least `margin` px from every edge and hole. */
export function onPart(part: Part, p: Pt, margin: number): boolean {
  if (part.holes.some((h) => Math.hypot(p.x - h.x, p.y - h.y) < h.r + margin + 3)) return false;
  if (part.kind === 'flange') {
    const d = Math.hypot(p.x - part.cx, p.y - part.cy);
    return d <= part.r - margin && d >= part.boreR + margin + 3;
  }
  const l = rotate({ x: p.x - part.cx, y: p.y - part.cy }, -part.angle, 0, 0);
  const inPlate = Math.abs(l.x) <= part.w / 2 - margin - part.corner / 2 && Math.abs(l.y) <= part.h / 2 - margin - part.corner / 2;
  const inSlot = Math.abs(l.x) <= part.slot.w / 2 + margin && Math.abs(l.y) <= part.slot.h / 2 + margin;
  return inPlate && !inSlot;
}

function planDefect(rng: Rng, cls: DefectClass, size: DefectSize, part: Part): Defect | null {
  const big = size === 'large';
  const extent = part.kind === 'flange' ? part.r : part.w / 2;
  const at = { x: part.cx + rng.range(-extent, extent), y: part.cy + rng.range(-extent, extent) };
  if (!onPart(part, at, 4)) return null;
  const dir = rng.range(0, Math.PI * 2);
  switch (cls) {
    case 'scratch': {
      const len = big ? rng.range(70, 150) : rng.range(16, 34);
      const p1 = { x: at.x + Math.cos(dir) * len, y: at.y + Math.sin(dir) * len };
      const bend = rng.range(-0.15, 0.15) * len;
      const c = { x: (at.x + p1.x) / 2 - Math.sin(dir) * bend, y: (at.y + p1.y) / 2 + Math.cos(dir) * bend };
      const width = big ? rng.range(1.6, 2.8) : rng.range(0.9, 1.4);
      const outline = Array.from({ length: 13 }, (_, i) => quad(at, c, p1, i / 12)).flatMap((p) => square(p, width + 1));
      return { cls, p0: at, c, p1, width, outline };
    }
    case 'crack': {
      const len = big ? rng.range(60, 120) : rng.range(14, 30);
      const step = big ? 6 : 3;
      const main = walk(rng, at, dir, len, step);
      const paths = [main];
      const branches = big ? rng.int(1, 3) : rng.int(0, 1);
      for (let b = 0; b < branches; b++) {
        const from = main[rng.int(1, main.length - 1)];
        paths.push(walk(rng, from, dir + rng.sign() * rng.range(0.5, 1.1), len * rng.range(0.2, 0.45), step));
      }
      const width = big ? rng.range(1.6, 2.4) : rng.range(0.9, 1.3);
      return { cls, paths, width, outline: paths.flat().flatMap((p) => square(p, width + 1)) };
    }
    case 'dent': {
      const rx = big ? rng.range(18, 34) : rng.range(5, 10);
      const ry = rx * rng.range(0.6, 1);
      const angle = rng.range(0, 180);
      const outline = Array.from({ length: 24 }, (_, i) => {
        const t = (i / 24) * Math.PI * 2;
        return rotate({ x: Math.cos(t) * rx * 1.1, y: Math.sin(t) * ry * 1.1 }, angle, at.x, at.y);
      });
      return { cls, cx: at.x, cy: at.y, rx, ry, angle, outline };
    }
    case 'stain': {
      const r = big ? rng.range(24, 44) : rng.range(7, 13);
      const k = rng.int(9, 13);
      const pts = Array.from({ length: k }, (_, i) => {
        const t = (i / k) * Math.PI * 2;
        const rr = r * rng.range(0.65, 1.3);
        return { x: at.x + Math.cos(t) * rr, y: at.y + Math.sin(t) * rr * rng.range(0.75, 1) };
      });
      const tint = rng.pick(['#3a2810', '#2e2418', '#26231e', '#4a3310']);
      // The smooth outline bulges a little past its control points.
      const outline = pts.map((p) => ({ x: at.x + (p.x - at.x) * 1.08, y: at.y + (p.y - at.y) * 1.08 }));
      return { cls, pts, tint, alpha: rng.range(0.35, 0.6), outline };
    }
  }
}

function walk(rng: Rng, from: Pt, dir: number, len: number, step: number): Pt[] {
  const pts = [from];
  let a = dir;
  for (let d = 0; d < len; d += step) {
    a += rng.range(-0.5, 0.5);
    const last = pts[pts.length - 1];
    pts.push({ x: last.x + Math.cos(a) * step, y: last.y + Math.sin(a) * step });
  }
  return pts;
}

function quad(p0: Pt, c: Pt, p1: Pt, t: number): Pt {
  const u = 1 - t;
  return { x: u * u * p0.x + 2 * u * t * c.x + t * t * p1.x, y: u * u * p0.y + 2 * u * t * c.y + t * t * p1.y };
}

function square(p: Pt, r: number): Pt[] {
  return [
    { x: p.x - r, y: p.y - r },
    { x: p.x + r, y: p.y + r },
  ];
}

/** Rotate a point (given relative to the origin) by `deg` and move it to (ox, oy). */
export function rotate(p: Pt, deg: number, ox: number, oy: number): Pt {
  const a = (deg * Math.PI) / 180;
  return { x: ox + p.x * Math.cos(a) - p.y * Math.sin(a), y: oy + p.x * Math.sin(a) + p.y * Math.cos(a) };
}

function boundsOf(pts: Pt[]): { x: number; y: number; w: number; h: number } {
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x: round2(x), y: round2(y), w: round2(Math.max(...xs) - x), h: round2(Math.max(...ys) - y) };
}

function overlap(a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (ix * iy) / Math.min(a.w * a.h, b.w * b.h);
}

const round2 = (v: number) => Math.round(v * 100) / 100;
