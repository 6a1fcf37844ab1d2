/**
 * Worker thread of an agreement report. It opens the project read-only with its
 * own connection and streams the done work of several people image by image
 * (AgreementRepo.sharedImagesBetween, in id order) into the AgreementAccumulator,
 * so neither reading nor matching holds the host's event loop. Given a range, it
 * reads only those images and gives its mergeable part instead of the report.
 */
import { readOnlyWorker } from '../jobs/readOnlyWorker.ts';
import { AgreementRepo } from '../store/AgreementRepo.ts';
import { AgreementAccumulator, type AgreementPart, type AgreementReport } from './agreement/index.ts';
import type { AgreementWorkerData } from './agreementProtocol.ts';

readOnlyWorker<AgreementWorkerData, AgreementReport | AgreementPart>((db, job, progress) => {
  const repo = new AgreementRepo(db);
  const from = job.range?.from ?? -Infinity;
  const to = job.range?.to ?? Infinity;
  // One read transaction, so the count and the pass see the same snapshot.
  db.exec('BEGIN');
  const total = repo.countSharedBetween(from, to);
  const every = Math.max(1, job.progressEvery ?? 500);
  progress(0, total, `comparing ${total} image${total === 1 ? '' : 's'}`);
  const acc = new AgreementAccumulator(job.iou, { quorum: job.quorum, mergeable: job.range !== undefined });
  let done = 0;
  for (const { imageId, byPerson } of repo.sharedImagesBetween(from, to)) {
    acc.addImage(imageId, byPerson);
    if (++done % every === 0) progress(done, total, '');
  }
  db.exec('COMMIT');
  return job.range ? acc.part() : acc.report();
});
