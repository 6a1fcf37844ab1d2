import os from 'node:os';
import { Worker } from 'node:worker_threads';
// Loaded here so libvips stays resident while workers come and go.
import 'sharp';
import { LoupeError, type ErrorCode } from '../domain/errors.ts';
import { workerEntry } from '../jobs/workerEntry.ts';
import type { ImageStats } from './imageStats.ts';
import type { StatsReply, StatsRequest } from './statsProtocol.ts';

/** Options for a StatsPool. */
export interface StatsPoolOptions {
  /** Worker threads (default: the number of cores, at most 4). */
  workers?: number;
  /** Images handed to each worker at once, so decoding overlaps computing (default 2). */
  perWorker?: number;
  /** The worker module, for hosts that bundle it (default: statsWorker.ts beside this file). */
  workerFile?: URL;
}

interface Pending {
  req: StatsRequest;
  resolve: (s: ImageStats | null) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending>;
}

/**
 * Image statistics computed in worker threads, so both cores decode and the
 * host's event loop stays free. A failure on one image rejects only its promise.
 */
export class StatsPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly perWorker: number;

  constructor(opts: StatsPoolOptions = {}) {
    const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    const n = opts.workers ?? Math.min(cores, 4);
    this.perWorker = opts.perWorker ?? 2;
    const entry = workerEntry(opts.workerFile ?? new URL('./statsWorker.ts', import.meta.url));
    for (let i = 0; i < n; i++) {
      const slot: Slot = { worker: new Worker(entry.filename, { eval: entry.eval }), inFlight: new Map() };
      slot.worker.on('message', (msg: StatsReply) => this.answer(slot, msg));
      slot.worker.on('error', (err) => this.fail(slot, new LoupeError('internal', `Image statistics worker failed: ${err.message}`)));
      slot.worker.on('exit', (code) => this.fail(slot, new LoupeError('internal', `The image statistics worker stopped (exit ${code}).`)));
      this.slots.push(slot);
    }
  }

  /** Width of the pool: how many images to keep queued for full use. */
  get capacity(): number {
    return this.slots.length * this.perWorker;
  }

  /** The statistics of one image file. */
  stats(file: string, pixelLimit?: number): Promise<ImageStats> {
    return this.submit({ file, pixelLimit }) as Promise<ImageStats>;
  }

  /** Decode one image file and compute nothing (the bench's baseline). */
  decode(file: string): Promise<void> {
    return this.submit({ file, decodeOnly: true }).then(() => undefined);
  }

  /** Stop the workers; what is queued or in flight is rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new LoupeError('cancelled', 'Image statistics stopped.');
    for (const p of this.queue.splice(0)) p.reject(err);
    await Promise.all(
      this.slots.map(async (s) => {
        for (const p of s.inFlight.values()) p.reject(err);
        s.inFlight.clear();
        await s.worker.terminate();
      }),
    );
  }

  private submit(r: Omit<StatsRequest, 'id'>): Promise<ImageStats | null> {
    if (this.closed) return Promise.reject(new LoupeError('cancelled', 'Image statistics stopped.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ req: { ...r, id: this.nextId++ }, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (;;) {
      if (this.queue.length === 0) return;
      let best: Slot | undefined;
      for (const s of this.slots) if (s.inFlight.size < this.perWorker && (!best || s.inFlight.size < best.inFlight.size)) best = s;
      if (!best) return;
      const p = this.queue.shift()!;
      best.inFlight.set(p.req.id, p);
      best.worker.postMessage(p.req);
    }
  }

  private answer(slot: Slot, msg: StatsReply): void {
    const p = slot.inFlight.get(msg.id);
    if (!p) return;
    slot.inFlight.delete(msg.id);
    if (msg.ok) p.resolve(msg.stats);
    else p.reject(new LoupeError(msg.code as ErrorCode, msg.message));
    this.pump();
  }

  private fail(slot: Slot, err: Error): void {
    if (this.closed) return;
    for (const p of slot.inFlight.values()) p.reject(err);
    slot.inFlight.clear();
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    if (this.slots.length === 0) for (const p of this.queue.splice(0)) p.reject(err);
    else this.pump();
  }
}
