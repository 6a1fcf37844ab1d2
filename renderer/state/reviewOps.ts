import { clampRect, matchGreedy } from '../../app/contract/geometry.ts';
import type { ShownBox } from '../canvas/boxScene.ts';
import type { Box, BoxOp } from './useImageBoxes.ts';

/** Which boxes the review shows: the score threshold and the layers a person hid. */
export interface ShowOptions {
  me: number | null;
  threshold: number;
  showPredictions: boolean;
  /** Other people's layers the person hid, by annotator id. */
  hiddenAuthors: ReadonlySet<number>;
  authorNames: ReadonlyMap<number, string>;
  /** A run compared with a reference annotator: the reference's boxes it misses and its detections that found nothing are marked. */
  compare: { runId: number; referenceId: number } | null;
}

const isPrediction = (b: Box) => b.modelRunId !== null;

/**
 * The open image's boxes as the canvas draws them. A prediction the person has
 * accepted, edited or rejected is not shown again (their own box stands for it);
 * predictions below the threshold and hidden layers are left out.
 */
export function shownBoxes(boxes: readonly Box[], o: ShowOptions): ShownBox[] {
  const taken = new Set<number>();
  for (const b of boxes) if (b.annotatorId === o.me && b.sourceBoxId !== null) taken.add(b.sourceBoxId);
  const out: ShownBox[] = [];
  for (const b of boxes) {
    const base = { id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h, score: b.score };
    if (b.annotatorId === o.me && !isPrediction(b)) out.push({ ...base, kind: 'mine' });
    else if (isPrediction(b)) {
      if (!o.showPredictions || b.rejected || taken.has(b.id) || (b.score !== null && b.score < o.threshold)) continue;
      out.push({ ...base, kind: 'prediction' });
    } else if (!o.hiddenAuthors.has(b.annotatorId)) out.push({ ...base, kind: 'other', author: o.authorNames.get(b.annotatorId) });
  }
  if (o.compare) markMissed(boxes, out, o.compare);
  return out;
}

function markMissed(all: readonly Box[], shown: ShownBox[], c: { runId: number; referenceId: number }) {
  const byId = new Map(all.map((b) => [b.id, b]));
  const reference = shown.filter((s) => byId.get(s.id)!.annotatorId === c.referenceId && !isPrediction(byId.get(s.id)!));
  // Every prediction of the run above the threshold counts, accepted or not: it is what the model said.
  const counted = new Set<number>();
  for (const s of shown) {
    counted.add(s.id);
    const src = byId.get(s.id)!.sourceBoxId;
    if (src !== null) counted.add(src);
  }
  const detections = all.filter((b) => b.modelRunId === c.runId && counted.has(b.id));
  const foundBy = matchGreedy(reference, detections);
  reference.forEach((r, i) => {
    if (foundBy[i] < 0) r.missed = true;
  });
  // A detection that found nothing is a false alarm: marked on the prediction, or on the box a person made from it.
  const found = new Set([...foundBy].filter((i) => i >= 0).map((i) => detections[i].id));
  const alarms = new Set(detections.filter((d) => !found.has(d.id)).map((d) => d.id));
  for (const s of shown) {
    const src = byId.get(s.id)!.sourceBoxId;
    if (alarms.has(s.id) || (src !== null && alarms.has(src) && !reference.includes(s))) s.falseAlarm = true;
  }
}

type RectLike = { x: number; y: number; w: number; h: number };

/**
 * Boxes moved, resized or reclassified: the person's own are updated; a
 * prediction becomes the person's box "edited from" it, and is itself never changed.
 */
export function changeOp(boxes: readonly Box[], me: number | null, items: { id: number; rect?: RectLike; classId?: number }[]): BoxOp {
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const op: Required<Pick<BoxOp, 'add' | 'update'>> = { add: [], update: [] };
  for (const it of items) {
    const b = byId.get(it.id);
    if (!b) continue;
    if (b.annotatorId === me && !isPrediction(b)) op.update.push(it);
    else if (isPrediction(b)) op.add.push({ classId: it.classId ?? b.classId, rect: it.rect ?? { x: b.x, y: b.y, w: b.w, h: b.h }, sourceBoxId: b.id });
  }
  return op;
}

/** Arrow-key nudge of the selection by (dx, dy) image pixels, each box kept whole inside the image. */
export function nudgeItems(boxes: readonly ShownBox[], dx: number, dy: number, width: number, height: number) {
  let x = dx;
  let y = dy;
  for (const b of boxes) {
    x = Math.min(Math.max(x, -b.x), width - b.x - b.w);
    y = Math.min(Math.max(y, -b.y), height - b.y - b.h);
  }
  if (x === 0 && y === 0) return [];
  return boxes.map((b) => ({ id: b.id, rect: { x: b.x + x, y: b.y + y, w: b.w, h: b.h } }));
}

/** Copies of boxes as the person's new boxes, offset by `offset` pixels and clamped to the image. */
export function copiesOf(boxes: readonly { classId: number; x: number; y: number; w: number; h: number }[], offset: number, width: number, height: number): NonNullable<BoxOp['add']> {
  const out: NonNullable<BoxOp['add']> = [];
  for (const b of boxes) {
    const r = clampRect({ x: b.x + offset, y: b.y + offset, w: b.w, h: b.h }, width, height);
    if (r) out.push({ classId: b.classId, rect: r });
  }
  return out;
}

/** The bounding rectangle of some boxes, or null for none. */
export function boundsOf(boxes: readonly RectLike[]): RectLike | null {
  if (!boxes.length) return null;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const b of boxes) {
    x0 = Math.min(x0, b.x);
    y0 = Math.min(y0, b.y);
    x1 = Math.max(x1, b.x + b.w);
    y1 = Math.max(y1, b.y + b.h);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}
