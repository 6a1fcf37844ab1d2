import { z } from 'zod';
import { DEFAULTS } from './defaults.ts';

/** Shared value schemas used by the contract's requests and replies. */
export const Id = z.int().positive();
const Num = z.number().refine(Number.isFinite, 'must be a finite number');

export const Rect = z.strictObject({ x: Num, y: Num, w: Num, h: Num });
export const BoxState = z.strictObject({ id: Id, classId: Id, x: Num, y: Num, w: Num, h: Num });
/** A box to add; `sourceBoxId` names the prediction it accepts. */
export const NewBox = z.strictObject({ id: Id.optional(), classId: Id, x: Num, y: Num, w: Num, h: Num, sourceBoxId: Id.optional() });
export const BoxDiff = z.strictObject({
  added: z.array(NewBox),
  updated: z.array(z.tuple([BoxState, BoxState])),
  removed: z.array(BoxState),
  /** Predictions the person hides from the review (kept for evaluation), and ones brought back. */
  rejected: z.array(Id).optional(),
  restored: z.array(Id).optional(),
});

export const Box = z.object({
  id: Id,
  imageId: Id,
  annotatorId: Id,
  classId: Id,
  x: z.number(),
  y: z.number(),
  w: z.number(),
  h: z.number(),
  score: z.number().nullable(),
  provenance: z.enum(['drawn', 'accepted', 'edited', 'imported', 'predicted']),
  modelRunId: Id.nullable(),
  sourceBoxId: Id.nullable(),
});

/** A box as the review sees it: whether the current person rejected it (predictions only). */
export const ReviewBox = Box.extend({ rejected: z.boolean() });

export const ClassDef = z.object({
  id: Id,
  name: z.string(),
  color: z.string(),
  hotkey: z.string().nullable(),
  position: z.int(),
});

export const ClassName = z.string().trim().min(1, 'class name is empty').max(100);
export const Color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'colour must look like #rrggbb');
/** Keys the canvas uses for tools and navigation, so classes cannot take them. */
export const RESERVED_KEYS: Readonly<Record<string, string>> = {
  a: 'previous image',
  b: 'box tool',
  d: 'next image',
  f: 'fit to window',
  h: 'show and hide predictions',
  l: 'show and hide labels',
  n: 'next unreviewed image',
  p: 'pre-label',
  r: 'reject prediction',
  s: 'zoom to selection',
  v: 'select tool',
  z: '1:1 zoom',
};
export const Hotkey = z
  .string()
  .regex(/^[0-9a-z]$/, 'hotkey must be one key: 0–9 or a–z')
  .superRefine((k, ctx) => {
    if (k in RESERVED_KEYS) ctx.addIssue({ code: 'custom', message: `hotkey ${k} is taken by the ${RESERVED_KEYS[k]}` });
  });

/** Where a person is with an image. */
export const ReviewStatus = z.enum(['todo', 'in_progress', 'done', 'skipped']);

/** The review queue's order: file order, the model's least sure images first, flag priority, or the worst agreement between people first. */
export const QueueOrder = z.enum(['file', 'score', 'priority', 'agreement']);

/** The review queue's filters; every one given must hold. */
export const QueueFilter = z.strictObject({
  status: z.array(ReviewStatus).min(1).max(4).optional(),
  flag: z.string().min(1).max(200).optional(),
  classId: Id.optional(),
  score: z
    .strictObject({ min: z.number().min(0).max(1), max: z.number().min(0).max(1) })
    .refine((r) => r.min <= r.max, 'score.min must not exceed score.max')
    .optional(),
  annotatorId: Id.optional(),
  where: z.strictObject({ key: z.string().min(1).max(200), value: z.string().max(1000) }).optional(),
  /** Only images at least this many people marked done (a lead's disagreement queue: 2). */
  minDone: z.int().min(1).max(1000).optional(),
});

/** A queue position and its filters, as the queue methods take them. */
export const QueueQuery = { order: QueueOrder.default('file'), filter: QueueFilter.default({}) };

export const ImageItem = z.object({
  id: Id,
  path: z.string(),
  width: z.int(),
  height: z.int(),
  format: z.string().nullable(),
  boxCount: z.int(),
  /** The image's scalar metadata values (camera, shift, …), in key order: what the list shows under its name. */
  tags: z.array(z.string()),
  /** The current person's status on it. */
  status: ReviewStatus,
  /** Why it was flagged for review (distinct reasons). */
  flags: z.array(z.string()),
});

export const EditResult = z.object({
  diff: BoxDiff,
  boxes: z.array(ReviewBox),
  /** Whose boxes the person edits on the image now: their own, or for the lead on a resolved image its final labels. */
  annotatorId: Id,
  undo: z.int(),
  redo: z.int(),
});

export const JobInfo = z.object({
  id: z.string(),
  kind: z.string(),
  label: z.string(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  done: z.number(),
  total: z.number(),
  message: z.string(),
  etaSeconds: z.number().nullable(),
  startedAt: z.string(),
  error: z.string().nullable(),
  result: z.unknown(),
});

export const Failure = z.object({ path: z.string(), root: z.string(), reason: z.string() });

export const ProjectInfo = z.object({
  file: z.string(),
  name: z.string(),
  annotator: z.object({ id: Id, name: z.string() }),
  imageCount: z.int(),
  failedCount: z.int(),
  classes: z.array(ClassDef.extend({ boxCount: z.int() })),
  boxCount: z.int(),
  roots: z.array(z.string()),
  /** The current person's role: an annotator sees their own work on assigned images; the lead sees everyone's and assigns. */
  role: z.enum(['annotator', 'lead']),
  /** Who last identified on this project on this machine, to preselect on opening. */
  lastIdentity: z.object({ name: z.string(), role: z.enum(['annotator', 'lead']) }).nullable().optional(),
});

/** A person, a model's author or the consensus, with how many images they marked done and how many boxes they have. */
export const AnnotatorView = z.object({
  id: Id,
  name: z.string(),
  kind: z.enum(['human', 'model', 'consensus']),
  imagesDone: z.int().min(0),
  boxes: z.int().min(0),
  /** Images a lead assigned to them. */
  assigned: z.int().min(0),
});

export const ModelView = z.object({
  id: Id,
  name: z.string(),
  file: z.string(),
  sha256: z.string(),
  inputSize: z.object({ w: z.int(), h: z.int() }),
  layout: z.enum(['v8', 'v5', 'e2e']),
  dtype: z.enum(['float32', 'float16']),
  classes: z.array(z.string()),
  classMap: z.array(Id.nullable()),
  latency: z.object({ p50Ms: z.number(), p95Ms: z.number(), runs: z.int() }).nullable(),
  addedAt: z.string(),
});

/** Detection parameters a run is keyed by. */
export const RunParamsReq = {
  conf: z.number().min(0).max(1).default(DEFAULTS.conf),
  iou: z.number().min(0).max(1).default(DEFAULTS.iou),
  maxDet: z.int().min(1).max(10_000).default(DEFAULTS.maxDet),
  force: z.boolean().default(false),
};

export const RunView = z.object({
  id: Id,
  modelId: Id.nullable(),
  name: z.string(),
  parameters: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  done: z.int(),
  failed: z.int(),
  boxes: z.int(),
});

export const PrelabelSummary = z.object({
  runId: Id,
  model: z.string(),
  requested: z.int(),
  skipped: z.int(),
  done: z.int(),
  failed: z.array(z.object({ imageId: Id, path: z.string(), reason: z.string() })),
  boxes: z.int(),
  unmappedDropped: z.int(),
  seconds: z.number(),
  cancelled: z.boolean(),
});

/** Which labels an export takes: the final ones, one person's, or one model's predictions. */
export const ExportLabels = z.union([
  z.literal('final'),
  z.strictObject({ annotator: z.string().trim().min(1) }),
  z.strictObject({ model: z.string().trim().min(1) }),
]);

/** What `export:start` takes. */
export const ExportRequest = z.strictObject({
  format: z.enum(['yolo', 'coco']),
  out: z.string().min(1),
  labels: ExportLabels.default('final'),
  split: z.array(z.number().gt(0).lt(1)).min(2).max(3).optional(),
  seed: z.int().min(0).max(2 ** 32 - 1).default(0),
  images: z.enum(['copy', 'link', 'symlink', 'none']).default('copy'),
  filter: z
    .strictObject({ flag: z.string().min(1).optional(), where: z.strictObject({ key: z.string().min(1), value: z.string() }).optional() })
    .optional(),
  force: z.boolean().default(false),
});

const SliceStats = {
  images: z.int(),
  gt: z.int(),
  dt: z.int(),
  ap: z.number(),
  ap50: z.number(),
  found: z.int(),
  missed: z.int(),
  falseAlarms: z.int(),
};

/** pycocotools' 12 numbers in its order (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl); -1 where nothing could be measured. */
export const CocoStats = z.array(z.number()).length(12);
/** AP (0.50:0.95) and AP50 of one class, with its reference boxes and detections; -1 when the class has no reference box. */
export const ClassAp = z.object({ categoryId: Id, ap: z.number(), ap50: z.number(), gt: z.int(), dt: z.int() });

/**
 * What a slice is cut by: an image metadata key (`key` is the key), a flag reason (`key` 'flag', `value` the reason or
 * 'unflagged'), a drift bucket of the `drift` flag's score (`key` 'drift', `value` low / mid / high tercile, or 'no drift flag'),
 * or the week the image was captured (`key` 'week', `value` an ISO week such as 2026-W49, or 'unknown').
 */
export const SliceKind = z.enum(['metadata', 'flag', 'drift', 'time']);

/** One slice of the evaluated images (e.g. shift = night) and how the run does on it. */
export const EvaluationSlice = z.object({
  kind: SliceKind.optional(),
  key: z.string(),
  value: z.string(),
  ...SliceStats,
  stats: CocoStats.optional(),
  perClass: z.array(ClassAp).optional(),
  /** A drift bucket's lowest and highest flag score. */
  scoreRange: z.tuple([z.number(), z.number()]).optional(),
});

/** Precision at pycocotools' 101 recall points (IoU 0.50 and 0.50:0.95 averaged, area all, 100 detections) of one class; -1 where there is no reference box. */
export const PrCurve = z.object({
  categoryId: Id,
  recall: z.array(z.number()),
  precision50: z.array(z.number()),
  precision: z.array(z.number()).optional(),
});

/**
 * Confusion of classes at IoU 0.5 with a background row and column: `matrix[i][j]` counts reference boxes of
 * `classIds[i]` matched by a detection of `classIds[j]`; index `classIds.length` is background (the last row:
 * detections that matched nothing; the last column: reference boxes nothing found).
 */
export const ConfusionWithBackground = z.object({ classIds: z.array(Id), matrix: z.array(z.array(z.int())), iou: z.number().optional() });

/** A model's inference time on this machine (onnxruntime session.run, p50/p95 ms), or null when not measured (an imported run). */
export const RunLatency = z.object({ p50Ms: z.number(), p95Ms: z.number(), runs: z.int(), measuredAt: z.string().optional() }).nullable();

const EvaluationReportBase = z.object({
  run: z.object({ id: Id, name: z.string() }),
  /** The reference annotator; id null for the final labels. */
  reference: z.object({ id: Id.nullable(), name: z.string() }),
  reviewed: z.int(),
  notRun: z.int(),
  overall: z.object({
    ...SliceStats,
    stats: CocoStats,
    perClass: z.array(ClassAp),
    confusion: ConfusionWithBackground.optional(),
    prCurves: z.array(PrCurve).optional(),
  }),
  /** Slices by metadata, flag, drift bucket and week; within each kind and key, the worst AP50 first (a slice without reference boxes last). */
  slices: z.array(EvaluationSlice),
  keysSkipped: z.array(z.object({ key: z.string(), values: z.int() })),
  /** The run's model latency on this machine; null when not measured. */
  latency: RunLatency.optional(),
  /** The slice with the lowest AP50 (with reference boxes), to set beside the latency. */
  worstSlice: z.object({ kind: SliceKind.optional(), key: z.string(), value: z.string(), ap: z.number(), ap50: z.number() }).nullable().optional(),
});

/** A difference B − A of two numbers; null where either is -1 (not measurable). */
const Diff = z.number().nullable();
const SliceDiff = {
  images: z.int(),
  gt: z.int(),
  dt: z.int(),
  ap: Diff,
  ap50: Diff,
  found: z.int(),
  missed: z.int(),
  falseAlarms: z.int(),
  stats: z.array(Diff).length(12).optional(),
};

/** The result of an `evaluation:start` job: a model run against a reference annotator, overall and per slice; with `compareRunId`, the other run's report on the same images and the differences. */
export const EvaluationReport = EvaluationReportBase.extend({
  compare: z
    .object({
      /** The other run (B) evaluated on the same images. */
      other: EvaluationReportBase,
      /** B − A: overall, per class (by categoryId), and per slice matched by kind, key and value (slices on one side only are left out). */
      diff: z.object({
        overall: z.object(SliceDiff),
        perClass: z.array(z.object({ categoryId: Id, ap: Diff, ap50: Diff })),
        slices: z.array(z.object({ kind: SliceKind.optional(), key: z.string(), value: z.string(), ...SliceDiff })),
        /** Latency p50 B − A in ms; null when either is not measured. */
        latencyP50Ms: Diff,
      }),
    })
    .optional(),
});

/** A per-person setting's name, e.g. review.threshold. */
export const SettingKey = z.string().regex(/^[a-z0-9._-]{1,100}$/, 'a setting key is 1–100 of a–z, 0–9, dot, dash and underscore');

/** The person a work package is for: a human annotator's name as stored. */
export const PackageAnnotator = z.string().trim().min(1, 'annotator name is empty').max(100);

/** A person's role: an annotator labels blind on assigned images; the QA lead sees everyone's work and assigns. */
export const Role = z.enum(['annotator', 'lead']);
/** A person's name as they type it: trimmed, 1–64 characters. */
export const PersonName = z.string().trim().min(1, 'a name is empty').max(64, 'a name is at most 64 characters');
/** Who is working: the person every box, edit and done mark is recorded as, and their role. */
export const Identity = z.object({ annotator: z.object({ id: Id, name: z.string() }), role: Role });

/** What `assign:run` takes: images to `overlap` of the people each (with `fraction`, that share of them; the rest to one). */
export const AssignRequest = z.strictObject({
  annotators: z.array(PersonName).min(1, 'name at least one annotator').max(1000),
  overlap: z.int().min(1, 'overlap must be at least 1'),
  fraction: z.number().gt(0, 'fraction must be above 0').max(1, 'fraction must be at most 1').optional(),
  where: z.array(z.strictObject({ key: z.string().min(1).max(200), value: z.string().max(1000) })).max(50).optional(),
  flag: z.string().min(1).max(200).optional(),
  runId: Id.optional(),
  seed: z.int().min(0).max(2 ** 32 - 1).optional(),
});

/** What an assignment did, person by person: images assigned to them from this run's images, of those new, and kept from before. */
export const AssignSummary = z.object({
  images: z.int(),
  seed: z.int(),
  perPerson: z.array(z.object({ name: z.string(), assigned: z.int(), added: z.int(), kept: z.int() })),
});

/** An IoU threshold for agreement: a number in (0, 1]. */
export const AgreementIoU = z.number().gt(0, 'the IoU threshold must be above 0').max(1, 'the IoU threshold must be at most 1');
/** A consensus quorum: how many people must agree on a box, at least 1. */
export const Quorum = z.int('the quorum must be a whole number').min(1, 'the quorum must be at least 1');

const AgreementCounts = z.object({ matchedSame: z.int(), matchedOther: z.int(), onlyA: z.int(), onlyB: z.int(), iouSum: z.number() });

/** One image's disagreements: each person's boxes, the pairs, marks on boxes and the automatic consensus. */
export const AgreementImage = z.object({
  imageId: Id,
  iou: z.number(),
  quorum: z.int(),
  people: z.array(z.object({ annotatorId: Id, name: z.string(), boxes: z.array(Box) })),
  /** Mean F1 over the pairs; null with fewer than two people done. */
  agreement: z.number().nullable(),
  pairs: z.array(z.object({ a: Id, b: Id, aName: z.string(), bName: z.string(), counts: AgreementCounts, f1: z.number(), meanIoU: z.number().nullable() })),
  /** missing: no match on some other person's side; class_conflict: matched to another class; low_iou: matched under IoU 0.8. */
  marks: z.array(z.object({ boxId: Id, kind: z.enum(['missing', 'class_conflict', 'low_iou']) })),
  consensus: z.array(
    z.object({
      box: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number(), classId: Id }),
      votes: z.int(),
      members: z.array(z.object({ annotatorId: Id, boxId: Id })),
    }),
  ),
  /** Who resolved the image (the consensus author has boxes or a done mark on it). */
  resolved: z.boolean(),
});

/** What a lead takes as an image's final labels: one person's boxes, or the automatic consensus. */
export const ConsensusTake = z.union([
  z.strictObject({ annotator: z.string().trim().min(1, 'annotator name is empty').max(100) }),
  z.strictObject({ consensus: z.strictObject({ quorum: Quorum.optional(), iou: AgreementIoU.optional() }) }),
]);
