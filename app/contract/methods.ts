import { z } from 'zod';
import * as S from './schemas.ts';
import * as M from './monitoring.ts';
import { FLAG_METHODS } from './flagSchemas.ts';

const Empty = z.strictObject({});
const Page = { offset: z.int().min(0).default(0), limit: z.int().min(1).max(1000).default(200) };

/**
 * The whole API: every method every host serves, with the schema of its request
 * and of its reply. Hosts validate both; the renderer's types derive from here.
 */
export const METHODS = {
  'app:info': {
    request: Empty,
    reply: z.object({ version: z.string(), host: z.string(), project: S.ProjectInfo.nullable() }),
  },
  'project:create': {
    request: z.strictObject({ file: z.string().min(1), imagesDir: z.string().min(1).optional(), metadataFile: z.string().min(1).optional() }),
    reply: z.object({ project: S.ProjectInfo, job: S.JobInfo.nullable() }),
  },
  'project:open': { request: z.strictObject({ file: z.string().min(1) }), reply: S.ProjectInfo },
  'project:info': { request: Empty, reply: S.ProjectInfo },
  'project:close': { request: Empty, reply: z.object({ closed: z.boolean() }) },
  /** Become this person (a human annotator, created if new) in this role; remembered as the project's lastIdentity. */
  'session:identify': { request: z.strictObject({ name: S.PersonName, role: S.Role.optional() }), reply: S.Identity },
  /** Who work is recorded as now, and their role. */
  'session:whoami': { request: Empty, reply: S.Identity },
  /** Assign images to people with overlap, seeded and balanced; keeps work already started or done. Lead only. */
  'assign:run': { request: S.AssignRequest, reply: S.AssignSummary },
  'images:import': {
    request: z.strictObject({ dir: z.string().min(1), pixelLimit: z.int().positive().optional(), metadataFile: z.string().min(1).optional() }),
    reply: S.JobInfo,
  },
  /** A page of the review queue in its order, filtered; `where` alone is the older spelling of filter.where. */
  'images:list': {
    request: z.strictObject({ ...Page, ...S.QueueQuery, where: z.strictObject({ key: z.string().min(1).max(200), value: z.string().max(1000) }).optional() }),
    reply: z.object({ total: z.int(), offset: z.int(), items: z.array(S.ImageItem) }),
  },
  /** The next (or previous) image of the queue after position `from` (-1: before the first); with `unreviewed`, the next one still to do or in progress, wrapping round once. */
  'images:next': {
    request: z.strictObject({ from: z.int().min(-1), direction: z.union([z.literal(1), z.literal(-1)]).default(1), unreviewed: z.boolean().default(false), ...S.QueueQuery }),
    reply: z.object({ item: S.ImageItem.nullable(), index: z.int().nullable(), total: z.int() }),
  },
  /** Where an image stands in the queue (null when the filters leave it out). */
  'images:locate': {
    request: z.strictObject({ imageId: S.Id, ...S.QueueQuery }),
    reply: z.object({ index: z.int().nullable(), total: z.int() }),
  },
  /** The current person's status on an image: done and skipped are decisions; the first edit sets in progress by itself. */
  'review:set': {
    request: z.strictObject({ imageId: S.Id, status: S.ReviewStatus }),
    reply: z.object({ imageId: S.Id, status: S.ReviewStatus }),
  },
  /** One of the current person's settings in this project (null when never set). */
  'settings:get': { request: z.strictObject({ key: S.SettingKey }), reply: z.object({ value: z.json().nullable() }) },
  'settings:set': {
    request: z.strictObject({ key: S.SettingKey, value: z.json().refine((v) => JSON.stringify(v).length <= 65_536, 'a setting is at most 64 KB of JSON') }),
    reply: z.object({ saved: z.boolean() }),
  },
  'images:get': { request: z.strictObject({ id: S.Id }), reply: S.ImageItem },
  'images:failures': {
    request: z.strictObject(Page),
    reply: z.object({ total: z.int(), items: z.array(S.Failure) }),
  },
  'classes:list': { request: Empty, reply: z.array(S.ClassDef) },
  'classes:create': {
    request: z.strictObject({ name: S.ClassName, color: S.Color.optional(), hotkey: S.Hotkey.nullable().optional() }),
    reply: S.ClassDef,
  },
  'classes:update': {
    request: z.strictObject({
      id: S.Id,
      name: S.ClassName.optional(),
      color: S.Color.optional(),
      hotkey: S.Hotkey.nullable().optional(),
      position: z.int().min(0).optional(),
    }),
    reply: S.ClassDef,
  },
  'classes:delete': { request: z.strictObject({ id: S.Id }), reply: z.object({ deleted: z.boolean() }) },
  'annotators:list': { request: Empty, reply: z.array(S.AnnotatorView) },
  'boxes:list': {
    request: z.strictObject({ imageId: S.Id }),
    reply: z.object({ boxes: z.array(S.ReviewBox), annotatorId: S.Id, undo: z.int(), redo: z.int() }),
  },
  'boxes:apply': { request: z.strictObject({ imageId: S.Id, diff: S.BoxDiff }), reply: S.EditResult },
  'edits:undo': { request: z.strictObject({ imageId: S.Id }), reply: S.EditResult },
  'edits:redo': { request: z.strictObject({ imageId: S.Id }), reply: S.EditResult },
  'models:add': {
    request: z.strictObject({
      file: z.string().min(1),
      classesFile: z.string().min(1).optional(),
      name: z.string().trim().min(1).max(100).optional(),
      createClasses: z.boolean().default(false),
    }),
    reply: S.ModelView,
  },
  'models:list': { request: Empty, reply: z.array(S.ModelView) },
  'models:map': { request: z.strictObject({ id: S.Id, classMap: z.array(S.Id.nullable()) }), reply: S.ModelView },
  /** Measure a model's session.run latency on this machine (stored with the model, reported beside its runs' AP); the job's result is {p50Ms, p95Ms, runs, modelId, measuredAt}. */
  'models:latency': { request: z.strictObject({ id: S.Id, runs: z.int().min(1).max(1000).default(20), warmup: z.int().min(0).max(100).default(3) }), reply: S.JobInfo },
  'prelabel:image': {
    request: z.strictObject({ imageId: S.Id, modelId: S.Id.optional(), ...S.RunParamsReq }),
    reply: z.object({ summary: S.PrelabelSummary, boxes: z.array(S.ReviewBox) }),
  },
  'prelabel:start': {
    request: z.strictObject({ modelId: S.Id.optional(), imageIds: z.array(S.Id).max(1_000_000).optional(), ...S.RunParamsReq }),
    reply: S.JobInfo,
  },
  'runs:list': { request: Empty, reply: z.array(S.RunView) },
  'labels:import': {
    request: z.strictObject({
      path: z.string().min(1),
      format: z.enum(['yolo', 'coco']),
      annotator: z.string().trim().min(1).max(100),
      createClasses: z.boolean().default(false),
      dryRun: z.boolean().default(false),
    }),
    reply: S.JobInfo,
  },
  'predictions:import': {
    request: z.strictObject({
      path: z.string().min(1),
      format: z.enum(['coco-results', 'ultralytics-txt']),
      model: z.string().trim().min(1).max(100),
      imagesJson: z.string().min(1).optional(),
      createClasses: z.boolean().default(false),
      dryRun: z.boolean().default(false),
    }),
    reply: S.JobInfo,
  },
  'export:start': { request: S.ExportRequest, reply: S.JobInfo },
  /** Evaluate a model run against a reference annotator (without one, the final labels), overall and per metadata slice; the job's result is an EvaluationReport. */
  'evaluation:start': { request: z.strictObject({ runId: S.Id, referenceId: S.Id.optional(), sameImagesAs: S.Id.optional(), compareRunId: S.Id.optional() }), reply: S.JobInfo },
  /** Write one person's work package (their images, the model's pre-labels, their own work, nobody else's) to `out`; the job's result is a PackageExportSummary. */
  'package:export': { request: z.strictObject({ annotator: S.PackageAnnotator, out: z.string().min(1), withImages: z.boolean().default(false) }), reply: S.JobInfo },
  /** Bring a work package's boxes, edits and marks into this project, attributed to its person; the job's result is a PackageImportSummary. */
  'package:import': { request: z.strictObject({ file: z.string().min(1) }), reply: S.JobInfo },
  /** Create a new project file from a work package, its images found in `imagesDir` (or written there from the package); the job's result is a PackageOpenSummary. */
  'package:open': { request: z.strictObject({ file: z.string().min(1), imagesDir: z.string().min(1), project: z.string().min(1) }), reply: S.JobInfo },
  /** The agreement report between people over every image two or more of them marked done; the job's result is an AgreementResult. */
  'agreement:start': { request: z.strictObject({ iou: S.AgreementIoU.default(0.5), quorum: S.Quorum.optional() }), reply: S.JobInfo },
  /** One image's disagreements between the people who marked it done, and the automatic consensus at the quorum. */
  'agreement:image': { request: z.strictObject({ imageId: S.Id, iou: S.AgreementIoU.default(0.5), quorum: S.Quorum.optional() }), reply: S.AgreementImage },
  /** Resolve an image (lead only): one person's labels or the consensus become its final labels, as one undoable edit. */
  'consensus:resolve': { request: z.strictObject({ imageId: S.Id, take: S.ConsensusTake }), reply: S.EditResult },
  /** Merge every image two or more people marked done and nobody resolved into the consensus (lead only); the job's result is a MergeResult. */
  'consensus:merge': { request: z.strictObject({ iou: S.AgreementIoU.default(0.5), quorum: S.Quorum.optional() }), reply: S.JobInfo },
  ...FLAG_METHODS,
  /** Store a metadata sidecar (CSV or JSON, one row per image: file, captured_at, camera, …) on the project's images; checked whole first, written in one transaction; the job's result is a MetadataImportSummary. */
  'metadata:import': { request: z.strictObject({ path: z.string().min(1), dryRun: z.boolean().default(false) }), reply: S.JobInfo },
  /** The monitoring timeline per day and metadata slice, with the changes the CUSUM rule finds. */
  'timeline:get': { request: M.TimelineRequest, reply: M.Timeline },
  /** Flag the images after each change in its slice with reason `change`, replacing earlier change flags. */
  'timeline:flag': { request: M.TimelineRequest, reply: z.object({ changes: z.int(), flagged: z.int() }) },
  /** The images of a slice captured on a day or later, in capture order (at most 100 000): the images after a change. */
  'timeline:images': { request: M.TimelineImagesRequest, reply: z.object({ ids: z.array(z.int()), truncated: z.boolean() }) },
  'jobs:list': { request: Empty, reply: z.array(S.JobInfo) },
  'jobs:cancel': { request: z.strictObject({ id: z.string().min(1) }), reply: z.object({ cancelled: z.boolean() }) },
} as const;

export type Methods = typeof METHODS;
export type MethodName = keyof Methods;
/** What a caller sends (defaults optional). */
export type Req<M extends MethodName> = z.input<Methods[M]['request']>;
/** What a handler receives (defaults applied). */
export type ParsedReq<M extends MethodName> = z.output<Methods[M]['request']>;
export type Res<M extends MethodName> = z.output<Methods[M]['reply']>;

/** Every reply across a host boundary. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** Events pushed from the core to the UI. */
export type LoupeEvent =
  | { type: 'job'; job: Res<'jobs:list'>[number] }
  | { type: 'project'; project: Res<'project:info'> | null };

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

/** Narrow a string to a contract method name. */
export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(METHODS, name);
}
