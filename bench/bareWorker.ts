/**
 * One session of the bare-model baseline in bench/prelabel.ts, in its own
 * thread like a DetectorPool worker: load the model, prepare every image's
 * tensor up front, then on each 'go' run session.run on images taken from a
 * counter shared by all the baseline's threads, until none is left.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel, type Prepared } from '../app/inference/index.ts';

interface Init {
  modelFile: string;
  threads: number;
  files: string[];
  /** Int32Array over a SharedArrayBuffer: [0] is the next image index. */
  counter: SharedArrayBuffer;
}

const port = parentPort!;
const init = workerData as Init;
const next = new Int32Array(init.counter);
const model = await loadModel(init.modelFile, { intraOpThreads: init.threads });
const prepared: Prepared[] = [];
for (const f of init.files) prepared.push(await model.prepare(f));
for (let i = 0; i < 5; i++) await model.run(prepared[i % prepared.length].input);
port.postMessage({ type: 'ready' });

// Each 'go' is one timed pass; the parent terminates the thread when done.
port.on('message', async () => {
  let runs = 0;
  for (;;) {
    const i = Atomics.add(next, 0, 1);
    if (i >= prepared.length) break;
    await model.run(prepared[i].input);
    runs++;
  }
  port.postMessage({ type: 'done', runs });
});
