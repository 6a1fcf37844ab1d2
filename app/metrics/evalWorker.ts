/**
 * Worker thread of an evaluation. It opens the project read-only with its own
 * connection, reads one snapshot and computes the slice report, so neither
 * reading a million boxes nor evaluating them holds the host's event loop.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { readEvaluationInput } from '../services/evaluationInput.ts';
import type { EvalWorkerData, FromEvalWorker } from './evalProtocol.ts';
import { evaluateSlices } from './slices.ts';

const port = parentPort!;
const job = workerData as EvalWorkerData;
const post = (msg: FromEvalWorker) => port.postMessage(msg);

function run(): void {
  const db = new Database(job.file, { readonly: true, fileMustExist: true, nativeBinding: job.nativeBinding });
  try {
    db.pragma('busy_timeout = 5000');
    post({ type: 'progress', done: 0, total: 1, message: 'reading the project' });
    const input = readEvaluationInput(db, job);
    post({ type: 'progress', done: 0, total: 1, message: `evaluating ${input.metadata.size} images` });
    const report = evaluateSlices(input.metadata, input.classIds, input.reference, input.detections, {
      maxValues: job.maxValues,
      progress: (done, total) => post({ type: 'progress', done, total, message: '' }),
    });
    post({ type: 'done', result: { report, reviewed: input.reviewed, evaluated: input.metadata.size } });
  } finally {
    db.close();
  }
}

try {
  run();
} catch (err) {
  post({ type: 'error', code: err instanceof LoupeError ? err.code : null, message: messageOf(err) });
}
