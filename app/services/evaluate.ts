import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { evaluateInWorker } from '../metrics/evaluateInWorker.ts';
import { reportDiff, type ReportDiff } from '../metrics/reportDiff.ts';
import type { SliceReport, SliceRow } from '../metrics/slices.ts';
import type { Latency } from '../inference/model.ts';
import type { Project } from '../store/Project.ts';

export interface EvaluationRequest {
  runId: number;
  /** The annotator whose labels are the reference; without one, the final labels (consensus, else the one person who marked the image done). */
  referenceId?: number;
  /** Another run: count only the images it covered too, so the two are compared on the same images. */
  sameImagesAs?: number;
  /** Another run evaluated beside this one on the images both covered: its report and the differences B − A. */
  compareRunId?: number;
}

/** How the final labels are named where a reference annotator's name would be. */
const FINAL_LABELS = 'final labels';

/** One run's evaluation: its slice report, what it was measured against, its model's latency and its worst slice. */
export interface RunEvaluation extends SliceReport {
  run: { id: number; name: string };
  reference: { id: number | null; name: string };
  /** Images the reference has marked done, and of those the ones the run has not (or failed to) pre-label: left out. */
  reviewed: number;
  notRun: number;
  /** The model's session.run latency measured on this machine (when it was added); null for an imported run or a model never measured. */
  latency: Latency | null;
  /** The slice with the lowest AP50 among those with reference boxes; null when there is none. */
  worstSlice: { kind: SliceRow['kind']; key: string; value: string; ap: number; ap50: number } | null;
}

/** The result of an evaluation: run A's, and with a compared run B, B's on the same images and B − A. */
export interface EvaluationReport extends RunEvaluation {
  compare?: { other: RunEvaluation; diff: ReportDiff & { latencyP50Ms: number | null } };
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

type CheckedRun = { id: number; name: string; modelId: number | null; latency: Latency | null };

/** A checked evaluation request: the run, and the reference (a person or consensus by id, or the final labels with id null). */
export interface CheckedEvaluation {
  run: CheckedRun;
  reference: { id: number | null; name: string };
  also?: CheckedRun;
  compare?: CheckedRun;
}

/** The model latency stored for a run's model (measured when the model was added, or by models:latency). */
export function runLatency(project: Project, modelId: number | null): Latency | null {
  if (modelId === null) return null;
  const text = project.models.get(modelId)?.latency;
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<Latency>;
    return typeof v.p50Ms === 'number' && typeof v.p95Ms === 'number' && typeof v.runs === 'number' ? { p50Ms: v.p50Ms, p95Ms: v.p95Ms, runs: v.runs } : null;
  } catch {
    return null;
  }
}

function otherRun(project: Project, runId: number, id: number, what: string): CheckedRun {
  const other = project.models.run(id);
  if (!other) throw new LoupeError('not_found', `No model run ${id} in this project to ${what}; list the runs to pick one.`);
  if (other.id === runId) throw new LoupeError('bad_request', `Run ${runId} compared with itself; pick another run.`);
  return { id: other.id, name: other.name, modelId: other.modelId, latency: runLatency(project, other.modelId) };
}

/** Check a request before any work starts, so a wrong id is an error of the call, not a failed job. */
export function checkEvaluation(project: Project, req: EvaluationRequest): CheckedEvaluation {
  const run = project.models.run(req.runId);
  if (!run) throw new LoupeError('not_found', `No model run ${req.runId} in this project; list the runs to pick one.`);
  const also = req.sameImagesAs !== undefined ? otherRun(project, run.id, req.sameImagesAs, 'compare with') : undefined;
  const compare = req.compareRunId !== undefined ? otherRun(project, run.id, req.compareRunId, 'compare with') : undefined;
  return {
    run: { id: run.id, name: run.name, modelId: run.modelId, latency: runLatency(project, run.modelId) },
    reference: referenceOf(project, req.referenceId),
    ...(also ? { also } : {}),
    ...(compare ? { compare } : {}),
  };
}

function worstOf(slices: SliceRow[]): RunEvaluation['worstSlice'] {
  let worst: SliceRow | null = null;
  for (const s of slices) if (s.gt > 0 && s.ap50 >= 0 && (!worst || s.ap50 < worst.ap50)) worst = s;
  return worst ? { kind: worst.kind, key: worst.key, value: worst.value, ap: worst.ap, ap50: worst.ap50 } : null;
}

/**
 * How a model run does against a reference annotator (or the final labels),
 * overall and slice by slice (metadata, flags, drift, capture week). Only images
 * both sides finished count: those the reference marked done and, for a run Loupe
 * made, pre-labelled without error (with a compared run, by both runs). Reading and
 * computing happen in a worker thread with its own read-only connection.
 */
export async function runEvaluation(
  project: Project,
  { run, reference, also, compare }: CheckedEvaluation,
  ctx?: Pick<JobContext, 'signal' | 'progress'>,
  opts: { workerFile?: URL; nativeBinding?: string; workers?: number } = {},
): Promise<EvaluationReport> {
  const result = await evaluateInWorker(
    {
      file: project.file,
      nativeBinding: opts.nativeBinding,
      runId: run.id,
      referenceId: reference.id,
      importedRun: run.modelId === null,
      ...(also ? { also: { runId: also.id, importedRun: also.modelId === null } } : {}),
      ...(compare ? { compare: { runId: compare.id, importedRun: compare.modelId === null } } : {}),
    },
    {
      signal: ctx?.signal,
      progress: (done, total, message) => ctx?.progress(done, total, message),
      workerFile: opts.workerFile,
      classIds: project.classes.list().map((c) => c.id),
      workers: opts.workers,
    },
  );
  const evaluation = (r: CheckedRun, report: SliceReport): RunEvaluation => ({
    run: { id: r.id, name: r.name },
    reference,
    reviewed: result.reviewed,
    notRun: result.reviewed - result.evaluated,
    latency: r.latency,
    worstSlice: worstOf(report.slices),
    ...report,
  });
  const a = evaluation(run, result.report);
  if (!compare || !result.other) return a;
  const b = evaluation(compare, result.other);
  const latencyP50Ms = a.latency && b.latency ? b.latency.p50Ms - a.latency.p50Ms : null;
  return { ...a, compare: { other: b, diff: { ...reportDiff(result.report, result.other), latencyP50Ms } } };
}

/** Check and run an evaluation (what a host does in two steps, around starting a job). */
export async function evaluateRun(
  project: Project,
  req: EvaluationRequest,
  ctx?: Pick<JobContext, 'signal' | 'progress'>,
  opts: { workerFile?: URL; nativeBinding?: string; workers?: number } = {},
): Promise<EvaluationReport> {
  return runEvaluation(project, checkEvaluation(project, req), ctx, opts);
}
