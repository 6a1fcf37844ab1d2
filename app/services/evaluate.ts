import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { evaluateInWorker } from '../metrics/evaluateInWorker.ts';
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

/**
 * How a model run does against a reference annotator, overall and slice by
 * slice of the images' metadata. Only images both sides finished count: those
 * the reference marked done and, for a run Loupe made, pre-labelled without
 * error. The request is checked here; reading and computing happen in a
 * worker thread with its own read-only connection.
 */
export async function evaluateRun(
  project: Project,
  req: EvaluationRequest,
  ctx?: Pick<JobContext, 'signal' | 'progress'>,
  opts: { workerFile?: URL; nativeBinding?: string } = {},
): Promise<EvaluationReport> {
  const run = project.models.run(req.runId);
  if (!run) throw new LoupeError('not_found', `No model run ${req.runId} in this project; list the runs to pick one.`);
  const reference = project.annotators.list().find((a) => a.id === req.referenceId);
  if (!reference) throw new LoupeError('not_found', `No annotator ${req.referenceId} in this project.`);
  if (reference.kind === 'model') {
    throw new LoupeError('bad_request', `"${reference.name}" is a model's author; the reference must be a person or final labels.`);
  }
  if (project.assignments.count(reference.id, 'done') === 0) {
    throw new LoupeError('bad_request', `${reference.name} has not marked any image done, so there is nothing to evaluate against.`);
  }
  const result = await evaluateInWorker(
    { file: project.file, nativeBinding: opts.nativeBinding, runId: run.id, referenceId: reference.id, importedRun: run.modelId === null },
    { signal: ctx?.signal, progress: (done, total, message) => ctx?.progress(done, total, message), workerFile: opts.workerFile },
  );
  return {
    run: { id: run.id, name: run.name },
    reference: { id: reference.id, name: reference.name },
    reviewed: result.reviewed,
    notRun: result.reviewed - result.evaluated,
    ...result.report,
  };
}
