import { runInWorker, type WorkerOptions } from '../jobs/runInWorker.ts';
import type { EvalWorkerData, EvalWorkerResult } from './evalProtocol.ts';

export type { WorkerOptions };

/**
 * Evaluate a run against a reference in a worker thread that reads the project
 * file itself (evalWorker.ts); progress after each slice, cancel at once.
 */
export function evaluateInWorker(data: EvalWorkerData, opts: WorkerOptions = {}): Promise<EvalWorkerResult> {
  return runInWorker<EvalWorkerData, EvalWorkerResult>('Evaluation', new URL('./evalWorker.ts', import.meta.url), data, opts);
}
