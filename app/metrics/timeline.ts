import { dayOf } from '../domain/capturedAt.ts';

/**
 * The monitoring timeline: per day of capture and per metadata slice, how many
 * images came in and how a model run did on them. Pure: the store's
 * TimelineReader gives one row per image with a capture time.
 */

/** A score below this on every prediction makes an image a low-confidence one. */
export const LOW_CONFIDENCE = 0.5;

/** The slice every image belongs to. */
export const ALL = 'all';

/** What the timeline reads of one image. */
export interface TimelineImage {
  id: number;
  capturedAt: string;
  /** The image's value of the slice key (null: it has none, so it is only in "all"). */
  slice: string | null;
  /** Whether the chosen run processed the image (its prediction numbers count only then). */
  covered: boolean;
  /** The run's boxes on the image, the sum and the highest of their scores. */
  predictions: number;
  scoreSum: number;
  best: number | null;
  /** Mean luma 0–255 from the image statistics; null until they are computed. */
  brightness: number | null;
}

/** The statistics a day has, in the order the dashboard draws them. */
export const STATISTICS = ['images', 'predictionsPerImage', 'meanConfidence', 'lowConfidenceShare', 'meanBrightness'] as const;
export type Statistic = (typeof STATISTICS)[number];

/**
 * One day of one slice. images: captured that day; predictionsPerImage: the
 * run's boxes over the images it covered; meanConfidence: the mean score of
 * those boxes; lowConfidenceShare: the share of covered images with no
 * prediction scoring LOW_CONFIDENCE or more; meanBrightness: the mean of the
 * images' brightness. A statistic with nothing to average is null.
 */
export interface DayPoint {
  day: string;
  images: number;
  covered: number;
  predictionsPerImage: number | null;
  meanConfidence: number | null;
  lowConfidenceShare: number | null;
  meanBrightness: number | null;
}

/** One line of the timeline: a slice value (or "all") over every day. */
export interface Series {
  slice: string;
  points: DayPoint[];
}

/** Every day from the first capture to the last, and one series per slice value, "all" first. */
export interface TimelineData {
  days: string[];
  series: Series[];
}

/** Every calendar day from `first` to `last` (YYYY-MM-DD), both included. */
export function daysBetween(first: string, last: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${last}T00:00:00Z`);
  for (let t = Date.parse(`${first}T00:00:00Z`); t <= end; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

interface Acc {
  images: number;
  covered: number;
  predictions: number;
  scoreSum: number;
  low: number;
  brightSum: number;
  brightN: number;
}
const empty = (): Acc => ({ images: 0, covered: 0, predictions: 0, scoreSum: 0, low: 0, brightSum: 0, brightN: 0 });

/** Build the timeline from one row per image; slice values are sorted, "all" comes first. */
export function buildTimeline(images: readonly TimelineImage[]): TimelineData {
  if (images.length === 0) return { days: [], series: [] };
  let first = dayOf(images[0].capturedAt);
  let last = first;
  const bySlice = new Map<string, Map<string, Acc>>([[ALL, new Map()]]);
  for (const img of images) {
    const day = dayOf(img.capturedAt);
    if (day < first) first = day;
    if (day > last) last = day;
    add(bySlice.get(ALL)!, day, img);
    if (img.slice !== null) {
      let m = bySlice.get(img.slice);
      if (!m) bySlice.set(img.slice, (m = new Map()));
      add(m, day, img);
    }
  }
  const days = daysBetween(first, last);
  const names = [ALL, ...[...bySlice.keys()].filter((k) => k !== ALL).sort()];
  return { days, series: names.map((slice) => ({ slice, points: days.map((day) => point(day, bySlice.get(slice)!.get(day) ?? empty())) })) };
}

function add(m: Map<string, Acc>, day: string, img: TimelineImage): void {
  let a = m.get(day);
  if (!a) m.set(day, (a = empty()));
  a.images++;
  if (img.covered) {
    a.covered++;
    a.predictions += img.predictions;
    a.scoreSum += img.scoreSum;
    if (img.best === null || img.best < LOW_CONFIDENCE) a.low++;
  }
  if (img.brightness !== null && Number.isFinite(img.brightness)) {
    a.brightSum += img.brightness;
    a.brightN++;
  }
}

function point(day: string, a: Acc): DayPoint {
  return {
    day,
    images: a.images,
    covered: a.covered,
    predictionsPerImage: a.covered ? a.predictions / a.covered : null,
    meanConfidence: a.predictions ? a.scoreSum / a.predictions : null,
    lowConfidenceShare: a.covered ? a.low / a.covered : null,
    meanBrightness: a.brightN ? a.brightSum / a.brightN : null,
  };
}
