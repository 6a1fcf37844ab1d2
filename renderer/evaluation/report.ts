import { z } from 'zod';
import { EvaluationReport } from '../../app/contract/schemas.ts';

/**
 * An evaluation:start result as the dashboard draws it: checked against its contract schema,
 * with the parts the report may carry beyond it (slice kinds and images, PR curves, the
 * confusion matrix, the run's latency) read when present and left null when not.
 */

/** pycocotools' names of COCOeval's twelve numbers, in its `stats` order. */
export const STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;

/** What each of the twelve numbers means, for a tooltip. */
export const STAT_HINTS: Record<(typeof STAT_NAMES)[number], string> = {
  AP: 'AP at IoU 0.50:0.95, all areas, 100 detections',
  AP50: 'AP at IoU 0.50',
  AP75: 'AP at IoU 0.75',
  APs: 'AP on small boxes (area < 32²)',
  APm: 'AP on medium boxes (32² to 96²)',
  APl: 'AP on large boxes (area > 96²)',
  AR1: 'AR with 1 detection per image',
  AR10: 'AR with 10 detections per image',
  AR100: 'AR with 100 detections per image',
  ARs: 'AR on small boxes',
  ARm: 'AR on medium boxes',
  ARl: 'AR on large boxes',
};

export interface SliceView {
  /** What the slice is cut by: metadata, flag, drift, time, … ("metadata" when the report does not say). */
  kind: string;
  key: string;
  value: string;
  images: number;
  gt: number;
  dt: number;
  ap: number;
  ap50: number;
  found: number;
  missed: number;
  falseAlarms: number;
  /** The slice's images when the report lists them. */
  imageIds: number[] | null;
}

export interface ClassView {
  classId: number;
  ap: number;
  ap50: number;
  gt: number;
  dt: number;
}

export interface PrCurve {
  classId: number;
  /** Recall at each point (COCO's 101 recall steps), with its precision at IoU 0.50 (-1: none). */
  recall: number[];
  precision: number[];
}

export interface Confusion {
  /** Class ids, then null for background (the last row: detections that matched nothing; the last column: reference boxes nothing found). */
  labels: (number | null)[];
  /** matrix[reference][detected]. */
  matrix: number[][];
  /** The images behind each cell, when the report lists them: cells[i][j]. */
  images: number[][][] | null;
}

export interface EvalView {
  run: { id: number; name: string };
  reference: { id: number | null; name: string };
  reviewed: number;
  notRun: number;
  overall: { images: number; gt: number; dt: number; found: number; missed: number; falseAlarms: number };
  /** The twelve COCO numbers (-1 where undefined). */
  stats: number[];
  classes: ClassView[];
  slices: SliceView[];
  prCurves: PrCurve[] | null;
  confusion: Confusion | null;
  /** The model's median inference time per image in milliseconds, when measured. */
  latencyP50Ms: number | null;
  /** The slice with the lowest AP50, as the report names it. */
  worst: { kind: string; key: string; value: string; ap: number; ap50: number } | null;
}

/** Per slice, the images behind it when the report lists them (the queue's filters cannot select a drift bucket or a week). */
const SliceImages = z.object({ slices: z.array(z.object({ imageIds: z.array(z.number()).optional() })) });

type Base = Omit<z.infer<typeof EvaluationReport>, 'compare'>;

/** One run's side of a report (the report itself, or its compare block's other run). */
function readBase(r: Base, imageIds: (number[] | null)[]): EvalView {
  const o = r.overall;
  const conf = o.confusion;
  return {
    run: { id: r.run.id, name: r.run.name },
    reference: r.reference,
    reviewed: r.reviewed,
    notRun: r.notRun,
    overall: { images: o.images, gt: o.gt, dt: o.dt, found: o.found, missed: o.missed, falseAlarms: o.falseAlarms },
    stats: [...o.stats],
    classes: o.perClass.map((c) => ({ classId: c.categoryId, ap: c.ap, ap50: c.ap50, gt: c.gt, dt: c.dt })),
    slices: r.slices.map((s, i) => ({
      kind: s.kind ?? 'metadata',
      key: s.key,
      value: s.value,
      images: s.images,
      gt: s.gt,
      dt: s.dt,
      ap: s.ap,
      ap50: s.ap50,
      found: s.found,
      missed: s.missed,
      falseAlarms: s.falseAlarms,
      imageIds: imageIds[i] ?? null,
    })),
    prCurves: o.prCurves ? o.prCurves.map((c) => ({ classId: c.categoryId, recall: c.recall, precision: c.precision50 })) : null,
    // The matrix's last row and column are background.
    confusion: conf ? { labels: [...conf.classIds, null], matrix: conf.matrix, images: null } : null,
    latencyP50Ms: r.latency?.p50Ms ?? null,
    worst: r.worstSlice ? { kind: r.worstSlice.kind ?? 'metadata', key: r.worstSlice.key, value: r.worstSlice.value, ap: r.worstSlice.ap, ap50: r.worstSlice.ap50 } : null,
  };
}

/** The job's result as the dashboard draws it (with a compare block, the second run as `other`); throws, naming the first problem, when it is not an evaluation report. */
export function readEvaluation(value: unknown): EvalView & { other: EvalView | null } {
  const parsed = EvaluationReport.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`The evaluation job's result is not a report: ${issue ? `${issue.path.join('.') || 'result'}: ${issue.message}` : 'unreadable'}.`);
  }
  const { compare, ...r } = parsed.data;
  const listed = SliceImages.safeParse(value);
  const ids = listed.success ? listed.data.slices.map((s) => s.imageIds ?? null) : [];
  return { ...readBase(r, ids), other: compare ? readBase(compare.other, []) : null };
}

/** A run as the dashboard names it: two runs of one model differ by their number. */
export const runLabel = (v: Pick<EvalView, 'run'>) => `${v.run.name} (run ${v.run.id})`;

/** B − A of a COCO number, or null when either is undefined (-1). */
export function statDiff(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || a < 0 || b < 0) return null;
  return b - a;
}

/** A COCO number as pycocotools prints it (three decimals), or a dash for -1. */
export function stat3(v: number | null | undefined): string {
  return v === null || v === undefined || v < 0 || !Number.isFinite(v) ? '–' : v.toFixed(3);
}

/** A signed difference with three decimals ("+0.042", "−0.013", "0.000"), or a dash. */
export function signed3(d: number | null): string {
  if (d === null || !Number.isFinite(d)) return '–';
  const r = Math.round(d * 1000) / 1000;
  if (r === 0) return '0.000';
  return `${r > 0 ? '+' : '−'}${Math.abs(r).toFixed(3)}`;
}

/** Whether a difference is better, worse or the same at three decimals (higher AP and AR are better). */
export function tone(d: number | null): 'better' | 'worse' | 'same' {
  if (d === null) return 'same';
  const r = Math.round(d * 1000);
  return r > 0 ? 'better' : r < 0 ? 'worse' : 'same';
}

/** A slice's identity across two reports. */
export const sliceKey = (s: Pick<SliceView, 'kind' | 'key' | 'value'>) => `${s.kind}\u0000${s.key}\u0000${s.value}`;

/**
 * Slices worst first: by AP50, then AP, a slice without reference boxes (AP -1) last; ties by
 * kind, key and value so the order is stable.
 */
export function worstFirst(slices: readonly SliceView[]): SliceView[] {
  const rank = (v: number) => (v < 0 ? 2 : v);
  return [...slices].sort((a, b) => rank(a.ap50) - rank(b.ap50) || rank(a.ap) - rank(b.ap) || a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key) || a.value.localeCompare(b.value));
}

/** The slice with the lowest AP (with reference boxes), or null when none has any. */
export function worstSlice(slices: readonly SliceView[]): SliceView | null {
  let worst: SliceView | null = null;
  for (const s of slices) if (s.ap >= 0 && (!worst || s.ap < worst.ap)) worst = s;
  return worst;
}

/**
 * A PR curve as chart points: recall on x, precision on y, leaving out the steps where
 * precision is undefined (-1, recall never reached).
 */
export function prPoints(c: PrCurve): { recall: number; precision: number }[] {
  const out: { recall: number; precision: number }[] = [];
  const n = Math.min(c.recall.length, c.precision.length);
  for (let i = 0; i < n; i++) if (c.precision[i] >= 0) out.push({ recall: c.recall[i], precision: c.precision[i] });
  return out;
}

/** The Monday (YYYY-MM-DD, UTC) an ISO week such as 2026-W49 starts on, and the next week's Monday; null for anything else. */
export function isoWeekDays(week: string): { from: string; to: string } | null {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return null;
  const year = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > 53) return null;
  // Week 1 is the week with 4 January in it.
  const jan4 = Date.UTC(year, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
  const from = monday1 + (n - 1) * 7 * 86_400_000;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  // Week 53 exists only in years whose 28 December falls in it.
  if (n === 53 && day(from) > day(Date.UTC(year, 11, 28))) return null;
  return { from: day(from), to: day(from + 7 * 86_400_000) };
}
