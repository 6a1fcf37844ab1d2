/**
 * Worker thread of an evaluation: the slice report over boxes packed into
 * columns, so a project-wide evaluation never holds the host's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf } from '../domain/errors.ts';
import { unpackBoxes, type EvalWorkerData, type FromEvalWorker } from './evalProtocol.ts';
import { evaluateSlices } from './slices.ts';

const port = parentPort!;
const job = workerData as EvalWorkerData;
const post = (msg: FromEvalWorker) => port.postMessage(msg);

evaluateSlices(new Map(job.metadata), job.classIds, unpackBoxes(job.reference), unpackBoxes(job.detections), {
  maxValues: job.maxValues,
  progress: (done, total) => post({ type: 'progress', done, total }),
})
  .then((report) => post({ type: 'done', report }))
  .catch((err: unknown) => post({ type: 'error', message: messageOf(err) }));
