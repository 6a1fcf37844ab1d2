/**
 * Worker thread of an agreement report. It opens the project read-only with its
 * own connection and streams the done work of several people image by image
 * (AgreementRepo.sharedImages, one ordered pass) into the AgreementAccumulator,
 * so neither reading nor matching holds the host's event loop.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { AgreementRepo } from '../store/AgreementRepo.ts';
import { AgreementAccumulator } from './agreement/index.ts';
import type { AgreementWorkerData, FromAgreementWorker } from './agreementProtocol.ts';

const port = parentPort!;
const job = workerData as AgreementWorkerData;
const post = (msg: FromAgreementWorker) => port.postMessage(msg);

function run(): void {
  const db = new Database(job.file, { readonly: true, fileMustExist: true, nativeBinding: job.nativeBinding });
  try {
    db.pragma('busy_timeout = 5000');
    const repo = new AgreementRepo(db);
    // One read transaction, so the count and the pass see the same snapshot.
    db.exec('BEGIN');
    const total = repo.countShared();
    const every = Math.max(1, job.progressEvery ?? 500);
    post({ type: 'progress', done: 0, total, message: `comparing ${total} images` });
    const acc = new AgreementAccumulator(job.iou, job.quorum === undefined ? undefined : { quorum: job.quorum });
    let done = 0;
    for (const { imageId, byPerson } of repo.sharedImages()) {
      acc.addImage(imageId, byPerson);
      if (++done % every === 0) post({ type: 'progress', done, total, message: '' });
    }
    db.exec('COMMIT');
    post({ type: 'done', result: acc.report() });
  } finally {
    db.close();
  }
}

try {
  run();
} catch (err) {
  post({ type: 'error', code: err instanceof LoupeError ? err.code : null, message: messageOf(err) });
}
