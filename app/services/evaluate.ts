import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { evaluateSlicesInWorker } from '../metrics/evaluateInWorker.ts';
import type { SliceReport } from '../metrics/slices.ts';
import type { Project } from '../store/Project.ts';

export interface EvaluationRequest {
  runId: number;
  /** The annotator whose labels are the reference (a person, or final labels). */
  referenceId: number;
}

export interface EvaluationReport extends SliceReport {
  run: { id: number; name: string };
  reference: { id: number; name: string };
  /** Images the reference has marked done, and of those the ones the run has not (or failed to) pre-label: left out. */
  reviewed: number;
  notRun: number;
}

function metadataOf(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * How a model run does against a reference annotator, overall and slice by
 * slice of the images' metadata. Only images both sides finished count: those
 * the reference marked done and, for a run Loupe made, pre-labelled without error.
 */
export async function evaluateRun(
  project: Project,
  req: EvaluationRequest,
  ctx?: Pick<JobContext, 'signal' | 'progress'>,
  opts: { workerFile?: URL } = {},
): Promise<EvaluationReport> {
  const run = project.models.run(req.runId);
  if (!run) throw new LoupeError('not_found', `No model run ${req.runId} in this project; list the runs to pick one.`);
  const reference = project.annotators.list().find((a) => a.id === req.referenceId);
  if (!reference) throw new LoupeError('not_found', `No annotator ${req.referenceId} in this project.`);
  if (reference.kind === 'model') {
    throw new LoupeError('bad_request', `"${reference.name}" is a model's author; the reference must be a person or final labels.`);
  }
  const reviewed = project.assignments.images(reference.id, 'done');
  if (reviewed.size === 0) throw new LoupeError('bad_request', `${reference.name} has not marked any image done, so there is nothing to evaluate against.`);
  // An imported run (COCO results, Ultralytics txt) lists only images with detections, so an image
  // it does not mention had none; a run Loupe made records every image it finished.
  const ran = run.modelId === null ? null : project.models.doneImages(run.id);
  const metadata = new Map<number, Record<string, unknown>>();
  for (const row of project.images.allMetadata()) {
    if (reviewed.has(row.id) && (!ran || ran.has(row.id))) metadata.set(row.id, metadataOf(row.metadata));
  }
  const classIds = project.classes.list().map((c) => c.id);
  // Reading is quick; computing over a large project is not, so it runs in a worker thread.
  const report = await evaluateSlicesInWorker(metadata, classIds, project.boxes.geometryByPerson(reference.id), project.boxes.geometryByRun(run.id), {
    signal: ctx?.signal,
    progress: (done, total) => ctx?.progress(done, total),
    workerFile: opts.workerFile,
  });
  return {
    run: { id: run.id, name: run.name },
    reference: { id: reference.id, name: reference.name },
    reviewed: reviewed.size,
    notRun: reviewed.size - metadata.size,
    ...report,
  };
}
