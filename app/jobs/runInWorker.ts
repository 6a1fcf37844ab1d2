import { Worker } from 'node:worker_threads';
import { LoupeError, type ErrorCode } from '../domain/errors.ts';
import { workerEntry } from './workerEntry.ts';

/** What a computing worker posts back: progress, its result, or an error. */
export type FromWorker<R> =
  | { type: 'progress'; done: number; total: number; message?: string }
  | { type: 'done'; result: R }
  | { type: 'error'; code: string | null; message: string };

export interface WorkerOptions {
  signal?: AbortSignal;
  progress?: (done: number, total: number, message?: string) => void;
  /** The worker module, for hosts that bundle it (default: the TypeScript source beside the caller). */
  workerFile?: URL;
}

/**
 * Run `file` as a worker thread with `data` and resolve with the result it
 * posts. A cancel ends the worker at once (the workers using this only read,
 * so nothing is left half-done). `what` names the work in errors, e.g.
 * "Evaluation".
 */
export function runInWorker<D, R>(what: string, file: URL, data: D, opts: WorkerOptions = {}): Promise<R> {
  const cancelled = () => new LoupeError('cancelled', `${what} cancelled.`);
  if (opts.signal?.aborted) return Promise.reject(cancelled());
  const entry = workerEntry(opts.workerFile ?? file);
  const worker = new Worker(entry.filename, { eval: entry.eval, workerData: data });
  return new Promise<R>((resolve, reject) => {
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
    worker.on('message', (msg: FromWorker<R>) => {
      if (settled) return;
      if (msg.type === 'progress') opts.progress?.(msg.done, msg.total, msg.message);
      else if (msg.type === 'done') finish(() => resolve(msg.result));
      // A refusal the worker worded for a person keeps its code and words; anything else is a failure.
      else finish(() => reject(msg.code ? new LoupeError(msg.code as ErrorCode, msg.message) : new LoupeError('internal', `${what} failed: ${msg.message}`)));
    });
    worker.on('error', (err) => finish(() => reject(new LoupeError('internal', `${what} failed: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new LoupeError('internal', `The ${what.toLowerCase()} worker stopped (exit ${code}) before it finished.`))));
  });
}
