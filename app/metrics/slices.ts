import { matchGreedy, type BoxGeometry } from '../domain/box.ts';
import { scalarText } from '../domain/metadata.ts';
import { cocoEvaluate, type EvalDt, type EvalGt, type EvalResult } from './cocoEval.ts';

/** How a model does on a set of images against reference labels. */
export interface SliceStats {
  images: number;
  /** Reference boxes and detections on these images. */
  gt: number;
  dt: number;
  /** COCO AP at IoU 0.50:0.95 and at 0.50 (pycocotools' definition); -1 when there is no reference box. */
  ap: number;
  ap50: number;
  /** Reference boxes a detection of the same class found at IoU ≥ 0.5 (greedy by score, as COCO matches), and those it missed. */
  found: number;
  missed: number;
  /** Detections that found no reference box. */
  falseAlarms: number;
}

/** One value of one metadata key (e.g. shift = night). */
export interface SliceRow extends SliceStats {
  key: string;
  value: string;
}

export interface SliceReport {
  overall: SliceStats & { stats: number[]; perClass: EvalResult['perCategory'] };
  /** Every value of every metadata key with 2 to `maxValues` values, by key, worst AP50 first. */
  slices: SliceRow[];
  /** Keys left out because they have more values than a slice table can show (timestamps, ids). */
  keysSkipped: { key: string; values: number }[];
}

export interface SliceOptions {
  /** Most distinct values a key may have to be sliced on. */
  maxValues?: number;
  /** Called after each slice is evaluated. */
  progress?: (done: number, total: number) => void;
}

const MATCH_IOU = 0.5;

/** Per image: how many reference boxes were found and how many detections found nothing. */
function matchImage(gt: BoxGeometry[], dt: BoxGeometry[]): { found: number; falseAlarms: number } {
  let found = 0;
  for (const by of matchGreedy(gt, dt, MATCH_IOU)) if (by >= 0) found++;
  return { found, falseAlarms: dt.length - found };
}

function byImage(boxes: BoxGeometry[]): Map<number, BoxGeometry[]> {
  const m = new Map<number, BoxGeometry[]>();
  for (const b of boxes) {
    const list = m.get(b.imageId);
    if (list) list.push(b);
    else m.set(b.imageId, [b]);
  }
  return m;
}

function toEval(boxes: BoxGeometry[] | undefined, out: EvalGt[] | EvalDt[], withScore: boolean): void {
  if (!boxes) return;
  for (const b of boxes) {
    const bbox: [number, number, number, number] = [b.x, b.y, b.w, b.h];
    if (withScore) (out as EvalDt[]).push({ imageId: b.imageId, categoryId: b.classId, bbox, score: b.score ?? 0 });
    else (out as EvalGt[]).push({ imageId: b.imageId, categoryId: b.classId, bbox });
  }
}

function statsFor(
  imageIds: number[],
  classIds: number[],
  gtBy: Map<number, BoxGeometry[]>,
  dtBy: Map<number, BoxGeometry[]>,
  perImage: Map<number, { found: number; falseAlarms: number }>,
): { stats: SliceStats; result: EvalResult } {
  const gt: EvalGt[] = [];
  const dt: EvalDt[] = [];
  let found = 0;
  let falseAlarms = 0;
  for (const id of imageIds) {
    toEval(gtBy.get(id), gt, false);
    toEval(dtBy.get(id), dt, true);
    const m = perImage.get(id)!;
    found += m.found;
    falseAlarms += m.falseAlarms;
  }
  const result = cocoEvaluate({ imageIds, categoryIds: classIds, gt, dt });
  return {
    stats: { images: imageIds.length, gt: gt.length, dt: dt.length, ap: result.stats[0], ap50: result.stats[1], found, missed: gt.length - found, falseAlarms },
    result,
  };
}

/**
 * Evaluate detections against reference boxes on a set of images, overall and
 * for every value of every metadata key, so a slice the model fails on (night
 * shift, a re-mounted camera) stands out. `metadata` gives each evaluated
 * image's metadata object; images not in it are not evaluated. It computes
 * synchronously: it runs in a worker thread, which a cancel terminates.
 */
export function evaluateSlices(
  metadata: Map<number, Record<string, unknown>>,
  classIds: number[],
  reference: BoxGeometry[],
  detections: BoxGeometry[],
  opts: SliceOptions = {},
): SliceReport {
  const maxValues = opts.maxValues ?? 24;
  const gtBy = byImage(reference.filter((b) => metadata.has(b.imageId)));
  const dtBy = byImage(detections.filter((b) => metadata.has(b.imageId)));
  const perImage = new Map<number, { found: number; falseAlarms: number }>();
  for (const id of metadata.keys()) perImage.set(id, matchImage(gtBy.get(id) ?? [], dtBy.get(id) ?? []));

  const groups = new Map<string, Map<string, number[]>>();
  for (const [id, meta] of metadata) {
    for (const [key, raw] of Object.entries(meta)) {
      const value = scalarText(raw);
      if (value === null) continue;
      let values = groups.get(key);
      if (!values) groups.set(key, (values = new Map()));
      const ids = values.get(value);
      if (ids) ids.push(id);
      else values.set(value, [id]);
    }
  }
  const keysSkipped: SliceReport['keysSkipped'] = [];
  const work: { key: string; value: string; ids: number[] }[] = [];
  for (const [key, values] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    if (values.size > maxValues) keysSkipped.push({ key, values: values.size });
    else if (values.size > 1) for (const [value, ids] of values) work.push({ key, value, ids });
  }

  const total = work.length + 1;
  const all = statsFor([...metadata.keys()], classIds, gtBy, dtBy, perImage);
  opts.progress?.(1, total);
  const slices: SliceRow[] = [];
  for (const w of work) {
    slices.push({ key: w.key, value: w.value, ...statsFor(w.ids, classIds, gtBy, dtBy, perImage).stats });
    opts.progress?.(slices.length + 1, total);
  }
  // Within a key, the worst value first; a value without reference boxes (AP -1) last.
  const rank = (r: SliceRow) => (r.ap50 < 0 ? 2 : r.ap50);
  slices.sort((a, b) => a.key.localeCompare(b.key) || rank(a) - rank(b) || a.value.localeCompare(b.value));
  return { overall: { ...all.stats, stats: all.result.stats, perClass: all.result.perCategory }, slices, keysSkipped };
}
