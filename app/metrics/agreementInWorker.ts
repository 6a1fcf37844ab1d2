import { Worker } from 'node:worker_threads';
import { LoupeError, type ErrorCode } from '../domain/errors.ts';
import { workerEntry } from '../jobs/workerEntry.ts';
import type { AgreementReport } from './agreement/index.ts';
import type { AgreementWorkerData, FromAgreementWorker } from './agreementProtocol.ts';

export interface AgreementWorkerOptions {
  signal?: AbortSignal;
  /** Called every few hundred images. */
  progress?: (done: number, total: number, message?: string) => void;
  /** The worker module, for hosts that bundle it (default: agreementWorker.ts beside this file). */
  workerFile?: URL;
}

/**
 * Compute the project's agreement report in a worker thread that reads the
 * project file itself. A cancel ends the worker at once: it only reads, so
 * nothing is left half-done.
 */
export function agreementInWorker(data: AgreementWorkerData, opts: AgreementWorkerOptions = {}): Promise<AgreementReport> {
  const cancelled = () => new LoupeError('cancelled', 'Agreement report cancelled.');
  if (opts.signal?.aborted) return Promise.reject(cancelled());
  const entry = workerEntry(opts.workerFile ?? new URL('./agreementWorker.ts', import.meta.url));
  const worker = new Worker(entry.filename, { eval: entry.eval, workerData: data });
  return new Promise<AgreementReport>((resolve, reject) => {
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
    worker.on('message', (msg: FromAgreementWorker) => {
      if (settled) return;
      if (msg.type === 'progress') opts.progress?.(msg.done, msg.total, msg.message);
      else if (msg.type === 'done') finish(() => resolve(msg.result));
      else finish(() => reject(msg.code ? new LoupeError(msg.code as ErrorCode, msg.message) : new LoupeError('internal', `Agreement report failed: ${msg.message}`)));
    });
    worker.on('error', (err) => finish(() => reject(new LoupeError('internal', `Agreement report failed: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new LoupeError('internal', `The agreement worker stopped (exit ${code}) before it finished.`))));
  });
}
