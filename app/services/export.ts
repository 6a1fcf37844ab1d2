import type { ExportSummary as ContractExportSummary } from '../contract/jobResults.ts';
import fs from 'node:fs';
import path from 'node:path';
import { LoupeError } from '../domain/errors.ts';
import { ExportBoxes } from '../io/exportBoxes.ts';
import { writeCoco } from '../io/exportCoco.ts';
import { clampBox, datasetNames, type Dataset, type DatasetBox, type DatasetImage } from '../io/exportDataset.ts';
import { AtomicDir, ioError, placeImage, type ImagesMode, type Leftovers } from '../io/exportFiles.ts';
import { checkSplit, SPLIT_NAMES, stratifiedSplitIndexed, type SplitName } from '../io/exportSplit.ts';
import { writeYolo } from '../io/exportYolo.ts';
import type { ParsedReq } from '../contract/methods.ts';
import type { JobContext, JobInfo } from '../jobs/JobRunner.ts';
import { metadataEquals } from '../store/metadataFilter.ts';
import type { Project } from '../store/Project.ts';
import type { Session } from './Session.ts';
import { SKIP_WORDING, type LabelChoice } from '../domain/labelChoice.ts';
import { planLabels } from '../store/finalLabels.ts';

/** Dataset formats Loupe writes. */
export const EXPORT_FORMATS = ['yolo', 'coco'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Which images to export: those flagged for a reason, and/or with a metadata key of a value. */
export interface ExportFilter {
  flag?: string;
  where?: { key: string; value: string };
}

/** What to export and where. */
export interface ExportOptions {
  format: ExportFormat;
  out: string;
  labels?: LabelChoice;
  split?: number[];
  seed?: number;
  images?: ImagesMode;
  filter?: ExportFilter;
  force?: boolean;
  /** Test hook: runs before each file or chunk is written; throwing there simulates a full disk. */
  beforeWrite?: () => void;
}

/** Counts of one split. */
export interface SplitSummary {
  images: number;
  boxes: number;
  emptyImages: number;
  /** Boxes per class, in the classes' order (a list, so that any class name, `__proto__` included, is a name like any other). */
  boxesByClass: { name: string; boxes: number }[];
}

/** Everything an export did, and everything it left out and why. */
export interface ExportSummary {
  format: ExportFormat;
  out: string;
  labels: string;
  imagesMode: ImagesMode;
  seed: number;
  split: Partial<Record<SplitName, number>>;
  filter: ExportFilter | null;
  classes: string[];
  selected: number;
  images: number;
  boxes: number;
  emptyImages: number;
  splits: Partial<Record<SplitName, SplitSummary>>;
  skipped: { reason: string; why: string; count: number; examples: string[] }[];
  skippedCount: number;
  boxesClamped: number;
  boxesOutsideDropped: number;
  linkFallbacks: number;
  /** Leftovers of killed exports to the same folder, tidied before this one. */
  leftovers: Leftovers;
  seconds: number;
}

const EXAMPLES = 5;
/** Images written between progress reports and cancel checks. */
const BOX_BATCH = 1000;

interface Candidate {
  id: number;
  rootId: number;
  path: string;
  width: number | null;
  height: number | null;
  ingestError: string | null;
}

/** A checked export, ready to run: nothing has been written yet. */
export interface ExportPlan {
  opts: Required<Omit<ExportOptions, 'beforeWrite' | 'filter'>> & Pick<ExportOptions, 'beforeWrite' | 'filter'>;
  out: string;
  /** What was tidied from killed exports to `out` while checking (a previous dataset put back comes before the exists check). */
  leftovers: Leftovers;
}

/** Check options up front, so a bad request fails before a job starts. */
export function prepareExport(project: Project, o: ExportOptions): ExportPlan {
  if (!(EXPORT_FORMATS as readonly string[]).includes(o.format)) {
    throw new LoupeError('bad_request', `Unknown export format "${o.format}" (use yolo or coco).`);
  }
  const split = o.split ?? [0.8, 0.2];
  checkSplit(split);
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new LoupeError('bad_request', `seed must be a whole number, got ${seed}`);
  const labels = o.labels ?? 'final';
  const out = path.resolve(o.out);
  const leftovers = AtomicDir.recover(out);
  AtomicDir.check(out, o.force ?? false);
  // With force the old folder is deleted: never one holding the project or its images.
  for (const keep of [project.file, ...project.images.roots().map((r) => project.rootPath(r.path))]) {
    if (isInside(keep, out)) throw new LoupeError('bad_request', `${out} holds ${keep}; export to another folder.`);
  }
  planLabels(project.db, [], labels); // an unknown annotator or model fails here
  if (o.filter?.where && !o.filter.where.key) throw new LoupeError('bad_request', 'A metadata filter needs a key (key=value).');
  return { out, leftovers, opts: { ...o, out, split, seed, labels, images: o.images ?? 'copy', force: o.force ?? false } };
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

function selectImages(project: Project, filter: ExportFilter | undefined): Candidate[] {
  const where: string[] = [];
  const params: string[] = [];
  if (filter?.flag !== undefined) {
    where.push('EXISTS (SELECT 1 FROM flags f WHERE f.image_id = i.id AND f.reason = ?)');
    params.push(filter.flag);
  }
  if (filter?.where) {
    where.push(metadataEquals('i'));
    params.push(filter.where.key, filter.where.value);
  }
  const sql = `SELECT i.id, i.root_id AS rootId, i.path, i.width, i.height, i.ingest_error AS ingestError FROM images i
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.id`;
  return project.db.prepare<string[], Candidate>(sql).all(...params);
}

/** Run a checked export; written beside `out` and renamed into place only when complete. */
export async function runExport(project: Project, plan: ExportPlan, ctx?: JobContext): Promise<ExportSummary> {
  const started = Date.now();
  const o = plan.opts;
  const db = project.db;
  const skippedBy = new Map<string, { why: string; count: number; examples: string[] }>();
  const skip = (reason: string, why: string, c: Candidate) => {
    let e = skippedBy.get(reason);
    if (!e) skippedBy.set(reason, (e = { why, count: 0, examples: [] }));
    e.count++;
    if (e.examples.length < EXAMPLES) e.examples.push(c.path);
  };

  // The candidates and label plan are dropped once chosen: what lives through
  // the export sets how far V8 lets the heap grow between full collections.
  const chosen = chooseImages(project, o, skip);
  const { selected, label } = chosen;
  const keptIds = chosen.kept.map((c) => c.id);
  const keptCount = keptIds.length;
  const classes = project.classes.list().map((c, index) => ({ index, id: c.id, name: c.name }));
  const pause = async () => {
    await new Promise((r) => setImmediate(r));
    ctx?.checkCancelled();
  };
  const boxes = new ExportBoxes(db, keptIds, chosen.annotatorOf, chosen.runOf, pause);
  const splitNames = SPLIT_NAMES.slice(0, o.split.length) as SplitName[];
  const labelled = await boxes.classes();
  const assigned = stratifiedSplitIndexed(keptIds, labelled.image, labelled.cls, labelled.count, o.split, o.seed);

  const total = keptCount * (o.images === 'none' ? 1 : 2);
  let done = 0;
  let lastYield = 0;
  const step = async (n: number) => {
    done += n;
    ctx?.progress(done, total, done <= total - keptCount ? 'images' : 'labels');
    if (done - lastYield >= 256) {
      lastYield = done;
      await new Promise((r) => setImmediate(r));
      ctx?.checkCancelled();
    }
  };

  const dir = AtomicDir.create(plan.out, o.force);
  try {
    ctx?.progress(0, total, 'images');
    const placed = await placeImages(project, chosen.kept, assigned, { ...o, tmp: dir.tmp, splitNames, skip, step });
    chosen.kept = [];
    const { images, linkFallbacks } = placed;

    const stats = new Map<SplitName, SplitSummary>(splitNames.map((s) => [s, { images: 0, boxes: 0, emptyImages: 0, boxesByClass: classes.map((c) => ({ name: c.name, boxes: 0 })) }]));
    const classSlot = new Map(classes.map((c, i) => [c.id, i]));
    let clamped = 0;
    let dropped = 0;
    const ds: Dataset = {
      out: plan.out,
      dir: dir.tmp,
      splits: splitNames,
      classes,
      images,
      beforeChunk: o.beforeWrite,
      async eachWithBoxes(list, fn, afterBatch) {
        for (let i = 0; i < list.length; i += BOX_BATCH) {
          const batch = list.slice(i, i + BOX_BATCH);
          for (const img of batch) {
            const out: DatasetBox[] = [];
            for (const b of await boxes.boxesOf(boxes.index(img.id))) {
              const c = clampBox(b, img.width, img.height);
              if (!c) dropped++;
              else {
                if (c !== b) clamped++;
                out.push(c);
              }
            }
            const st = stats.get(img.split)!;
            st.images++;
            st.boxes += out.length;
            if (!out.length) st.emptyImages++;
            for (const b of out) st.boxesByClass[classSlot.get(b.classId)!].boxes++;
            fn(img, out);
          }
          await afterBatch?.();
          await step(batch.length);
        }
      },
    };
    if (o.format === 'yolo') await writeYolo(ds);
    else await writeCoco(ds);
    ctx?.checkCancelled();
    dir.commit();

    const splits = Object.fromEntries(stats) as Partial<Record<SplitName, SplitSummary>>;
    const all = [...stats.values()];
    const skipped = [...skippedBy.entries()].map(([reason, e]) => ({ reason, why: e.why, count: e.count, examples: e.examples }));
    return {
      format: o.format,
      out: plan.out,
      labels: label,
      imagesMode: o.images,
      seed: o.seed,
      split: Object.fromEntries(splitNames.map((s, i) => [s, o.split[i]])),
      filter: o.filter ?? null,
      classes: classes.map((c) => c.name),
      selected,
      images: all.reduce((a, s) => a + s.images, 0),
      boxes: all.reduce((a, s) => a + s.boxes, 0),
      emptyImages: all.reduce((a, s) => a + s.emptyImages, 0),
      splits,
      skipped,
      skippedCount: skipped.reduce((a, s) => a + s.count, 0),
      boxesClamped: clamped,
      boxesOutsideDropped: dropped,
      linkFallbacks,
      leftovers: {
        removed: plan.leftovers.removed + dir.leftovers.removed,
        bytes: plan.leftovers.bytes + dir.leftovers.bytes,
        restored: plan.leftovers.restored || dir.leftovers.restored,
      },
      seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    dir.discard();
    if (err instanceof LoupeError) throw err;
    throw ioError(err, `Export to ${plan.out} failed, nothing was written there`);
  }
}

type Skip = (reason: string, why: string, c: Candidate) => void;

/** The images that export (in id order), with whose boxes each takes; the rest are skipped with their reason. */
function chooseImages(project: Project, o: ExportPlan['opts'], skip: Skip) {
  const candidates = selectImages(project, o.filter);
  const sized: Candidate[] = [];
  for (const c of candidates) {
    if (c.ingestError || !c.width || !c.height) skip('unreadable', 'the image could not be read when imported (no size)', c);
    else sized.push(c);
  }
  const labels = planLabels(project.db, sized.map((c) => c.id), o.labels);
  const kept: Candidate[] = [];
  for (const c of sized) {
    const reason = labels.skipped.get(c.id);
    if (reason) skip(reason, SKIP_WORDING[reason], c);
    else kept.push(c);
  }
  const annotatorOf = new Int32Array(kept.length);
  const runOf = new Int32Array(kept.length);
  kept.forEach((c, i) => {
    const s = labels.sources.get(c.id)!;
    annotatorOf[i] = s.annotatorId;
    runOf[i] = s.runId ?? 0;
  });
  return { selected: candidates.length, label: labels.label, kept, annotatorOf, runOf };
}

interface PlaceOptions {
  images: ImagesMode;
  beforeWrite?: () => void;
  tmp: string;
  splitNames: SplitName[];
  skip: Skip;
  step: (n: number) => Promise<void>;
}

/** Put the image files in place (in name order) and list each split's images; a vanished file is skipped. */
async function placeImages(project: Project, kept: readonly Candidate[], assigned: Uint8Array, o: PlaceOptions) {
  const names = datasetNames(kept);
  const roots = new Map(project.images.roots().map((r) => [r.id, project.rootPath(r.path)]));
  const images = new Map<SplitName, DatasetImage[]>(o.splitNames.map((s) => [s, []]));
  let linkFallbacks = 0;
  for (const s of o.splitNames) fs.mkdirSync(path.join(o.tmp, 'images', s), { recursive: true });
  const ordered = kept.map((c, i) => i).sort((a, b) => (names.get(kept[a].id)! < names.get(kept[b].id)! ? -1 : 1));
  for (const i of ordered) {
    const c = kept[i];
    const split = o.splitNames[assigned[i]];
    const name = names.get(c.id)!;
    const img: DatasetImage = { id: c.id, name, width: c.width!, height: c.height!, split };
    if (o.images !== 'none') {
      const root = roots.get(c.rootId)!;
      const src = path.join(root, c.path);
      if (!isInside(src, root) || c.path.includes('\0')) {
        o.skip('unsafe_path', 'its stored path leads outside its image folder or holds a NUL', c);
        await o.step(1);
        continue;
      }
      const dest = path.join(o.tmp, 'images', split, ...name.split('/'));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      o.beforeWrite?.();
      try {
        if (placeImage(src, dest, o.images).fellBack) linkFallbacks++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        o.skip('image_missing', 'the image file is no longer on disk', c);
        await o.step(1);
        continue;
      }
      await o.step(1);
    }
    images.get(split)!.push(img);
  }
  return { images, linkFallbacks };
}

/** Start an export job on the session's project; options are checked before the job starts. */
export function startExport(s: Session, req: ParsedReq<'export:start'>): JobInfo {
  const project = s.project;
  const plan = prepareExport(project, { ...req, labels: req.labels as LabelChoice });
  return s.jobs.start('export', `Export ${req.format.toUpperCase()} to ${plan.out}`, (ctx) => runExport(project, plan, ctx));
}

// The summary is the contract's job result: a change to one that the other does not follow fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const SUMMARY_MATCHES_CONTRACT: Same<ExportSummary, ContractExportSummary> = true;
