import { Worker } from 'node:worker_threads';
import { LoupeError } from '../domain/errors.ts';
import { workerEntry } from '../jobs/workerEntry.ts';
import { packedEnd, unpackAt, type FromMergeWorker, type MergedImage, type MergeWorkerData, type ToMergeWorker } from './mergeProtocol.ts';

/**
 * The host's end of a consensus merge worker (mergeWorker.ts): the images' consensus as
 * it arrives, taken in ascending image order, and the end of the worker's checkpoints.
 */
export class MergeFeed {
  private readonly worker: Worker;
  private readonly batches: { data: Float64Array; added: string[] }[] = [];
  /** Position in batches[0].data, and the index of that image in the batch. */
  private at = 0;
  private index = 0;
  /** The largest image id the worker has posted: images up to it that it did not post it passed over. */
  private readThrough = -Infinity;
  private readEnded = false;
  private failure: LoupeError | null = null;
  private wake: (() => void) | null = null;
  private checkpointed: (() => void) | null = null;
  private stopped = false;
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));

  private constructor(data: Omit<MergeWorkerData, 'stop'>, workerFile?: URL) {
    const entry = workerEntry(workerFile ?? new URL('./mergeWorker.ts', import.meta.url));
    this.worker = new Worker(entry.filename, { eval: entry.eval, workerData: { ...data, stop: this.stopFlag } });
    this.worker.on('message', (m: FromMergeWorker) => {
      if (m.type === 'batch') {
        this.batches.push({ data: m.data, added: m.added });
        this.readThrough = Math.max(this.readThrough, lastImageId(m.data));
      } else if (m.type === 'read') this.readEnded = true;
      else if (m.type === 'checkpointed') this.checkpointed?.();
      else this.fail(`Consensus merge failed: ${m.message}`);
      this.notify();
    });
    this.worker.on('error', (err) => this.fail(`Consensus merge failed: ${err.message}`));
    this.worker.on('exit', (code) => {
      if (!this.stopped && !this.readEnded) this.fail(`The consensus merge worker stopped (exit ${code}) before it finished.`);
      this.checkpointed?.();
      this.notify();
    });
  }

  /** Start a worker that reads and clusters data.imageIds. */
  static start(data: Omit<MergeWorkerData, 'stop'>, opts: { workerFile?: URL } = {}): MergeFeed {
    return new MergeFeed(data, opts.workerFile);
  }

  /** True when the worker's answer for this image (or that it passed over it) has arrived; throws if the worker failed. */
  ready(imageId: number): boolean {
    if (this.failure) throw this.failure;
    return this.readEnded || imageId <= this.readThrough;
  }

  /** Wait until more has arrived or the worker failed. */
  more(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** The worker's consensus of this image, if it posted one; images must be taken in ascending order. */
  take(imageId: number): MergedImage | undefined {
    for (;;) {
      const batch = this.batches[0];
      if (!batch) return undefined;
      const { data } = batch;
      if (this.at >= data.length) {
        this.batches.shift();
        this.at = 0;
        this.index = 0;
        continue;
      }
      const id = data[this.at];
      if (id > imageId) return undefined;
      const start = this.at;
      const index = this.index++;
      this.at = packedEnd(data, start);
      if (id === imageId) return { ...unpackAt(data, start), added: batch.added[index] };
    }
  }

  /** All writes are done: let the worker checkpoint once more and end; resolves when it has. */
  finish(): Promise<void> {
    if (this.failure || this.stopped) {
      this.stop();
      return Promise.resolve();
    }
    // The host may have merged the last images itself, so the worker can stop reading.
    Atomics.store(this.stopFlag, 0, 1);
    const done = new Promise<void>((resolve) => (this.checkpointed = resolve));
    this.worker.postMessage({ type: 'finish' } satisfies ToMergeWorker);
    return done.finally(() => this.stop());
  }

  /** End the worker at once (it only reads and checkpoints, so nothing is left half-done). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.worker.terminate();
  }

  private fail(message: string): void {
    if (this.stopped || this.failure) return;
    this.failure = new LoupeError('internal', message);
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

/** The id of the last image in a packed batch. */
function lastImageId(data: Float64Array): number {
  let last = -Infinity;
  for (let k = 0; k < data.length; k = packedEnd(data, k)) last = data[k];
  return last;
}
