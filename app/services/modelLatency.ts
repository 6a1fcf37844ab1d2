import { LoupeError } from '../domain/errors.ts';
import type { Latency } from '../inference/model.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import type { ModelRow } from '../store/ModelRepo.ts';
import type { Project } from '../store/Project.ts';

/** What measures a model: a detector pool's session.run timing on a gray image, in its worker. */
export interface LatencySource {
  latency(runs: number, warmup: number): Promise<Latency>;
}

/**
 * Measure a model's session.run latency on this machine and store it with the
 * model, where evaluations read it to report beside AP. A cancel before the
 * measurement ends stores nothing; the stored value is replaced in one statement.
 */
export async function measureLatency(
  project: Project,
  source: LatencySource,
  model: ModelRow,
  opts: { runs: number; warmup: number; ctx?: Pick<JobContext, 'signal' | 'progress'> },
): Promise<Latency & { modelId: number; measuredAt: string }> {
  if (!Number.isInteger(opts.runs) || opts.runs < 1 || !Number.isInteger(opts.warmup) || opts.warmup < 0) {
    throw new LoupeError('bad_request', `latency needs runs ≥ 1 and warmup ≥ 0 (whole numbers), got ${opts.runs} and ${opts.warmup}`);
  }
  opts.ctx?.progress(0, 1, `timing ${opts.runs} runs of ${model.name}`);
  const latency = await source.latency(opts.runs, opts.warmup);
  if (opts.ctx?.signal.aborted) throw new LoupeError('cancelled', 'Latency measurement cancelled.');
  const measuredAt = new Date().toISOString();
  project.models.setLatency(model.id, JSON.stringify({ ...latency, measuredAt }));
  opts.ctx?.progress(1, 1, '');
  return { ...latency, modelId: model.id, measuredAt };
}
