import { Worker } from 'node:worker_threads';
import { LoupeError, type ErrorCode } from '../domain/errors.ts';
import { workerEntry } from '../jobs/workerEntry.ts';
import type { EvalWorkerData, EvalWorkerResult, FromEvalWorker } from './evalProtocol.ts';

export interface WorkerOptions {
  signal?: AbortSignal;
  /** Called after each slice is evaluated. */
  progress?: (done: number, total: number, message?: string) => void;
  /** The worker module, for hosts that bundle it (default: evalWorker.ts beside this file). */
  workerFile?: URL;
}

/**
 * Evaluate a run against a reference in a worker thread that reads the project
 * file itself. A cancel ends the worker at once: it only reads, so nothing is
 * left half-done.
 */
export function evaluateInWorker(data: EvalWorkerData, opts: WorkerOptions = {}): Promise<EvalWorkerResult> {
  const cancelled = () => new LoupeError('cancelled', 'Evaluation cancelled.');
  if (opts.signal?.aborted) return Promise.reject(cancelled());
  const entry = workerEntry(opts.workerFile ?? new URL('./evalWorker.ts', import.meta.url));
  const worker = new Worker(entry.filename, { eval: entry.eval, workerData: data });
  return new Promise<EvalWorkerResult>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      f();
    };
    const onAbort = () => finish(() => reject(cancelled()));
    opts.signal?.addEventListener('abort', onAbort);
    worker.on('message', (msg: FromEvalWorker) => {
      if (settled) return;
      if (msg.type === 'progress') opts.progress?.(msg.done, msg.total, msg.message);
      else if (msg.type === 'done') finish(() => resolve(msg.result));
      // A refusal the worker worded for a person keeps its code and words; anything else is a failure.
      else finish(() => reject(msg.code ? new LoupeError(msg.code as ErrorCode, msg.message) : new LoupeError('internal', `Evaluation failed: ${msg.message}`)));
    });
    worker.on('error', (err) => finish(() => reject(new LoupeError('internal', `Evaluation failed: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new LoupeError('internal', `The evaluation worker stopped (exit ${code}) before it finished.`))));
  });
}
