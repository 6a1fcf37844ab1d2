import type { MergeResult } from '../contract/jobResults.ts';
import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { consensusMerge, defaultQuorum, type ABox } from '../metrics/agreement/index.ts';
import { checkQuorum } from '../metrics/agreement/consensus.ts';
import { checkThreshold } from '../metrics/agreement/match.ts';
import { MergeFeed } from '../metrics/mergeInWorker.ts';
import { inputFingerprint, type MergedImage } from '../metrics/mergeProtocol.ts';
import { agreementRepo, CONSENSUS_NAME } from '../store/AgreementRepo.ts';
import type { AnnotatorRow } from '../store/AnnotatorRepo.ts';
import { mergeRepo, type MergeRepo } from '../store/MergeRepo.ts';
import type { Project } from '../store/Project.ts';
import { checkLead, ensureConsensusAuthor, writeMergedResolution, writeResolution } from './resolve.ts';

/** The parameters of a project-wide consensus merge (defaults: IoU 0.5, quorum half of each image's people rounded up). */
export interface MergeParams {
  iou?: number;
  quorum?: number;
}

/** How long one write transaction may hold the host's thread before the merge yields to it. */
const SLICE_MS = 15;

const yieldToHost = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Check the parameters, the role and that some image has two or more people's done work; returns how many such images there are. */
export function checkMerge(project: Project, opts: MergeParams): { shared: number } {
  checkLead(project);
  checkThreshold(opts.iou ?? 0.5);
  if (opts.quorum !== undefined) checkQuorum(opts.quorum);
  const shared = agreementRepo(project.db).countShared();
  if (shared === 0) {
    throw new LoupeError('bad_request', 'No image has done work from two or more people, so there is nothing to merge; nothing was written.');
  }
  return { shared };
}

/** How the merge runs: where the host finds the worker, and knobs for tests and benchmarks (the defaults are what the job uses). */
export interface MergeTuning {
  /** How long one write transaction may run before yielding (default SLICE_MS; 0 = one image each). */
  sliceMs?: number;
  /** Merges of at least this many images read and cluster in a worker thread (default WORKER_FROM). */
  workerFrom?: number;
  /** While the worker is behind, the host merges images from the back itself (default true); false waits for the worker. */
  hostWhileWaiting?: boolean;
  /** The worker module, for hosts that bundle it. */
  workerFile?: URL;
  /** better-sqlite3's native binding when the host runs another runtime (Electron). */
  nativeBinding?: string;
  /** Filled in as the merge goes: where each merged image's consensus came from. */
  stats?: MergeStats;
}

/** Where each merged image's consensus came from. */
export interface MergeStats {
  /** Taken from the worker as it read it (nothing was written to the project since). */
  fromWorker: number;
  /** Taken from the worker after reading the image again on the host and finding it as the worker had. */
  checked: number;
  /** Read and clustered on the host: without a worker, while the worker was behind, or because the image changed after the worker read it. */
  onHost: number;
}

/** Below this many images the worker's start costs more than it saves. */
const WORKER_FROM = 200;
/** How many images the host reads in one query when it reads them itself. */
const RECHECK_AHEAD = 16;

/**
 * Merge every image two or more people marked done and nobody resolved into the
 * consensus author's boxes and done mark, each image one undoable edit of the current
 * person (the lead). An image the consensus author already has boxes or a done mark on is
 * never touched, so running it again changes nothing.
 *
 * The work is done in short write transactions (about SLICE_MS each) with the host's
 * event loop served between them. Each image is merged whole or not at all, so a cancel
 * or a killed process leaves every image either merged or as it was; running the merge
 * again finishes the rest.
 *
 * A large merge reads and clusters in a worker (mergeWorker.ts) while the host only
 * writes. The worker reads one snapshot taken after the host noted the project's change
 * mark (MergeRepo.changeMark); each write transaction checks the mark first. While it is
 * unchanged, nothing was written since the worker's read but the merge's own images, so
 * the worker's consensus stands. Once anything else was written (here or by another
 * process), every later image is read again inside its write transaction and its
 * fingerprint compared with the worker's; an image that differs, or that the worker did
 * not answer for, is clustered on the host.
 */
export async function mergeAllJob(
  project: Project,
  opts: MergeParams,
  ctx?: Pick<JobContext, 'signal' | 'progress'>,
  tuning: MergeTuning = {},
): Promise<MergeResult> {
  const t0 = performance.now();
  await yieldToHost();
  const { shared } = checkMerge(project, opts);
  const iou = opts.iou ?? 0.5;
  const repo = agreementRepo(project.db);
  const merges = mergeRepo(project.db);
  const stats = tuning.stats ?? { fromWorker: 0, checked: 0, onHost: 0 };
  // Each of the queries that find the images to merge can take tens of milliseconds on a
  // large project, so the host is served between them. The mark is taken before the reads
  // it covers, so any write after it shows in the next check.
  await yieldToHost();
  let mark = merges.changeMark();
  const first = repo.consensusAuthor();
  const resolvedBefore = first ? repo.resolvedImages(first.id) : new Set<number>();
  if (first) {
    await yieldToHost();
    // A write while the host was served could have resolved more images: then every image is checked in its slice.
    if (merges.changeMark() !== mark) mark = '';
  }
  const todo = repo.sharedImageIds().filter((id) => !resolvedBefore.has(id));
  let author: AnnotatorRow | undefined = first;
  let merged = 0;
  let boxes = 0;
  // todo[k..end) are still to merge: the worker's answers from the front, and from the back
  // whatever the host merges on its own while the worker is behind (as when it starts).
  let k = 0;
  let end = todo.length;
  const sliceMs = tuning.sliceMs ?? SLICE_MS;
  const feed =
    todo.length > 0 && todo.length >= (tuning.workerFrom ?? WORKER_FROM)
      ? MergeFeed.start({ file: project.file, nativeBinding: tuning.nativeBinding, iou, quorum: opts.quorum, imageIds: Int32Array.from(todo) }, { workerFile: tuning.workerFile })
      : null;
  // Once the project changed under the worker's read, its answers are checked on the host.
  let recheck = false;
  let ahead = new Map<number, Map<number, ABox[]>>();

  /** Merge one image inside the slice's transaction; false when it was passed over. */
  const mergeOne = (imageId: number, at: number, backwards: boolean, fromWorker: MergedImage | undefined, consensus: AnnotatorRow): boolean => {
    let chosen: MergedImage['boxes'];
    let quorum: number;
    let worker: MergedImage | undefined;
    if (fromWorker && !recheck) {
      chosen = fromWorker.boxes;
      quorum = fromWorker.quorum;
      worker = fromWorker;
      stats.fromWorker++;
    } else {
      // Other work may have landed between slices: a resolution by the lead, a done mark taken back, a box moved.
      if (repo.isResolved(imageId, consensus.id)) return false;
      if (!ahead.has(imageId)) ahead = readAhead(merges, todo, at, backwards);
      const byPerson = ahead.get(imageId);
      if (!byPerson || byPerson.size < 2) return false;
      quorum = opts.quorum ?? defaultQuorum(byPerson.size);
      if (fromWorker && fromWorker.quorum === quorum && fromWorker.fingerprint === inputFingerprint(byPerson)) {
        chosen = fromWorker.boxes;
        worker = fromWorker;
        stats.checked++;
      } else {
        chosen = consensusMerge(byPerson, iou, quorum).map((c) => ({ box: c.box, classId: c.classId, source: c.box.id }));
        stats.onHost++;
      }
    }
    const resolution = { by: 'consensus' as const, iou, quorum };
    // The image is not resolved (nothing was written since the todo list, or isResolved said so), so it has no consensus boxes to replace.
    if (worker?.added !== undefined) writeMergedResolution(project, imageId, consensus, chosen, worker.added, resolution);
    else writeResolution(project, imageId, consensus, chosen, resolution);
    merged++;
    boxes += chosen.length;
    return true;
  };

  const autoCheckpoint = merges.autoCheckpoint();
  // The worker checkpoints instead, so no commit of a slice also copies the whole log.
  if (feed) merges.setAutoCheckpoint(0);
  try {
    ctx?.progress(0, todo.length, 'merging');
    while (k < end) {
      if (ctx?.signal?.aborted) {
        throw new LoupeError('cancelled', `Consensus merge cancelled after ${merged} of ${todo.length} images; those are merged (each one undoable edit) and the rest are as they were. Run it again to merge the rest.`);
      }
      if (feed && tuning.hostWhileWaiting === false) {
        while (!feed.ready(todo[k])) await feed.more();
      }
      const front = !feed || feed.ready(todo[k]);
      const until = performance.now() + sliceMs;
      project.db.transaction(() => {
        // First, before this slice writes anything itself.
        if (feed && merges.changeMark() !== mark) recheck = true;
        // What an earlier slice read ahead may have changed since.
        ahead = new Map();
        const consensus = (author ??= ensureConsensusAuthor(project));
        do {
          if (front) {
            const imageId = todo[k++];
            mergeOne(imageId, k - 1, false, feed?.take(imageId), consensus);
          } else {
            const imageId = todo[--end];
            mergeOne(imageId, end, true, undefined, consensus);
          }
        } while (k < end && performance.now() < until && (!feed || feed.ready(todo[k]) === front));
        if (feed) mark = merges.changeMark();
      })();
      ctx?.progress(k + todo.length - end, todo.length, 'merging');
      await yieldToHost();
    }
    if (feed) await feed.finish();
  } finally {
    if (feed) {
      feed.stop();
      if (project.db.open) merges.setAutoCheckpoint(autoCheckpoint);
    }
  }
  return {
    shared,
    merged,
    alreadyResolved: shared - merged,
    boxes,
    iou,
    quorum: opts.quorum ?? null,
    consensus: (author ?? repo.consensusAuthor())?.name ?? CONSENSUS_NAME,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The people and boxes of the next few images to merge from todo[at] on (or back from it), read in one query. */
function readAhead(merges: MergeRepo, todo: readonly number[], at: number, backwards: boolean): Map<number, Map<number, ABox[]>> {
  const lo = backwards ? Math.max(0, at - RECHECK_AHEAD + 1) : at;
  const hi = backwards ? at : Math.min(todo.length, at + RECHECK_AHEAD) - 1;
  const out = new Map<number, Map<number, ABox[]>>();
  for (const { imageId, byPerson } of merges.peopleIn(todo[lo], todo[hi])) out.set(imageId, byPerson);
  return out;
}
