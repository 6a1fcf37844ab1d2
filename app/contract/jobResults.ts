import { z } from 'zod';

/**
 * What each kind of job leaves as its result, as the UI reads it. The services
 * build these shapes; the renderer reads them through the contract alone.
 */

const Split = z.enum(['train', 'val', 'test']);
const SplitSummary = z.object({ images: z.int(), boxes: z.int(), emptyImages: z.int(), boxesByClass: z.record(z.string(), z.int()) });

/** The result of an `export:start` job. */
export const ExportSummary = z.object({
  format: z.enum(['yolo', 'coco']),
  out: z.string(),
  labels: z.string(),
  imagesMode: z.enum(['copy', 'link', 'symlink', 'none']),
  seed: z.int(),
  split: z.partialRecord(Split, z.number()),
  filter: z.object({ flag: z.string().optional(), where: z.object({ key: z.string(), value: z.string() }).optional() }).nullable(),
  classes: z.array(z.string()),
  selected: z.int(),
  images: z.int(),
  boxes: z.int(),
  emptyImages: z.int(),
  splits: z.partialRecord(Split, SplitSummary),
  skipped: z.array(z.object({ reason: z.string(), why: z.string(), count: z.int(), examples: z.array(z.string()) })),
  skippedCount: z.int(),
  boxesClamped: z.int(),
  boxesOutsideDropped: z.int(),
  linkFallbacks: z.int(),
  seconds: z.number(),
});
export type ExportSummary = z.infer<typeof ExportSummary>;

/** One problem an import found: the file, where in it, and what was wrong. */
export const ImportProblem = z.object({ file: z.string(), line: z.int().optional(), record: z.string().optional(), reason: z.string() });

/** The result of a `labels:import` or `predictions:import` job. */
export const ImportLabelsSummary = z.object({
  dryRun: z.boolean(),
  author: z.string(),
  runId: z.int().nullable(),
  imagesMatched: z.int(),
  imagesAdded: z.int(),
  missingImages: z.array(z.string()),
  skipped: z.array(z.object({ file: z.string(), reason: z.string() })),
  boxes: z.int(),
  clamped: z.int(),
  replaced: z.int(),
  newClasses: z.array(z.string()),
  crowdSkipped: z.int(),
  segmentationsDropped: z.int(),
  boxesFromSegmentation: z.int(),
  problems: z.array(ImportProblem),
  problemCount: z.int(),
});
export type ImportLabelsSummary = z.infer<typeof ImportLabelsSummary>;
