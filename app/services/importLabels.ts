import type { ImportLabelsSummary as ContractImportLabelsSummary } from '../contract/jobResults.ts';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { LoupeError } from '../domain/errors.ts';
import { readCoco } from '../io/cocoLabels.ts';
import { readCocoResults } from '../io/cocoPredictions.ts';
import { formatProblem, type BoxTable, type Problem, type ReadLabels } from '../io/importLabels.ts';
import { resolveImages, type ResolvedImage } from '../io/importLabelsImages.ts';
import { readYolo } from '../io/yoloLabels.ts';
import { readUltralyticsTxt } from '../io/yoloPredictions.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import type { Project } from '../store/Project.ts';
import { createClass } from './classes.ts';

/** Import one annotator's labels. */
export interface LabelsRequest {
  path: string;
  format: 'yolo' | 'coco';
  annotator: string;
  createClasses: boolean;
  dryRun: boolean;
}

/** Import a model's predictions as a run. */
export interface PredictionsRequest {
  path: string;
  format: 'coco-results' | 'ultralytics-txt';
  model: string;
  imagesJson?: string;
  createClasses: boolean;
  dryRun: boolean;
}

/** What an import did (or, in a dry run, would do). */
export interface ImportLabelsSummary {
  dryRun: boolean;
  author: string;
  runId: number | null;
  imagesMatched: number;
  imagesAdded: number;
  /** Label files or records whose image is neither in the project nor beside the labels; skipped. */
  missingImages: string[];
  skipped: { file: string; reason: string }[];
  boxes: number;
  /** Boxes reaching past the image edge, stored clamped to it. */
  clamped: number;
  /** Boxes of an earlier import of the same labels on these images, replaced. */
  replaced: number;
  newClasses: string[];
  /** COCO `iscrowd: 1` annotations: crowd regions, not object instances; not imported. */
  crowdSkipped: number;
  /** COCO annotations or results whose segmentation was not kept (Loupe stores boxes). */
  segmentationsDropped: number;
  /** Of the boxes, those taken from a polygon segmentation's extent because bbox was missing. */
  boxesFromSegmentation: number;
  problems: Problem[];
  problemCount: number;
}

/** An import refused for bad input; `result` carries the full summary with every problem. */
export class ImportProblemsError extends LoupeError {
  constructor(readonly result: ImportLabelsSummary) {
    const n = result.problemCount;
    const shown = result.problems.slice(0, 5).map(formatProblem);
    const more = n > shown.length ? `; … and ${n - shown.length} more` : '';
    super('bad_request', `${n} problem${n === 1 ? '' : 's'} in the input, nothing was imported: ${shown.join('; ')}${more}`);
  }
}

type Ctx = Pick<JobContext, 'progress' | 'signal'>;

/**
 * Box k of `t` in original pixels, clamped to the W×H image: 0 when inside,
 * 1 when clamped, -1 when nothing of it is inside. The pixels replace the
 * table's coordinates (x, y, w, h) unless it lies outside.
 */
function toPixels(t: BoxTable, k: number, W: number, H: number): -1 | 0 | 1 {
  const a = t.a(k);
  const b = t.b(k);
  const c = t.c(k);
  const d = t.d(k);
  const norm = t.coords === 'norm';
  const x = norm ? (a - c / 2) * W : a;
  const y = norm ? (b - d / 2) * H : b;
  const w = norm ? c * W : c;
  const h = norm ? d * H : d;
  if (x >= 0 && y >= 0 && x + w <= W && y + h <= H) {
    if (norm) t.setCoords(k, x, y, w, h);
    return 0;
  }
  const x1 = Math.max(0, x);
  const y1 = Math.max(0, y);
  const x2 = Math.min(W, x + w);
  const y2 = Math.min(H, y + h);
  if (x2 <= x1 || y2 <= y1) return -1;
  t.setCoords(k, x1, y1, x2 - x1, y2 - y1);
  // Half-width arithmetic leaves YOLO edges a rounding error past 0 or 1; only a real overshoot counts as clamped.
  return x < -1e-6 * W || y < -1e-6 * H || x + w > W * (1 + 1e-6) || y + h > H * (1 + 1e-6) ? 1 : 0;
}

/** sha256 over the input files in sorted order, naming an imported run; streamed, so a large file is not held whole. */
async function hashFiles(files: string[]): Promise<string> {
  const h = crypto.createHash('sha256');
  for (const f of [...files].sort()) {
    for await (const chunk of fs.createReadStream(f, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

/** Same rule as pre-labelling: a model never shares an author with a person of its name. */
function modelAuthor(project: Project, name: string): { id: number } {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? name : i === 2 ? `${name} (model)` : `${name} (model ${i - 1})`;
    const found = project.annotators.list().find((a) => a.name === candidate);
    if (!found || found.kind === 'model') return project.annotators.ensure(candidate, 'model');
  }
}

interface Target {
  kind: 'labels' | 'predictions';
  name: string;
  createClasses: boolean;
  dryRun: boolean;
}

async function run(project: Project, read: ReadLabels, target: Target, ctx?: Ctx): Promise<ImportLabelsSummary> {
  const problems = read.problems;
  const newClasses: string[] = [];
  read.classes.forEach((name, i) => {
    if (name !== name.trim() || !name || name.length > 100) problems.add({ file: read.files[0], reason: `class ${i} name ${JSON.stringify(name)} must be 1–100 characters without leading or trailing spaces` });
    else if (!project.classes.byName(name)) newClasses.push(name);
  });

  let human: { id: number } | undefined;
  if (target.kind === 'labels') {
    const a = project.annotators.list().find((r) => r.name === target.name);
    if (a && a.kind !== 'human') throw new LoupeError('conflict', `"${target.name}" is the name of a ${a.kind} author, not a person; import the labels under another annotator name.`);
    human = a;
  }
  const hash = target.kind === 'predictions' ? `imported:${read.hash ?? (await hashFiles(read.files))}` : '';
  const priorRun = target.kind === 'predictions' ? project.models.findImportedRun(hash, target.name) : undefined;

  const res = await resolveImages(project, read.images, problems, ctx);
  if (ctx?.signal.aborted) throw new LoupeError('cancelled', 'Import cancelled; nothing was written.');
  const summary: ImportLabelsSummary = {
    dryRun: target.dryRun,
    author: target.name,
    runId: priorRun?.id ?? null,
    imagesMatched: res.images.filter((r) => r.imageId !== null).length,
    imagesAdded: res.images.filter((r) => r.imageId === null).length,
    missingImages: res.missing,
    skipped: res.skipped,
    boxes: 0,
    clamped: 0,
    replaced: 0,
    newClasses,
    ...read.notes,
    problems: [],
    problemCount: 0,
  };

  // Boxes by image, turned into pixels in place and checked against the image.
  const table = read.boxes;
  const { start, order } = table.byImage(read.images.length);
  // What the person (or the re-imported run) already has on a matched image: boxes made in
  // Loupe block the import; earlier imported boxes are replaced, counted here so a dry run says so too.
  const existing = human
    ? project.db.prepare<[number, number], { own: number | null; imported: number | null }>(
        "SELECT sum(provenance != 'imported') AS own, sum(provenance = 'imported') AS imported FROM boxes WHERE image_id = ? AND annotator_id = ?",
      )
    : null;
  const runBoxes = priorRun ? project.db.prepare<[number, number], { n: number }>('SELECT count(*) AS n FROM boxes WHERE model_run_id = ? AND image_id = ?') : null;
  const planned = res.images.filter((r) => {
    const { width: W, height: H, label } = r;
    if (label.size && (label.size.w !== W || label.size.h !== H)) {
      problems.add({ file: label.source, reason: `says the image is ${label.size.w}×${label.size.h}, but ${label.name} is ${W}×${H}` });
      return false;
    }
    if (existing && r.imageId !== null) {
      const { own, imported } = existing.get(r.imageId, human!.id)!;
      if (own) problems.add({ file: label.source, reason: `${target.name} already has ${own} box${own === 1 ? '' : 'es'} made in Loupe on ${label.name}; import under another annotator name` });
      summary.replaced += imported ?? 0;
    }
    if (runBoxes && r.imageId !== null) summary.replaced += runBoxes.get(priorRun!.id, r.imageId)!.n;
    for (let j = start[r.index]; j < start[r.index + 1]; j++) {
      const k = order[j];
      const fit = toPixels(table, k, W, H);
      if (fit < 0) problems.add({ ...table.where(k), reason: `box lies outside the ${W}×${H} image` });
      else {
        summary.boxes++;
        summary.clamped += fit;
      }
    }
    return true;
  });

  summary.problems = problems.list;
  summary.problemCount = problems.total;
  if (target.dryRun) return summary;
  if (problems.total > 0) throw new ImportProblemsError(summary);
  if (newClasses.length && !target.createClasses) {
    throw new LoupeError('bad_request', `The input has ${newClasses.length} class${newClasses.length === 1 ? '' : 'es'} the project does not: ${newClasses.join(', ')}; allow creating them to import.`);
  }
  if (ctx?.signal.aborted) throw new LoupeError('cancelled', 'Import cancelled; nothing was written.');
  ctx?.progress(0, 1, `writing ${summary.boxes} boxes`);
  // In image id order, the boxes' image index grows at its end instead of being split all over.
  planned.sort((a, b) => (a.imageId ?? Infinity) - (b.imageId ?? Infinity));
  write(project, read, target, planned, { start, order }, hash, priorRun, summary);
  return summary;
}

/**
 * Write the checked import in one transaction: the whole import, or nothing
 * (also when the process is killed). Statements are prepared once here and
 * bound positionally, since a large import runs them millions of times.
 */
function write(
  project: Project,
  read: ReadLabels,
  target: Target,
  planned: ResolvedImage[],
  groups: { start: Int32Array; order: Int32Array },
  hash: string,
  priorRun: { id: number; annotatorId: number } | undefined,
  summary: ImportLabelsSummary,
): void {
  const db = project.db;
  const insBox = db.prepare(
    'INSERT INTO boxes (image_id, annotator_id, model_run_id, class_id, x, y, w, h, score, provenance, source_box_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)',
  );
  // A person new to the project, or a new run, has nothing to replace.
  const earlier = target.kind === 'labels' ? project.annotators.list().some((a) => a.name === target.name) : priorRun !== undefined;
  const table = read.boxes;
  const { start, order } = groups;
  db.transaction(() => {
    const at = new Date().toISOString();
    for (const name of summary.newClasses) createClass(project, { name });
    const classIds = read.classes.map((name) => project.classes.byName(name)!.id);
    let authorId: number;
    let runId: number | null = null;
    if (target.kind === 'labels') authorId = project.annotators.ensure(target.name, 'human').id;
    else if (priorRun) {
      authorId = priorRun.annotatorId;
      runId = priorRun.id;
    } else {
      authorId = modelAuthor(project, target.name).id;
      runId = project.models.insertRun(null, authorId, hash, target.name, '{}', at);
    }
    summary.runId = runId;
    const provenance = runId === null ? 'imported' : 'predicted';
    const rootIds = new Map<string, number>();
    for (const r of planned) {
      let imageId = r.imageId;
      if (imageId === null) {
        const root = r.add!.root;
        let rootId = rootIds.get(root);
        if (rootId === undefined) rootIds.set(root, (rootId = project.images.ensureRoot(project.storedRootPath(root))));
        imageId = project.images.insert({ ...r.add!.image, rootId }, at);
      }
      if (!earlier || r.imageId === null) {
        // Nothing of this author or run can be on the image yet.
      } else if (runId === null) project.boxes.deleteAuthored(imageId, authorId, 'imported');
      else project.models.clearPredictions(runId, imageId);
      const from = start[r.index];
      const to = start[r.index + 1];
      for (let j = from; j < to; j++) {
        const k = order[j];
        insBox.run(imageId, authorId, runId, classIds[table.cls(k)], table.a(k), table.b(k), table.c(k), table.d(k), table.score(k), provenance);
      }
      if (runId === null) project.assignments.set(imageId, authorId, 'done', at, 'import');
      else project.models.markImage(runId, imageId, 'done', null, to - from, at);
    }
    if (runId !== null) project.models.finishRun(runId, at, null);
  })();
}

/** Import a YOLO dataset or a COCO instances file as one annotator's labels: validated whole, then written in one transaction. */
export async function importLabels(project: Project, req: LabelsRequest, ctx?: Ctx): Promise<ImportLabelsSummary> {
  const name = req.annotator.trim();
  if (!name) throw new LoupeError('bad_request', 'The annotator name is empty.');
  const read = req.format === 'yolo' ? await readYolo(req.path, ctx) : await readCoco(req.path, ctx);
  return run(project, read, { kind: 'labels', name, createClasses: req.createClasses, dryRun: req.dryRun }, ctx);
}

/** Import a model's predictions (COCO results or Ultralytics txt) as an imported model run's boxes. */
export async function importPredictions(project: Project, req: PredictionsRequest, ctx?: Ctx): Promise<ImportLabelsSummary> {
  const name = req.model.trim();
  if (!name) throw new LoupeError('bad_request', 'The model name is empty.');
  let read: ReadLabels;
  if (req.format === 'coco-results') {
    read = await readCocoResults(req.path, { imagesJson: req.imagesJson, classById: (id) => project.classes.get(id)?.name, progress: ctx });
  } else {
    if (req.imagesJson) throw new LoupeError('bad_request', 'imagesJson applies to coco-results only.');
    const model = project.models.byName(name);
    const classes = model ? (JSON.parse(model.info) as { classes?: string[] }).classes : undefined;
    read = await readUltralyticsTxt(req.path, { classes, progress: ctx });
  }
  return run(project, read, { kind: 'predictions', name, createClasses: req.createClasses, dryRun: req.dryRun }, ctx);
}

// The summary is the contract's job result: a change to one that the other does not follow fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const SUMMARY_MATCHES_CONTRACT: Same<ImportLabelsSummary, ContractImportLabelsSummary> = true;
