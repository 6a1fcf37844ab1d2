import os from 'node:os';
import { Worker } from 'node:worker_threads';
// Loaded here so their native libraries stay resident while workers come and go (libvips must not unload).
import 'sharp';
import 'onnxruntime-node';
import { LoupeError } from '../domain/errors.ts';
import { workerEntry } from '../jobs/workerEntry.ts';
import type { DetectParams } from './decode.ts';
import type { ImageSource } from './imageInput.ts';
import type { DetectResult, Latency, ModelInfo } from './model.ts';
import type { FromWorker, ToWorker, WorkerInit } from './workerProtocol.ts';

/** Options for `DetectorPool.create`. */
export interface PoolOptions {
  /** Worker threads, each with its own session (default: cores, at most 4). */
  workers?: number;
  /** onnxruntime intra-op threads per worker (default: cores / workers, at least 1). */
  threadsPerWorker?: number;
  /** Class names file, as for `loadModel`. */
  classesFile?: string;
  /** Images each worker decodes ahead of the one it runs (default 2). */
  prefetch?: number;
  /** Images handed to a worker at once; the rest wait in the pool (default prefetch + 1). */
  maxInFlightPerWorker?: number;
  /** See LoadOptions.allowSpinning. */
  allowSpinning?: boolean;
  /** The worker module, for hosts that bundle it (default: detectWorker.ts beside this file). */
  workerFile?: string | URL;
}

interface Pending {
  msg: ToWorker & { id: number };
  resolve: (v: never) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending>;
  alive: boolean;
}

/**
 * Detectors in worker threads, so the host's event loop never waits for a
 * model. Images are spread over the workers (least busy first); each worker
 * decodes ahead while it runs the model. A failure on one image rejects only
 * that image's promise.
 */
export class DetectorPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(
    /** The model as the workers loaded it. */
    readonly info: ModelInfo,
    readonly workers: number,
    readonly threadsPerWorker: number,
    private readonly maxInFlight: number,
  ) {}

  /** Start the workers and load the model in each; rejects with the loader's LoupeError if the model is unusable. */
  static async create(modelFile: string, opts: PoolOptions = {}): Promise<DetectorPool> {
    const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    const workers = opts.workers ?? Math.min(cores, 4);
    const threads = opts.threadsPerWorker ?? Math.max(1, Math.floor(cores / workers));
    const prefetch = opts.prefetch ?? 2;
    for (const [k, v] of Object.entries({ workers, threadsPerWorker: threads, prefetch: prefetch + 1 })) {
      if (!(Number.isInteger(v) && v >= 1 && v <= 256)) throw new LoupeError('bad_request', `${k} must be a positive integer, got ${v}`);
    }
    const file = opts.workerFile ? new URL(opts.workerFile, import.meta.url) : new URL('./detectWorker.ts', import.meta.url);
    const init: WorkerInit = {
      modelFile,
      load: { classesFile: opts.classesFile, intraOpThreads: threads, allowSpinning: opts.allowSpinning ?? false },
      prefetch,
    };
    const entry = workerEntry(file);
    const started = Array.from({ length: workers }, () => startWorker(entry, init));
    const settled = await Promise.allSettled(started.map((s) => s.ready));
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure) {
      await Promise.all(started.map((s) => s.worker.terminate()));
      throw (failure as PromiseRejectedResult).reason;
    }
    const info = (settled[0] as PromiseFulfilledResult<ModelInfo>).value;
    const pool = new DetectorPool(info, workers, threads, opts.maxInFlightPerWorker ?? prefetch + 1);
    for (const s of started) pool.adopt(s.worker);
    return pool;
  }

  /** Detect objects in one image file or encoded buffer, in its original (display-oriented) pixels. */
  detect(image: ImageSource, params?: DetectParams): Promise<DetectResult> {
    return this.submit<DetectResult>({ type: 'detect', id: this.nextId++, image, params });
  }

  /** session.run latency on a gray image, measured in one worker between its images. */
  latency(runs = 20, warmup = 3): Promise<Latency> {
    return this.submit<Latency>({ type: 'latency', id: this.nextId++, runs, warmup });
  }

  /** Images submitted and not yet answered. */
  get pending(): number {
    return this.queue.length + this.slots.reduce((n, s) => n + s.inFlight.size, 0);
  }

  /**
   * Stop the workers: images not yet started are rejected with 'cancelled';
   * the image each worker is running finishes first.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new LoupeError('cancelled', 'the detector was closed before this image was processed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        if (!slot.alive) return;
        const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
        slot.worker.ref();
        slot.worker.postMessage({ type: 'close' } satisfies ToWorker);
        // A worker stuck for long is stopped the hard way.
        const timer = setTimeout(() => void slot.worker.terminate(), 30_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private submit<T>(msg: ToWorker & { id: number }): Promise<T> {
    if (this.closed) return Promise.reject(new LoupeError('cancelled', 'the detector is closed'));
    if (!this.slots.some((s) => s.alive)) return Promise.reject(new LoupeError('internal', 'no detector worker is running'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ msg, resolve: resolve as (v: never) => void, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let best: Slot | undefined;
      for (const s of this.slots) if (s.alive && s.inFlight.size < this.maxInFlight && (!best || s.inFlight.size < best.inFlight.size)) best = s;
      if (!best) return;
      const p = this.queue.shift()!;
      best.inFlight.set(p.msg.id, p);
      best.worker.ref();
      best.worker.postMessage(p.msg);
    }
  }

  private adopt(worker: Worker): void {
    const slot: Slot = { worker, inFlight: new Map(), alive: true };
    worker.unref();
    this.slots.push(slot);
    worker.on('message', (msg: FromWorker) => {
      if (msg.type !== 'result') return;
      const p = slot.inFlight.get(msg.id);
      if (!p) return;
      slot.inFlight.delete(msg.id);
      // An idle pool must not keep the process alive, so a host that exits without close() does not hang.
      if (slot.inFlight.size === 0) worker.unref();
      if (msg.ok) p.resolve(msg.value as never);
      else p.reject(new LoupeError(msg.error.code, msg.error.message));
      this.dispatch();
    });
    const lost = (why: string) => {
      if (!slot.alive) return;
      slot.alive = false;
      for (const p of slot.inFlight.values()) p.reject(new LoupeError(this.closed ? 'cancelled' : 'internal', `detector worker stopped: ${why}`));
      slot.inFlight.clear();
      if (!this.slots.some((s) => s.alive)) {
        for (const p of this.queue.splice(0)) p.reject(new LoupeError('internal', `no detector worker is running (${why})`));
      } else this.dispatch();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
  }
}

function startWorker(entry: { filename: string | URL; eval: boolean }, init: WorkerInit): { worker: Worker; ready: Promise<ModelInfo> } {
  const worker = new Worker(entry.filename, { workerData: init, eval: entry.eval });
  const ready = new Promise<ModelInfo>((resolve, reject) => {
    const onMessage = (msg: FromWorker) => {
      if (msg.type === 'ready') resolve(msg.info);
      else if (msg.type === 'failed') reject(new LoupeError(msg.error.code, msg.error.message));
      else return;
      off();
    };
    const onError = (err: Error) => {
      off();
      reject(new LoupeError('internal', `detector worker failed to start: ${err.message}`));
    };
    const onExit = (code: number) => {
      off();
      reject(new LoupeError('internal', `detector worker exited during start-up (code ${code})`));
    };
    const off = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
  return { worker, ready };
}
