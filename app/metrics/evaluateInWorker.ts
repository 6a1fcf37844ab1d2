import os from 'node:os';
import { LoupeError } from '../domain/errors.ts';
import { bundledWorker } from '../jobs/bundledWorker.ts';
import { runInWorker, type WorkerOptions } from '../jobs/runInWorker.ts';
import type { EvalWorkerData, EvalWorkerPart, EvalWorkerResult } from './evalProtocol.ts';
import { mergeSliceParts } from './sliceEval.ts';
import { sliceReport } from './slices.ts';

export type { WorkerOptions };

export interface EvalWorkerOptions extends WorkerOptions {
  /** The project's class ids, to share among the workers; without them (or with `workers` 1) one worker evaluates every class. */
  classIds?: readonly number[];
  /** How many workers (default one per core, never more than there are classes). */
  workers?: number;
}

/** Class ids dealt round-robin into `n` shares (classes in a project have similar numbers of boxes more often than not). */
export function shareClasses(classIds: readonly number[], n: number): number[][] {
  const shares: number[][] = Array.from({ length: n }, () => []);
  classIds.forEach((id, i) => shares[i % n].push(id));
  return shares.filter((s) => s.length > 0);
}

/**
 * Evaluate a run against a reference in worker threads that read the project
 * file themselves (evalWorker.ts), one per share of the classes; their parts
 * are merged here column by column (exact: classes are independent) and the
 * report is summarized slice by slice with a turn of the event loop between.
 * Workers that read different snapshots (the project changed between their
 * reads) are run again once as a single worker. Progress summed over the
 * workers, cancel at once (every worker stops).
 */
export async function evaluateInWorker(data: EvalWorkerData, opts: EvalWorkerOptions = {}): Promise<EvalWorkerResult> {
  const source = new URL('./evalWorker.ts', import.meta.url);
  const file = opts.workerFile ?? (await bundledWorker(source)) ?? source;
  const n = Math.min(opts.workers ?? Math.max(1, os.availableParallelism()), opts.classIds?.length ?? 1);
  const shares = opts.classIds && n > 1 ? shareClasses(opts.classIds, n) : [undefined];
  let parts = await runShares(data, shares, file, opts);
  if (parts.some((p) => p.fingerprint !== parts[0].fingerprint) || !coversAll(parts)) parts = await runShares(data, [undefined], file, opts);
  const first = parts[0];
  const runs: SlicePartsOfRun[] = first.parts.map((_, r) =>
    parts.length === 1 ? first.parts[r] : mergeSliceParts(parts.map((p) => p.parts[r]), parts.map((p) => p.categories), first.classIds),
  );
  const reports = [];
  for (const run of runs) {
    await turn();
    reports.push(sliceReport(run, first.classIds, first.evaluated, first.slices, first.keysSkipped));
  }
  return { report: reports[0], ...(reports[1] ? { other: reports[1] } : {}), reviewed: first.reviewed, evaluated: first.evaluated };
}

type SlicePartsOfRun = EvalWorkerPart['parts'][number];

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether the workers' shares together are every class they read. */
function coversAll(parts: EvalWorkerPart[]): boolean {
  const got = new Set(parts.flatMap((p) => p.categories));
  return parts[0].classIds.every((id) => got.has(id));
}

async function runShares(data: EvalWorkerData, shares: (number[] | undefined)[], file: URL, opts: WorkerOptions): Promise<EvalWorkerPart[]> {
  if (shares.length === 1) return [await runInWorker<EvalWorkerData, EvalWorkerPart>('Evaluation', file, { ...data, ...(shares[0] ? { categories: shares[0] } : {}) }, { ...opts, workerFile: file })];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (opts.signal?.aborted) stop.abort();
  opts.signal?.addEventListener('abort', onAbort);
  const done = new Array<number>(shares.length).fill(0);
  const totals = new Array<number | null>(shares.length).fill(null);
  let said = '';
  const progress = (k: number, d: number, total: number, message?: string) => {
    done[k] = d;
    totals[k] = total;
    if (message) said = message;
    if (totals.some((x) => x === null)) return;
    opts.progress?.(done.reduce((s, x) => s + x, 0), totals.reduce<number>((s, x) => s + x!, 0), message ? said : '');
  };
  let firstError: unknown = null;
  const runs = shares.map((categories, k) =>
    runInWorker<EvalWorkerData, EvalWorkerPart>('Evaluation', file, { ...data, categories }, { workerFile: file, signal: stop.signal, progress: (d, t, m) => progress(k, d, t, m) }).catch((err: unknown) => {
      firstError ??= err;
      stop.abort();
      throw err;
    }),
  );
  for (const r of runs) r.catch(() => undefined);
  try {
    return await Promise.all(runs);
  } catch (err) {
    if (opts.signal?.aborted) throw new LoupeError('cancelled', 'Evaluation cancelled.');
    throw firstError ?? err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
