/**
 * Worker thread of an agreement report. It opens the project read-only with its
 * own connection and streams the done work of several people image by image
 * (AgreementRepo.sharedImages, one ordered pass) into the AgreementAccumulator,
 * so neither reading nor matching holds the host's event loop.
 */
import { readOnlyWorker } from '../jobs/readOnlyWorker.ts';
import { AgreementRepo } from '../store/AgreementRepo.ts';
import { AgreementAccumulator, type AgreementReport } from './agreement/index.ts';
import type { AgreementWorkerData } from './agreementProtocol.ts';

readOnlyWorker<AgreementWorkerData, AgreementReport>((db, job, progress) => {
  const repo = new AgreementRepo(db);
  // One read transaction, so the count and the pass see the same snapshot.
  db.exec('BEGIN');
  const total = repo.countShared();
  const every = Math.max(1, job.progressEvery ?? 500);
  progress(0, total, `comparing ${total} image${total === 1 ? '' : 's'}`);
  const acc = new AgreementAccumulator(job.iou, job.quorum === undefined ? undefined : { quorum: job.quorum });
  let done = 0;
  for (const { imageId, byPerson } of repo.sharedImages()) {
    acc.addImage(imageId, byPerson);
    if (++done % every === 0) progress(done, total, '');
  }
  db.exec('COMMIT');
  return acc.report();
});
