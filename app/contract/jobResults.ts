import { z } from 'zod';

/**
 * What each kind of job leaves as its result, as the UI reads it. The services
 * build these shapes; the renderer reads them through the contract alone.
 */

const Split = z.enum(['train', 'val', 'test']);
const SplitSummary = z.object({ images: z.int(), boxes: z.int(), emptyImages: z.int(), boxesByClass: z.array(z.object({ name: z.string(), boxes: z.int() })) });

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
  leftovers: z.object({ removed: z.int(), bytes: z.int(), restored: z.boolean() }),
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

/** What a work package holds, counted. */
export const PackageCounts = z.object({
  classes: z.int(),
  images: z.int(),
  predictions: z.int(),
  boxes: z.int(),
  marks: z.int(),
  rejections: z.int(),
  edits: z.int(),
  imageFiles: z.int(),
});

/** The result of a `package:export` job. */
export const PackageExportSummary = z.object({
  file: z.string(),
  projectId: z.string(),
  annotator: z.string(),
  /** Where the package was made: the lead's project, or a project opened from a package (work coming back). */
  origin: z.enum(['project', 'package']),
  counts: PackageCounts,
  /** Images of the person whose file could not be read to include it (with withImages). */
  unreadable: z.array(z.object({ path: z.string(), reason: z.string() })),
  bytes: z.int(),
  seconds: z.number(),
});
export type PackageExportSummary = z.infer<typeof PackageExportSummary>;

/** The result of a `package:open` job: the new project, and the images it could not find. */
export const PackageOpenSummary = z.object({
  project: z.string(),
  projectId: z.string(),
  annotator: z.string(),
  imagesDir: z.string(),
  images: z.int(),
  /** Images written into imagesDir from the package. */
  written: z.int(),
  missing: z.array(z.object({ path: z.string(), reason: z.string() })),
  counts: PackageCounts,
  seconds: z.number(),
});
export type PackageOpenSummary = z.infer<typeof PackageOpenSummary>;

/** The result of a `package:import` job. */
export const PackageImportSummary = z.object({
  file: z.string(),
  projectId: z.string(),
  annotator: z.string(),
  images: z.int(),
  /** Images whose work for this person was replaced by the package's. */
  changed: z.int(),
  /** Images where the project already held exactly the package's work. */
  unchanged: z.int(),
  /** Package images this project does not have (by content hash and path); their work is not imported. */
  unmatched: z.array(z.object({ path: z.string(), reason: z.string() })),
  boxesAdded: z.int(),
  boxesRemoved: z.int(),
  marks: z.int(),
  edits: z.int(),
  seconds: z.number(),
});
export type PackageImportSummary = z.infer<typeof PackageImportSummary>;

/** Pair counts of the agreement report (ARCHITECTURE.md §3). */
const AgreementCounts = z.object({ matchedSame: z.int(), matchedOther: z.int(), onlyA: z.int(), onlyB: z.int(), iouSum: z.number() });

/** The result of an `agreement:start` job: the project's agreement report, with annotator and class names. */
export const AgreementResult = z.object({
  iou: z.number(),
  /** The quorum given, or null when each image used the default (half its people, rounded up). */
  quorum: z.int().nullable(),
  images: z.int(),
  meanAgreement: z.number().nullable(),
  alpha: z.number().nullable(),
  pairs: z.array(z.object({ a: z.int(), b: z.int(), aName: z.string(), bName: z.string(), images: z.int(), counts: AgreementCounts, f1: z.number(), meanIoU: z.number().nullable() })),
  perImage: z.array(z.object({ imageId: z.int(), people: z.array(z.int()), agreement: z.number(), counts: AgreementCounts })),
  perClass: z.object({
    /** Class ids; the matrix has one more row and column, "unmatched", last. */
    classIds: z.array(z.int()),
    confusion: z.array(z.array(z.int())),
    jaccard: z.array(z.object({ classId: z.int(), name: z.string(), jaccard: z.number().nullable() })),
  }),
  perPerson: z.array(z.object({ annotatorId: z.int(), name: z.string(), images: z.int(), counts: AgreementCounts, f1: z.number(), meanIoU: z.number().nullable() })),
  annotators: z.array(z.object({ id: z.int(), name: z.string() })),
  classes: z.array(z.object({ id: z.int(), name: z.string() })),
  seconds: z.number(),
});
export type AgreementResult = z.infer<typeof AgreementResult>;

/** The result of a `consensus:merge` job. */
export const MergeResult = z.object({
  /** Images two or more people marked done. */
  shared: z.int(),
  /** Of those, the ones merged by this job. */
  merged: z.int(),
  /** Left alone: the consensus author already had boxes or a done mark there (a lead's resolution or an earlier merge). */
  alreadyResolved: z.int(),
  /** Consensus boxes written. */
  boxes: z.int(),
  iou: z.number(),
  /** The quorum given, or null when each image used the default (half its people, rounded up). */
  quorum: z.int().nullable(),
  /** The consensus author's name. */
  consensus: z.string(),
  seconds: z.number(),
});
export type MergeResult = z.infer<typeof MergeResult>;
