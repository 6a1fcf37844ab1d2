/**
 * Worker thread of a DetectorPool: owns one onnxruntime session and runs a
 * two-stage pipeline. Decoding (sharp, on libuv's thread pool) of the next
 * images starts before session.run of the current one, which blocks this
 * thread, so the two overlap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LoupeError, messageOf } from '../domain/errors.ts';
import type { DetectParams } from './decode.ts';
import type { ImageSource } from './imageInput.ts';
import { loadModel, type LoadedModel, type Prepared } from './model.ts';
import type { ToWorker, FromWorker, WorkerInit } from './workerProtocol.ts';

const port = parentPort!;
const init = workerData as WorkerInit;

type Job =
  | { kind: 'detect'; id: number; image: ImageSource; params?: DetectParams; prepared?: Promise<Prepared> }
  | { kind: 'latency'; id: number; runs: number; warmup: number };

const queue: Job[] = [];
let model: LoadedModel | undefined;
let draining = false;
let closing = false;

function post(msg: FromWorker): void {
  port.postMessage(msg);
}

function fail(id: number, err: unknown): void {
  const code = err instanceof LoupeError ? err.code : 'internal';
  post({ type: 'result', id, ok: false, error: { code, message: messageOf(err) } });
}

/** Start decoding the first `init.prefetch` queued images that are not being decoded yet. */
function prefetch(m: LoadedModel): void {
  let started = 0;
  for (const job of queue) {
    if (started >= init.prefetch) break;
    if (job.kind !== 'detect') break;
    if (!job.prepared) {
      job.prepared = m.prepare(job.image, { syncRead: true });
      // Rejections are handled when the job's turn comes; this only silences the unhandled warning.
      job.prepared.catch(() => undefined);
    }
    started++;
  }
}

async function drain(): Promise<void> {
  if (draining || !model) return;
  draining = true;
  const m = model;
  try {
    while (queue.length > 0 && !closing) {
      prefetch(m);
      const job = queue.shift()!;
      prefetch(m);
      try {
        if (job.kind === 'latency') {
          post({ type: 'result', id: job.id, ok: true, value: await m.latency(job.runs, job.warmup) });
        } else {
          const prepared = await (job.prepared ?? m.prepare(job.image, { syncRead: true }));
          const value = await m.infer(prepared, job.params);
          m.recycle(prepared);
          post({ type: 'result', id: job.id, ok: true, value });
        }
      } catch (err) {
        fail(job.id, err);
      }
    }
  } finally {
    draining = false;
  }
  if (closing) await shutdown();
}

async function shutdown(): Promise<void> {
  for (const job of queue.splice(0)) {
    // Let an in-flight decode settle before the thread exits (libvips must not be torn down mid-operation).
    if (job.kind === 'detect' && job.prepared) await job.prepared.catch(() => undefined);
    fail(job.id, new LoupeError('cancelled', 'the detector was closed before this image was processed'));
  }
  await model?.release();
  model = undefined;
  port.close();
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'close') {
    closing = true;
    if (!draining) void shutdown();
    return;
  }
  if (closing) {
    fail(msg.id, new LoupeError('cancelled', 'the detector is closing'));
    return;
  }
  queue.push(msg.type === 'detect' ? { kind: 'detect', id: msg.id, image: msg.image, params: msg.params } : { kind: 'latency', id: msg.id, runs: msg.runs, warmup: msg.warmup });
  void drain();
});

try {
  model = await loadModel(init.modelFile, init.load);
  post({ type: 'ready', info: model.info });
  void drain();
} catch (err) {
  post({ type: 'failed', error: { code: err instanceof LoupeError ? err.code : 'internal', message: messageOf(err) } });
  port.close();
}
