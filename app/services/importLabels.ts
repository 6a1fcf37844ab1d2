import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { LoupeError } from '../domain/errors.ts';
import { readCoco } from '../io/cocoLabels.ts';
import { readCocoResults } from '../io/cocoPredictions.ts';
import { formatProblem, type Problem, type ReadLabels } from '../io/importLabels.ts';
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
type Pixels = { x: number; y: number; w: number; h: number };

/** A read box in original pixels, clamped to the image; null when nothing of it is inside. */
function toPixels(b: ReadLabels['images'][number]['boxes'][number], W: number, H: number): { box: Pixels; clamped: boolean } | null {
  let box: Pixels = b.coords === 'norm' ? { x: (b.a - b.c / 2) * W, y: (b.b - b.d / 2) * H, w: b.c * W, h: b.d * H } : { x: b.a, y: b.b, w: b.c, h: b.d };
  if (box.x >= 0 && box.y >= 0 && box.x + box.w <= W && box.y + box.h <= H) return { box, clamped: false };
  const x1 = Math.max(0, box.x);
  const y1 = Math.max(0, box.y);
  const x2 = Math.min(W, box.x + box.w);
  const y2 = Math.min(H, box.y + box.h);
  if (x2 <= x1 || y2 <= y1) return null;
  // Half-width arithmetic leaves YOLO edges a rounding error past 0 or 1; only a real overshoot counts as clamped.
  const real = box.x < -1e-6 * W || box.y < -1e-6 * H || box.x + box.w > W * (1 + 1e-6) || box.y + box.h > H * (1 + 1e-6);
  box = { x: x1, y: y1, w: x2 - x1, h: y2 - y1 };
  return { box, clamped: real };
}

/** sha256 over the input files in order, naming an imported run. */
async function hashFiles(files: string[]): Promise<string> {
  const h = crypto.createHash('sha256');
  for (const f of [...files].sort()) h.update(await fs.readFile(f));
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
  const hash = target.kind === 'predictions' ? `imported:${await hashFiles(read.files)}` : '';
  const priorRun = target.kind === 'predictions' ? project.models.findImportedRun(hash, target.name) : undefined;

  const res = await resolveImages(project, read.images, problems, ctx);
  if (ctx?.signal.aborted) throw new LoupeError('cancelled', 'Import cancelled; nothing was written.');
  const summary: ImportLabelsSummary = {
    dryRun: target.dryRun,
    author: target.name,
    runId: priorRun?.id ?? null,
    imagesMatched: res.images.filter((r) => r.imageId !== null).length,
    imagesAdded: res.images.filter((r) => r.imageId === null).length,
    missingImages: [...read.missing.map((m) => `${m}: no image for this label file`), ...res.missing],
    skipped: res.skipped,
    boxes: 0,
    clamped: 0,
    replaced: 0,
    newClasses,
    problems: [],
    problemCount: 0,
  };

  const planned: { r: ResolvedImage; boxes: (Pixels & { cls: number; score: number | null })[] }[] = [];
  for (const r of res.images) {
    const { width: W, height: H, label } = r;
    if (label.size && (label.size.w !== W || label.size.h !== H)) {
      problems.add({ file: label.source, reason: `says the image is ${label.size.w}×${label.size.h}, but ${label.name} is ${W}×${H}` });
      continue;
    }
    if (human && r.imageId !== null) {
      const own = project.boxes.countAuthoredOther(r.imageId, human.id, 'imported');
      if (own > 0) problems.add({ file: label.source, reason: `${target.name} already has ${own} box${own === 1 ? '' : 'es'} made in Loupe on ${label.name}; import under another annotator name` });
    }
    const boxes = [];
    for (const b of label.boxes) {
      const p = toPixels(b, W, H);
      if (!p) {
        problems.add({ ...b.where, reason: `box lies outside the ${W}×${H} image` });
        continue;
      }
      if (p.clamped) summary.clamped++;
      boxes.push({ ...p.box, cls: b.cls, score: b.score });
    }
    summary.boxes += boxes.length;
    planned.push({ r, boxes });
  }

  summary.problems = problems.list;
  summary.problemCount = problems.total;
  if (target.dryRun) return summary;
  if (problems.total > 0) throw new ImportProblemsError(summary);
  if (newClasses.length && !target.createClasses) {
    throw new LoupeError('bad_request', `The input has ${newClasses.length} class${newClasses.length === 1 ? '' : 'es'} the project does not: ${newClasses.join(', ')}; allow creating them to import.`);
  }
  if (ctx?.signal.aborted) throw new LoupeError('cancelled', 'Import cancelled; nothing was written.');

  // Everything was checked above: this transaction is the whole import, or nothing.
  project.db.transaction(() => {
    const at = new Date().toISOString();
    for (const name of newClasses) createClass(project, { name });
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
    for (const { r, boxes } of planned) {
      let imageId = r.imageId;
      if (imageId === null) {
        const rootId = project.images.ensureRoot(project.storedRootPath(r.add!.root));
        imageId = project.images.insert({ ...r.add!.image, rootId }, at);
      }
      if (runId === null) summary.replaced += project.boxes.deleteAuthored(imageId, authorId, 'imported');
      else {
        summary.replaced += project.boxes.forImage(imageId, authorId).length;
        project.models.clearPredictions(runId, imageId);
      }
      for (const b of boxes) {
        project.boxes.insert({
          imageId,
          annotatorId: authorId,
          modelRunId: runId,
          classId: classIds[b.cls],
          x: b.x,
          y: b.y,
          w: b.w,
          h: b.h,
          score: b.score,
          provenance: runId === null ? 'imported' : 'predicted',
          sourceBoxId: null,
        });
      }
      if (runId === null) project.assignments.set(imageId, authorId, 'done', at);
      else project.models.markImage(runId, imageId, 'done', null, boxes.length, at);
    }
    if (runId !== null) project.models.finishRun(runId, at, null);
  })();
  return summary;
}

/** Import a YOLO dataset or a COCO instances file as one annotator's labels: validated whole, then written in one transaction. */
export async function importLabels(project: Project, req: LabelsRequest, ctx?: Ctx): Promise<ImportLabelsSummary> {
  const name = req.annotator.trim();
  if (!name) throw new LoupeError('bad_request', 'The annotator name is empty.');
  const read = req.format === 'yolo' ? await readYolo(req.path, ctx?.signal) : await readCoco(req.path, ctx?.signal);
  return run(project, read, { kind: 'labels', name, createClasses: req.createClasses, dryRun: req.dryRun }, ctx);
}

/** Import a model's predictions (COCO results or Ultralytics txt) as an imported model run's boxes. */
export async function importPredictions(project: Project, req: PredictionsRequest, ctx?: Ctx): Promise<ImportLabelsSummary> {
  const name = req.model.trim();
  if (!name) throw new LoupeError('bad_request', 'The model name is empty.');
  let read: ReadLabels;
  if (req.format === 'coco-results') {
    read = await readCocoResults(req.path, { imagesJson: req.imagesJson, classById: (id) => project.classes.get(id)?.name, signal: ctx?.signal });
  } else {
    if (req.imagesJson) throw new LoupeError('bad_request', 'imagesJson applies to coco-results only.');
    const model = project.models.byName(name);
    const classes = model ? (JSON.parse(model.info) as { classes?: string[] }).classes : undefined;
    read = await readUltralyticsTxt(req.path, { classes, signal: ctx?.signal });
  }
  return run(project, read, { kind: 'predictions', name, createClasses: req.createClasses, dryRun: req.dryRun }, ctx);
}
