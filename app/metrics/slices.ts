import { scalarText } from '../domain/metadata.ts';
import type { ImageFacts } from '../store/evaluationInput.ts';
import { evaluateSliceParts, prCurves, summarizeSlice, type BoxColumns, type PrCurve, type SliceNumbers, type SlicePart } from './sliceEval.ts';

/** What a slice is cut by: a metadata key, a flag reason, a drift bucket or the capture week. */
export type SliceKind = 'metadata' | 'flag' | 'drift' | 'time';

/** How a model does on a set of images against reference labels. */
export interface SliceStats {
  images: number;
  /** Reference boxes and detections on these images. */
  gt: number;
  dt: number;
  /** COCO AP at IoU 0.50:0.95 and at 0.50 (pycocotools' definition); -1 when there is no reference box. */
  ap: number;
  ap50: number;
  /** Reference boxes a detection of the same class found at IoU ≥ 0.5 (COCO's greedy matching by score, top 100 per image and class), and those it missed. */
  found: number;
  missed: number;
  /** Detections that found no reference box. */
  falseAlarms: number;
  /** pycocotools' twelve numbers on these images. */
  stats: number[];
  /** AP and AP50 per class, ascending class id. */
  perClass: SliceNumbers['perCategory'];
}

/** One slice: a value of a metadata key (shift = night), a flag reason, a drift bucket or a capture week. */
export interface SliceRow extends SliceStats {
  kind: SliceKind;
  key: string;
  value: string;
  /** For a drift bucket: the flag scores it spans. */
  scoreRange?: [number, number];
}

export interface SliceReport {
  /** Every evaluated image, with each class's PR curves. */
  overall: SliceStats & { prCurves: PrCurve[] };
  /** See `evaluateSlices` for which slices there are and their order. */
  slices: SliceRow[];
  /** Keys left out because they have more values than a slice table can show (timestamps, ids). */
  keysSkipped: { key: string; values: number }[];
}

export interface SliceOptions {
  /** Most distinct values a metadata key may have to be sliced on (default 24). */
  maxValues?: number;
  /** Most capture weeks sliced on (default 60). */
  maxWeeks?: number;
  /** Called after each class is evaluated. */
  progress?: (done: number, total: number) => void;
}

/** A slice before it is evaluated: what it is and its images (ascending ids). */
export interface SliceDefinition {
  kind: SliceKind;
  key: string;
  value: string;
  imageIds: number[];
  scoreRange?: [number, number];
}

/** The value of an image that has no flag, in the flag slices. */
export const UNFLAGGED = 'unflagged';
/** The value of an evaluated image without a drift flag, in the drift slices. */
export const NO_DRIFT = 'no drift flag';
/** The value of an image without a capture time, in the week slices. */
export const NO_TIME = 'unknown';
const KIND_ORDER: SliceKind[] = ['metadata', 'flag', 'drift', 'time'];

/** The ISO 8601 week (e.g. 2026-W49) of a stored capture time's date as the camera wrote it. */
export function isoWeek(capturedAt: string): string | null {
  // The date as the camera wrote it (the stored text's first ten characters), never converted between zones.
  const day = capturedAt.slice(0, 10);
  const t = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
  if (!Number.isFinite(t)) return null;
  const d = new Date(t);
  // The week's Thursday decides its year.
  const dow = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - dow + 3);
  const year = d.getUTCFullYear();
  const week = 1 + Math.floor((d.getTime() - Date.UTC(year, 0, 1)) / 864e5 / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * The slices of a set of evaluated images (ascending ids):
 * - metadata: every value of every scalar metadata key with 2 to `maxValues` values (keys with more are reported in keysSkipped);
 * - flag: one slice per flag reason (the images with at least one flag of it; they overlap) and `unflagged`;
 * - drift: the drift flag's score (an image's highest) cut at its terciles over the evaluated images, low < q⅓ ≤ mid < q⅔ ≤ high
 *   (q the scores at ranks ⌊n/3⌋ and ⌊2n/3⌋ of the n sorted), and `no drift flag`; empty buckets are dropped;
 * - time: the ISO week each image was captured (`unknown` without a capture time), when there are 2 to `maxWeeks` values.
 */
export function defineSlices(imageIds: ArrayLike<number>, metadata: Map<number, Record<string, unknown>>, facts: ImageFacts, opts: SliceOptions = {}): { slices: SliceDefinition[]; keysSkipped: SliceReport['keysSkipped'] } {
  const maxValues = opts.maxValues ?? 24;
  const maxWeeks = opts.maxWeeks ?? 60;
  const slices: SliceDefinition[] = [];
  const keysSkipped: SliceReport['keysSkipped'] = [];
  const add = (into: Map<string, number[]>, value: string, id: number) => {
    const ids = into.get(value);
    if (ids) ids.push(id);
    else into.set(value, [id]);
  };

  const groups = new Map<string, Map<string, number[]>>();
  const flagged = new Map<string, number[]>();
  const weeks = new Map<string, number[]>();
  const drift: { id: number; score: number }[] = [];
  const noDrift: number[] = [];
  for (let i = 0; i < imageIds.length; i++) {
    const id = imageIds[i];
    for (const [key, raw] of Object.entries(metadata.get(id) ?? {})) {
      const value = scalarText(raw);
      if (value === null) continue;
      let values = groups.get(key);
      if (!values) groups.set(key, (values = new Map()));
      add(values, value, id);
    }
    const flags = facts.flags.get(id) ?? [];
    if (flags.length === 0) add(flagged, UNFLAGGED, id);
    for (const reason of new Set(flags.map((f) => f.reason))) add(flagged, reason, id);
    let driftScore: number | null = null;
    for (const f of flags) if (f.reason === 'drift' && f.score !== null && Number.isFinite(f.score)) driftScore = Math.max(driftScore ?? -Infinity, f.score);
    if (driftScore === null) noDrift.push(id);
    else drift.push({ id, score: driftScore });
    const at = facts.capturedAt.get(id);
    add(weeks, (at && isoWeek(at)) || NO_TIME, id);
  }

  for (const [key, values] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    if (values.size > maxValues) keysSkipped.push({ key, values: values.size });
    else if (values.size > 1) for (const [value, ids] of values) slices.push({ kind: 'metadata', key, value, imageIds: ids });
  }
  // Without any flag there is nothing to slice by.
  if (!(flagged.size === 1 && flagged.has(UNFLAGGED))) for (const [value, ids] of flagged) slices.push({ kind: 'flag', key: 'flag', value, imageIds: ids });
  if (drift.length) {
    const sorted = drift.map((d) => d.score).sort((a, b) => a - b);
    const n = sorted.length;
    const q1 = sorted[Math.floor(n / 3)];
    const q2 = sorted[Math.floor((2 * n) / 3)];
    const buckets: { value: string; of: (s: number) => boolean }[] = [
      { value: 'low', of: (s) => s < q1 },
      { value: 'mid', of: (s) => s >= q1 && s < q2 },
      { value: 'high', of: (s) => s >= q2 },
    ];
    for (const b of buckets) {
      const inside = drift.filter((d) => b.of(d.score));
      if (!inside.length) continue;
      const scores = inside.map((d) => d.score);
      slices.push({ kind: 'drift', key: 'drift', value: b.value, imageIds: inside.map((d) => d.id).sort((x, y) => x - y), scoreRange: [Math.min(...scores), Math.max(...scores)] });
    }
    if (noDrift.length) slices.push({ kind: 'drift', key: 'drift', value: NO_DRIFT, imageIds: noDrift });
  }
  if (weeks.size > maxWeeks) keysSkipped.push({ key: 'week', values: weeks.size });
  else if (weeks.size > 1) for (const [value, ids] of [...weeks].sort(([a], [b]) => a.localeCompare(b))) slices.push({ kind: 'time', key: 'week', value, imageIds: ids });
  return { slices, keysSkipped };
}

function statsOf(n: SliceNumbers): SliceStats {
  return {
    images: n.images,
    gt: n.gt,
    dt: n.dt,
    ap: n.stats[0],
    ap50: n.stats[1],
    found: n.found,
    missed: n.missed,
    falseAlarms: n.falseAlarms,
    stats: n.stats,
    perClass: n.perCategory,
  };
}

/**
 * The report of parts evaluated over `[all images, ...slices]`: the overall numbers
 * and every slice row in order: by kind (metadata, flag, drift, time), then key,
 * then within a key the worst AP50 first, a slice without reference boxes (AP -1) last.
 */
export function sliceReport(
  parts: SlicePart[],
  classIds: readonly number[],
  images: number,
  defs: readonly (Omit<SliceDefinition, 'imageIds'> & { images: number })[],
  keysSkipped: SliceReport['keysSkipped'],
): SliceReport {
  const overall = { ...statsOf(summarizeSlice(parts[0], classIds, images)), prCurves: prCurves(parts[0], classIds) };
  const slices: SliceRow[] = defs.map((d, i) => ({
    kind: d.kind,
    key: d.key,
    value: d.value,
    ...(d.scoreRange ? { scoreRange: d.scoreRange } : {}),
    ...statsOf(summarizeSlice(parts[i + 1], classIds, d.images)),
  }));
  const rank = (r: SliceRow) => (r.ap50 < 0 ? 2 : r.ap50);
  slices.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.key.localeCompare(b.key) || rank(a) - rank(b) || a.value.localeCompare(b.value));
  return { overall, slices, keysSkipped };
}

/**
 * Evaluate detections against reference boxes on a set of images, overall and
 * per slice (`defineSlices`), so a slice the model fails on (night shift, a
 * re-mounted camera, drifted images, a bad week) stands out. Every image and
 * class is matched once; each slice accumulates its images' shared results, so
 * its numbers equal cocoEvaluate on that slice alone. It computes synchronously:
 * it runs in a worker thread, which a cancel terminates.
 */
export function evaluateSlices(
  imageIds: ArrayLike<number>,
  metadata: Map<number, Record<string, unknown>>,
  facts: ImageFacts,
  classIds: readonly number[],
  reference: BoxColumns,
  detections: BoxColumns,
  opts: SliceOptions = {},
): SliceReport {
  const { slices, keysSkipped } = defineSlices(imageIds, metadata, facts, opts);
  const parts = evaluateSliceParts({
    imageIds,
    classIds,
    gt: reference,
    dt: detections,
    slices: [imageIds, ...slices.map((s) => s.imageIds)],
    progress: opts.progress,
  });
  return sliceReport(parts, classIds, imageIds.length, slices.map((d) => ({ ...d, images: d.imageIds.length })), keysSkipped);
}
