import { bundledWorker } from '../jobs/bundledWorker.ts';
import { runInWorker, type WorkerOptions } from '../jobs/runInWorker.ts';
import { AgreementAccumulator, type AgreementPart, type AgreementReport } from './agreement/index.ts';
import type { AgreementWorkerData } from './agreementProtocol.ts';

export interface AgreementWorkerOptions extends WorkerOptions {
  /**
   * Image ids that split the work over one worker per range (see AgreementRepo.sharedCuts);
   * none or empty: one worker.
   */
  cuts?: readonly number[];
}

/**
 * Compute the project's agreement report in worker threads that read the project
 * file themselves (agreementWorker.ts): one, or one per range between `cuts`, whose
 * parts are merged here into the report one worker would give. Progress every few
 * hundred images (summed over the workers), cancel at once (every worker stops);
 * when one worker fails the others are stopped. Without a bundled worker file, the
 * TypeScript one is bundled first (bundledWorker.ts), so each worker starts quickly.
 */
export async function agreementInWorker(data: AgreementWorkerData, opts: AgreementWorkerOptions = {}): Promise<AgreementReport> {
  const source = new URL('./agreementWorker.ts', import.meta.url);
  const file = opts.workerFile ?? (await bundledWorker(source)) ?? source;
  const cuts = opts.cuts ?? [];
  if (cuts.length === 0) return runInWorker<AgreementWorkerData, AgreementReport>('Agreement report', file, data, { ...opts, workerFile: file });
  const bounds = [-Infinity, ...cuts, Infinity];
  const n = bounds.length - 1;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (opts.signal?.aborted) stop.abort();
  opts.signal?.addEventListener('abort', onAbort);
  const done = new Array<number>(n).fill(0);
  const totals = new Array<number | null>(n).fill(null);
  let started = false;
  const progress = (k: number, d: number, total: number) => {
    done[k] = d;
    totals[k] = total;
    // the sum is only shown once every worker has counted its images
    if (totals.some((x) => x === null)) return;
    const all = totals.reduce<number>((s, x) => s + x!, 0);
    const message = started ? '' : `comparing ${all} image${all === 1 ? '' : 's'}`;
    started = true;
    opts.progress?.(done.reduce((s, x) => s + x, 0), all, message);
  };
  let firstError: unknown = null;
  const runs = bounds.slice(1).map((to, k) =>
    runInWorker<AgreementWorkerData, AgreementPart>('Agreement report', file, { ...data, range: { from: bounds[k], to } }, {
      workerFile: file,
      signal: stop.signal,
      progress: (d, total) => progress(k, d, total),
    }).catch((err: unknown) => {
      firstError ??= err;
      stop.abort();
      throw err;
    }),
  );
  // each is awaited below; until then its failure is recorded in firstError, not unhandled
  for (const r of runs) r.catch(() => undefined);
  try {
    // merged in range order as they arrive, a turn of the event loop between steps of a few thousand images
    const acc = new AgreementAccumulator(data.iou, { quorum: data.quorum });
    for (const r of runs) {
      for (const step of acc.mergeSteps(await r)) {
        void step;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return acc.report();
  } catch (err) {
    // the worker that failed first, not the others it stopped
    throw firstError ?? err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
