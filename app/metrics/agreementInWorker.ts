import { runInWorker, type WorkerOptions } from '../jobs/runInWorker.ts';
import type { AgreementReport } from './agreement/index.ts';
import type { AgreementWorkerData } from './agreementProtocol.ts';

export type AgreementWorkerOptions = WorkerOptions;

/**
 * Compute the project's agreement report in a worker thread that reads the
 * project file itself (agreementWorker.ts); progress every few hundred images, cancel at once.
 */
export function agreementInWorker(data: AgreementWorkerData, opts: AgreementWorkerOptions = {}): Promise<AgreementReport> {
  return runInWorker<AgreementWorkerData, AgreementReport>('Agreement report', new URL('./agreementWorker.ts', import.meta.url), data, opts);
}
