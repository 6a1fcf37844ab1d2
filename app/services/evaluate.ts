import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { evaluateInWorker } from '../metrics/evaluateInWorker.ts';
import type { SliceReport } from '../metrics/slices.ts';
import type { Project } from '../store/Project.ts';

export interface EvaluationRequest {
  runId: number;
  /** The annotator whose labels are the reference; without one, the final labels (consensus, else the one person who marked the image done). */
  referenceId?: number;
  /** Another run: count only the images it covered too, so the two are compared on the same images. */
  sameImagesAs?: number;
}

/** How the final labels are named where a reference annotator's name would be. */
const FINAL_LABELS = 'final labels';

export interface EvaluationReport extends SliceReport {
  run: { id: number; name: string };
  reference: { id: number | null; name: string };
  /** Images the reference has marked done, and of those the ones the run has not (or failed to) pre-label: left out. */
  reviewed: number;
  notRun: number;
}

/** The reference of an evaluation, checked: a person (or consensus) who has marked images done, or the final labels. */
function referenceOf(project: Project, referenceId: number | undefined): { id: number | null; name: string } {
  if (referenceId === undefined) return { id: null, name: FINAL_LABELS };
  const reference = project.annotators.list().find((a) => a.id === referenceId);
  if (!reference) throw new LoupeError('not_found', `No annotator ${referenceId} in this project.`);
  if (reference.kind === 'model') {
    throw new LoupeError('bad_request', `"${reference.name}" is a model's author; the reference must be a person or final labels.`);
  }
  if (project.assignments.count(reference.id, 'done') === 0) {
    throw new LoupeError('bad_request', `${reference.name} has not marked any image done, so there is nothing to evaluate against.`);
  }
  return { id: reference.id, name: reference.name };
}

/** A checked evaluation request: the run, and the reference (a person or consensus by id, or the final labels with id null). */
export interface CheckedEvaluation {
  run: { id: number; name: string; modelId: number | null };
  reference: { id: number | null; name: string };
  also?: { id: number; name: string; modelId: number | null };
}

/** Check a request before any work starts, so a wrong id is an error of the call, not a failed job. */
export function checkEvaluation(project: Project, req: EvaluationRequest): CheckedEvaluation {
  const run = project.models.run(req.runId);
  if (!run) throw new LoupeError('not_found', `No model run ${req.runId} in this project; list the runs to pick one.`);
  let also: CheckedEvaluation['also'];
  if (req.sameImagesAs !== undefined) {
    const other = project.models.run(req.sameImagesAs);
    if (!other) throw new LoupeError('not_found', `No model run ${req.sameImagesAs} in this project to compare with; list the runs to pick one.`);
    if (other.id === run.id) throw new LoupeError('bad_request', `Run ${run.id} compared with itself; pick another run.`);
    also = { id: other.id, name: other.name, modelId: other.modelId };
  }
  return { run: { id: run.id, name: run.name, modelId: run.modelId }, reference: referenceOf(project, req.referenceId), ...(also ? { also } : {}) };
}

/**
 * How a model run does against a reference annotator (or the final labels),
 * overall and slice by slice of the images' metadata. Only images both sides
 * finished count: those the reference marked done and, for a run Loupe made,
 * pre-labelled without error. Reading and computing happen in a worker thread
 * with its own read-only connection.
 */
export async function runEvaluation(
  project: Project,
  { run, reference, also }: CheckedEvaluation,
  ctx?: Pick<JobContext, 'signal' | 'progress'>,
  opts: { workerFile?: URL; nativeBinding?: string } = {},
): Promise<EvaluationReport> {
  const result = await evaluateInWorker(
    {
      file: project.file,
      nativeBinding: opts.nativeBinding,
      runId: run.id,
      referenceId: reference.id,
      importedRun: run.modelId === null,
      ...(also ? { also: { runId: also.id, importedRun: also.modelId === null } } : {}),
    },
    { signal: ctx?.signal, progress: (done, total, message) => ctx?.progress(done, total, message), workerFile: opts.workerFile },
  );
  return {
    run: { id: run.id, name: run.name },
    reference,
    reviewed: result.reviewed,
    notRun: result.reviewed - result.evaluated,
    ...result.report,
  };
}

/** Check and run an evaluation (what a host does in two steps, around starting a job). */
export async function evaluateRun(
  project: Project,
  req: EvaluationRequest,
  ctx?: Pick<JobContext, 'signal' | 'progress'>,
  opts: { workerFile?: URL; nativeBinding?: string } = {},
): Promise<EvaluationReport> {
  return runEvaluation(project, checkEvaluation(project, req), ctx, opts);
}
