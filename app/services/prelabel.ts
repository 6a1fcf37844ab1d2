import { LoupeError, messageOf } from '../domain/errors.ts';
import type { DetectParams, Detection, DetectorPool } from '../inference/index.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import type { ModelRow } from '../store/ModelRepo.ts';
import type { Project } from '../store/Project.ts';
import { resolveImageFile } from './imageFiles.ts';
import { DEFAULTS } from '../contract/defaults.ts';

/** The parameters that define a run: the same model with the same values resumes the same run. */
export interface RunParams {
  conf: number;
  iou: number;
  maxDet: number;
}

export const DEFAULT_RUN_PARAMS: RunParams = { conf: DEFAULTS.conf, iou: DEFAULTS.iou, maxDet: DEFAULTS.maxDet };

/** What a pre-label pass did. */
export interface PrelabelSummary {
  runId: number;
  model: string;
  requested: number;
  skipped: number;
  done: number;
  failed: { imageId: number; path: string; reason: string }[];
  boxes: number;
  /** Predictions of model classes mapped to no project class, not stored. */
  unmappedDropped: number;
  seconds: number;
  cancelled: boolean;
}

/** Canonical JSON of the parameters, so equal values always find the same run. */
export function canonicalParams(p: RunParams): string {
  return JSON.stringify({ conf: p.conf, iou: p.iou, maxDet: p.maxDet });
}

/** The run of this model with these parameters, created on first use. */
export function ensureRun(project: Project, model: ModelRow, params: RunParams): number {
  return project.db.transaction(() => {
    const key = canonicalParams(params);
    const found = project.models.findRun(model.id, key);
    if (found) return found.id;
    const author = modelAuthor(project, model.name);
    return project.models.insertRun(model.id, author.id, model.sha256, model.name, key, new Date().toISOString());
  })();
}

/**
 * The annotator a model's predictions are authored by. A person may already go
 * by the model's name; their boxes must never be mixed with predictions, so the
 * model then takes the first free variant of the name.
 */
function modelAuthor(project: Project, name: string): { id: number } {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? name : i === 2 ? `${name} (model)` : `${name} (model ${i - 1})`;
    const found = project.annotators.list().find((a) => a.name === candidate);
    if (!found || found.kind === 'model') return project.annotators.ensure(candidate, 'model');
  }
}

/**
 * Run a model over images and store what it finds as that run's predictions.
 * Images the run already did are skipped unless `force`. Each image is stored in
 * one transaction (its old predictions of this run replaced), so a cancel or a
 * kill leaves whole images only, and running again finishes the rest.
 */
export async function prelabel(
  project: Project,
  pool: DetectorPool,
  model: ModelRow,
  imageIds: number[],
  params: RunParams,
  opts: { force?: boolean; ctx?: Pick<JobContext, 'signal' | 'progress'> } = {},
): Promise<PrelabelSummary> {
  const started = Date.now();
  const classMap = JSON.parse(model.classMap) as (number | null)[];
  // A class deleted after the mapping was made would fail every image on its foreign key; say so once instead.
  const modelClasses = (JSON.parse(model.info) as { classes?: string[] }).classes ?? [];
  classMap.forEach((classId, i) => {
    if (classId !== null && !project.classes.get(classId)) {
      throw new LoupeError(
        'conflict',
        `Model ${model.name} maps its class '${modelClasses[i] ?? i}' to class ${classId}, which was deleted; remap it (models:map) before pre-labelling.`,
      );
    }
  });
  const runId = ensureRun(project, model, params);
  const run = project.models.run(runId)!;
  const already = project.models.doneImages(runId);
  const todo = opts.force ? imageIds : imageIds.filter((id) => !already.has(id));
  const summary: PrelabelSummary = {
    runId,
    model: model.name,
    requested: imageIds.length,
    skipped: imageIds.length - todo.length,
    done: 0,
    failed: [],
    boxes: 0,
    unmappedDropped: 0,
    seconds: 0,
    cancelled: false,
  };

  const store = project.db.transaction((imageId: number, boxes: Detection[] | null, error: string | null) => {
    const at = new Date().toISOString();
    project.models.clearPredictions(runId, imageId);
    if (!boxes) {
      project.models.markImage(runId, imageId, 'failed', error, 0, at);
      return null;
    }
    let n = 0;
    let dropped = 0;
    for (const b of boxes) {
      const classId = classMap[b.classIndex] ?? null;
      if (classId === null) {
        dropped++;
        continue;
      }
      project.boxes.insert({
        imageId,
        annotatorId: run.annotatorId,
        modelRunId: runId,
        classId,
        x: b.x,
        y: b.y,
        w: b.w,
        h: b.h,
        score: b.score,
        provenance: 'predicted',
        sourceBoxId: null,
      });
      n++;
    }
    project.models.markImage(runId, imageId, 'done', null, n, at);
    return { boxes: n, dropped };
  });

  const detectParams: DetectParams = { conf: params.conf, iou: params.iou, maxDet: params.maxDet };
  const window = Math.max(4, pool.workers * 8);
  const inflight = new Set<Promise<void>>();
  let finished = 0;
  const report = () => opts.ctx?.progress(finished, todo.length, `${summary.done} done, ${summary.failed.length} failed, ${summary.boxes} boxes`);

  const one = async (imageId: number) => {
    let pathForError = String(imageId);
    try {
      const { file } = resolveImageFile(project, imageId);
      pathForError = project.images.get(imageId)?.path ?? pathForError;
      const r = await pool.detect(file, detectParams);
      if (!project.db.open) return;
      const stored = store(imageId, r.boxes, null)!;
      // Counted once the image's transaction has committed, so a rolled-back image adds nothing.
      summary.boxes += stored.boxes;
      summary.unmappedDropped += stored.dropped;
      summary.done++;
    } catch (err) {
      if (!project.db.open) return;
      if (err instanceof LoupeError && err.code === 'cancelled') return;
      const reason = messageOf(err);
      store(imageId, null, reason);
      summary.failed.push({ imageId, path: project.images.get(imageId)?.path ?? pathForError, reason });
    } finally {
      finished++;
      report();
    }
  };

  for (const id of todo) {
    if (opts.ctx?.signal.aborted) {
      summary.cancelled = true;
      break;
    }
    const p: Promise<void> = one(id).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  summary.seconds = (Date.now() - started) / 1000;
  if (!summary.cancelled && project.db.open) {
    const stats = project.models.runStats(runId);
    project.models.finishRun(
      runId,
      new Date().toISOString(),
      JSON.stringify({ images: stats.done + stats.failed, seconds: summary.seconds, imagesPerSecond: summary.done / Math.max(summary.seconds, 1e-9) }),
    );
  }
  report();
  return summary;
}
