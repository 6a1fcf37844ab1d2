import { z } from 'zod';

/** The monitoring timeline's statistics, in the order the dashboard draws them. */
export const TimelineStatistic = z.enum(['images', 'predictionsPerImage', 'meanConfidence', 'lowConfidenceShare', 'meanBrightness']);

/** One day of one slice (app/metrics/timeline.ts defines each number). */
export const TimelinePoint = z.object({
  day: z.string(),
  images: z.int(),
  covered: z.int(),
  predictionsPerImage: z.number().nullable(),
  meanConfidence: z.number().nullable(),
  lowConfidenceShare: z.number().nullable(),
  meanBrightness: z.number().nullable(),
});

/** A change the CUSUM rule found (app/metrics/changes.ts). */
export const TimelineChange = z.object({
  slice: z.string(),
  statistic: TimelineStatistic,
  day: z.string(),
  detectedOn: z.string(),
  direction: z.enum(['up', 'down']),
  before: z.number(),
  spread: z.number(),
  after: z.number(),
  score: z.number(),
});

/** `timeline:get`'s request: a metadata key to slice by and a model run (default: the newest). */
export const TimelineRequest = z.strictObject({ by: z.string().min(1).max(200).optional(), runId: z.int().positive().optional() });

/** The monitoring timeline: one series per slice value ("all" first), every day, and the changes found. */
export const Timeline = z.object({
  by: z.string().nullable(),
  run: z.object({ id: z.int(), name: z.string() }).nullable(),
  keys: z.array(z.string()),
  days: z.array(z.string()),
  statistics: z.array(TimelineStatistic),
  series: z.array(z.object({ slice: z.string(), points: z.array(TimelinePoint) })),
  changes: z.array(TimelineChange),
  images: z.int(),
  untimed: z.int(),
});

/** The result of a `metadata:import` job. */
export const MetadataImportSummary = z.object({
  file: z.string(),
  rows: z.int(),
  updated: z.int(),
  withCapturedAt: z.int(),
  keys: z.array(z.string()),
  dryRun: z.boolean(),
});
export type MetadataImportSummary = z.infer<typeof MetadataImportSummary>;

/** `timeline:images`' request: a slice ("all", or a value of `by`) and the day a change starts. */
export const TimelineImagesRequest = z.strictObject({
  by: z.string().min(1).max(200).optional(),
  slice: z.string().min(1).max(1000),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'day is YYYY-MM-DD'),
});
