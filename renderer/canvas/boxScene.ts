import RBush from 'rbush';
import { screenToImage, type View } from './coords.ts';

/** Whose box it is, which decides how it is drawn and what a person may do with it. */
export type BoxKind = 'mine' | 'prediction' | 'other';

/** A box as the canvas draws it. */
export interface ShownBox {
  id: number;
  classId: number;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number | null;
  kind: BoxKind;
  /** A reference box the compared run misses. */
  missed?: boolean;
  /** A detection of the compared run that found no reference box. */
  falseAlarm?: boolean;
  /** Short author tag for another person's box. */
  author?: string;
  /** The person's own colour (disagreement review): the outline takes it instead of the class colour. */
  personColor?: string;
  /** How this box disagrees with the others on the image (disagreement review). */
  mark?: 'missing' | 'class_conflict' | 'low_iou';
}

export interface ClassStyle {
  id: number;
  name: string;
  color: string;
}

export const MISSED_COLOR = '#ff3b30';
/** A false alarm of the compared run: a cyan dashed outline, apart from the misses' red in hue and in stroke. */
export const FALSE_ALARM_COLOR = '#00e5ff';
/** Above this many boxes in view, dashes (costly to rasterise) give way to thinner solid strokes. */
const DASH_LIMIT = 1200;
const LABEL_FONT = '600 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const LABEL_H = 18;
const MAX_LABELS = 500;

type Item = { minX: number; minY: number; maxX: number; maxY: number; box: ShownBox };

/** The shown boxes in an R-tree, for culling to the viewport and hit-testing in O(log n). */
export class BoxIndex {
  private readonly tree = new RBush<Item>();
  readonly byId = new Map<number, ShownBox>();

  constructor(readonly boxes: readonly ShownBox[]) {
    this.tree.load(boxes.map((b) => ({ minX: b.x, minY: b.y, maxX: b.x + b.w, maxY: b.y + b.h, box: b })));
    for (const b of boxes) this.byId.set(b.id, b);
  }

  /** Boxes intersecting an image-space rectangle. */
  /** How many boxes meet the rectangle. */
  count(r: { x: number; y: number; w: number; h: number }): number {
    return this.tree.search({ minX: r.x, minY: r.y, maxX: r.x + r.w, maxY: r.y + r.h }).length;
  }

  search(r: { x: number; y: number; w: number; h: number }): ShownBox[] {
    return this.tree.search({ minX: r.x, minY: r.y, maxX: r.x + r.w, maxY: r.y + r.h }).map((i) => i.box);
  }

  /**
   * The box a click at image point `p` means: among the boxes containing it (with
   * `slop` image pixels of tolerance on the edges), the person's own first, then the smallest.
   */
  hit(p: { x: number; y: number }, slop: number): ShownBox | null {
    const found = this.tree.search({ minX: p.x - slop, minY: p.y - slop, maxX: p.x + slop, maxY: p.y + slop });
    let best: ShownBox | null = null;
    for (const { box } of found) {
      if (!best) best = box;
      else if ((box.kind === 'mine') !== (best.kind === 'mine')) best = box.kind === 'mine' ? box : best;
      else if (box.w * box.h < best.w * best.h) best = box;
    }
    return best;
  }
}

/** The part of the image on screen, in image pixels. */
export function viewportRect(v: View, w: number, h: number) {
  const tl = screenToImage({ x: 0, y: 0 }, v);
  const br = screenToImage({ x: w, y: h }, v);
  return { x: tl.x, y: tl.y, w: br.x - tl.x, h: br.y - tl.y };
}

export function hexAlpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/** Black or white, whichever reads better on `hex` (WCAG relative luminance). */
export function textOn(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
  return l > 0.35 ? '#0b0d10' : '#ffffff';
}

/** The outline colour an evaluation mark gives a box (a miss, a false alarm), or null for none. */
export function markColor(b: Pick<ShownBox, 'missed' | 'falseAlarm'>): string | null {
  return b.missed ? MISSED_COLOR : b.falseAlarm ? FALSE_ALARM_COLOR : null;
}

export interface SceneOptions {
  index: BoxIndex;
  view: View;
  width: number;
  height: number;
  pixelRatio: number;
  classes: ReadonlyMap<number, ClassStyle>;
  /** Drawn elsewhere (selected or being dragged). */
  skip: ReadonlySet<number>;
  /** Boxes whose label is left out (those being moved, whose label would stay behind). */
  skipLabels: ReadonlySet<number>;
  showLabels: boolean;
  highlightId: number | null;
}

const widthCache = new Map<string, number>();
function textWidth(ctx: CanvasRenderingContext2D, text: string): number {
  let w = widthCache.get(text);
  if (w === undefined) {
    w = ctx.measureText(text).width;
    if (widthCache.size > 5000) widthCache.clear();
    widthCache.set(text, w);
  }
  return w;
}

/** The label a box carries on the canvas. */
export function labelText(b: ShownBox, classes: ReadonlyMap<number, ClassStyle>): string {
  const name = classes.get(b.classId)?.name ?? '?';
  const score = b.score !== null ? ` ${b.score.toFixed(2)}` : '';
  const who = b.kind === 'other' && b.author ? ` · ${b.author}` : '';
  return `${b.missed ? 'missed ' : b.falseAlarm ? 'false alarm ' : ''}${name}${score}${who}`;
}

/**
 * Draw every box in view in a few paths (one per colour and style) instead of a
 * node each; `ctx` carries the stage transform. Labels go on top in screen space
 * at a fixed size, placed greedily so that none overlaps another.
 */
export function drawBoxes(ctx: CanvasRenderingContext2D, o: SceneOptions): { drawn: number; labels: number } {
  const vp = viewportRect(o.view, o.width, o.height);
  const all = o.index.search(vp);
  const inView = all.filter((b) => !o.skip.has(b.id));
  const s = o.view.scale;
  const dashed = inView.length <= DASH_LIMIT;
  const groups = new Map<string, ShownBox[]>();
  for (const b of inView) {
    const color = markColor(b) ?? b.personColor ?? o.classes.get(b.classId)?.color ?? '#ffffff';
    const key = `${color}|${b.kind}|${b.missed ? 1 : b.falseAlarm ? 2 : 0}|${b.personColor ? (b.mark ?? 'p') : ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(b);
  }
  // One fillRect and one strokeRect per box, styles set once per group: a software
  // rasteriser fills and strokes thousands of rectangles this way about 7× faster
  // than as one path of thousands of sub-paths (bench/canvas.ts).
  let conflicts: ShownBox[] | null = null;
  for (const [key, list] of groups) {
    const [color, kind, missed, person] = key.split('|');
    if (person) {
      drawPersonGroup(ctx, list, color, person, s);
      if (person === 'class_conflict') (conflicts ??= []).push(...list);
      continue;
    }
    ctx.fillStyle = hexAlpha(color, kind === 'mine' ? 0.08 : 0.04);
    for (const b of list) ctx.fillRect(b.x, b.y, b.w, b.h);
    ctx.strokeStyle = color;
    ctx.lineWidth = (missed !== '0' ? 3 : kind === 'mine' ? 2 : 1.5) / s;
    ctx.setLineDash(missed === '2' ? [8 / s, 4 / s] : !dashed || kind === 'mine' || missed === '1' ? [] : kind === 'prediction' ? [6 / s, 4 / s] : [2 / s, 3 / s]);
    for (const b of list) ctx.strokeRect(b.x, b.y, b.w, b.h);
  }
  ctx.setLineDash([]);
  if (conflicts) drawConflictBadges(ctx, conflicts, o);
  if (o.highlightId !== null) {
    const b = o.index.byId.get(o.highlightId);
    if (b && !o.skip.has(b.id)) {
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 3 / s;
      ctx.strokeRect(b.x, b.y, b.w, b.h);
    }
  }
  const labels = o.showLabels ? drawLabels(ctx, all.filter((b) => !o.skipLabels.has(b.id)), o) : 0;
  return { drawn: inView.length, labels };
}

/**
 * One person's boxes in the disagreement review, in their colour over a dark halo so the
 * outline reads on light and dark photos: solid for a match, dashed and thicker for a box
 * the others do not have, thin for a match under the low-IoU bar.
 */
function drawPersonGroup(ctx: CanvasRenderingContext2D, list: readonly ShownBox[], color: string, mark: string, s: number) {
  const width = mark === 'missing' ? 3.5 : mark === 'low_iou' ? 1.25 : 2;
  ctx.fillStyle = hexAlpha(color, mark === 'missing' ? 0.14 : 0.05);
  for (const b of list) ctx.fillRect(b.x, b.y, b.w, b.h);
  // The halo is solid, so a dashed outline alternates colour and black and reads on any photo.
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.75)';
  ctx.lineWidth = (width + 2) / s;
  for (const b of list) ctx.strokeRect(b.x, b.y, b.w, b.h);
  if (mark === 'missing') ctx.setLineDash([9 / s, 6 / s]);
  ctx.strokeStyle = color;
  ctx.lineWidth = width / s;
  for (const b of list) ctx.strokeRect(b.x, b.y, b.w, b.h);
  ctx.setLineDash([]);
}

/** A "≠" badge on the top-right corner of each box whose class the others gave differently, in screen space. */
function drawConflictBadges(ctx: CanvasRenderingContext2D, list: readonly ShownBox[], o: SceneOptions) {
  const { view: v, pixelRatio: pr } = o;
  ctx.save();
  ctx.setTransform(pr, 0, 0, pr, 0, 0);
  ctx.font = '700 13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const b of list) {
    const x = (b.x + b.w) * v.scale + v.x;
    const y = b.y * v.scale + v.y;
    ctx.fillStyle = MISSED_COLOR;
    ctx.beginPath();
    ctx.arc(x, y, 9, 0, Math.PI * 2);
    ctx.fill();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
    ctx.fillStyle = '#ffffff';
    ctx.fillText('≠', x, y + 0.5);
  }
  ctx.restore();
}

function drawLabels(ctx: CanvasRenderingContext2D, boxes: ShownBox[], o: SceneOptions): number {
  const { view: v, pixelRatio: pr } = o;
  ctx.save();
  ctx.setTransform(pr, 0, 0, pr, 0, 0);
  ctx.font = LABEL_FONT;
  ctx.textBaseline = 'middle';
  // Larger boxes first: they are the ones a label helps most, and they leave room for the rest.
  const order = boxes.length > MAX_LABELS * 4 ? [] : [...boxes].sort((a, b) => b.w * b.h - a.w * a.h);
  const cell = 48;
  const grid = new Map<number, { x: number; y: number; w: number; h: number }[]>();
  const keyOf = (cx: number, cy: number) => cx * 100_003 + cy;
  let placed = 0;
  for (const b of order) {
    if (placed >= MAX_LABELS) break;
    const text = labelText(b, o.classes);
    const w = textWidth(ctx, text) + 8;
    const sx = b.x * v.scale + v.x;
    const sy = b.y * v.scale + v.y;
    // Above the box; inside its top edge when there is no room above.
    const r = { x: Math.max(0, sx - 1), y: sy - LABEL_H >= 0 ? sy - LABEL_H : sy + 1, w, h: LABEL_H };
    if (r.x > o.width || r.y > o.height || r.x + r.w < 0 || r.y + r.h < 0) continue;
    const x0 = Math.floor(r.x / cell);
    const x1 = Math.floor((r.x + r.w) / cell);
    const y0 = Math.floor(r.y / cell);
    const y1 = Math.floor((r.y + r.h) / cell);
    let clash = false;
    for (let cx = x0; cx <= x1 && !clash; cx++) {
      for (let cy = y0; cy <= y1 && !clash; cy++) {
        for (const q of grid.get(keyOf(cx, cy)) ?? []) {
          if (r.x < q.x + q.w && q.x < r.x + r.w && r.y < q.y + q.h && q.y < r.y + r.h) {
            clash = true;
            break;
          }
        }
      }
    }
    if (clash) continue;
    for (let cx = x0; cx <= x1; cx++) {
      for (let cy = y0; cy <= y1; cy++) {
        const k = keyOf(cx, cy);
        const l = grid.get(k);
        if (l) l.push(r);
        else grid.set(k, [r]);
      }
    }
    const bg = markColor(b) ?? b.personColor ?? o.classes.get(b.classId)?.color ?? '#ffffff';
    ctx.fillStyle = b.kind === 'mine' || b.missed || b.falseAlarm || b.personColor ? bg : hexAlpha(bg, 0.85);
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.fillStyle = textOn(bg);
    ctx.fillText(text, r.x + 4, r.y + LABEL_H / 2 + 0.5);
    placed++;
  }
  ctx.restore();
  return placed;
}
