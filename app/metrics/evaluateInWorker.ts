import { Worker } from 'node:worker_threads';
import type { BoxGeometry } from '../domain/box.ts';
import { LoupeError } from '../domain/errors.ts';
import { workerEntry } from '../jobs/workerEntry.ts';
import { packBoxes, type EvalWorkerData, type FromEvalWorker } from './evalProtocol.ts';
import type { SliceOptions, SliceReport } from './slices.ts';

export interface WorkerOptions extends Pick<SliceOptions, 'signal' | 'progress' | 'maxValues'> {
  /** The worker module, for hosts that bundle it (default: evalWorker.ts beside this file). */
  workerFile?: URL;
}

/**
 * `evaluateSlices` in a worker thread. A cancel ends the worker at once: it
 * only computes, so nothing is left half-done.
 */
export function evaluateSlicesInWorker(
  metadata: Map<number, Record<string, unknown>>,
  classIds: number[],
  reference: BoxGeometry[],
  detections: BoxGeometry[],
  opts: WorkerOptions = {},
): Promise<SliceReport> {
  const cancelled = () => new LoupeError('cancelled', 'Evaluation cancelled.');
  if (opts.signal?.aborted) return Promise.reject(cancelled());
  const data: EvalWorkerData = { metadata: [...metadata], classIds, reference: packBoxes(reference), detections: packBoxes(detections), maxValues: opts.maxValues };
  const entry = workerEntry(opts.workerFile ?? new URL('./evalWorker.ts', import.meta.url));
  const worker = new Worker(entry.filename, { eval: entry.eval, workerData: data, transferList: [data.reference.data.buffer, data.detections.data.buffer] });
  return new Promise<SliceReport>((resolve, reject) => {
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
      if (msg.type === 'progress') opts.progress?.(msg.done, msg.total);
      else if (msg.type === 'done') finish(() => resolve(msg.report));
      else finish(() => reject(new LoupeError('internal', `Evaluation failed: ${msg.message}`)));
    });
    worker.on('error', (err) => finish(() => reject(new LoupeError('internal', `Evaluation failed: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new LoupeError('internal', `The evaluation worker stopped (exit ${code}) before it finished.`))));
  });
}
