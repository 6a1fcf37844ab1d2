import type { MergeResult } from '../contract/jobResults.ts';
import { LoupeError } from '../domain/errors.ts';
import type { JobContext } from '../jobs/JobRunner.ts';
import { consensusMerge, defaultQuorum } from '../metrics/agreement/index.ts';
import { checkQuorum } from '../metrics/agreement/consensus.ts';
import { checkThreshold } from '../metrics/agreement/match.ts';
import { agreementRepo, CONSENSUS_NAME } from '../store/AgreementRepo.ts';
import type { AnnotatorRow } from '../store/AnnotatorRepo.ts';
import type { Project } from '../store/Project.ts';
import { checkLead, ensureConsensusAuthor, writeResolution } from './resolve.ts';

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
 */
export async function mergeAllJob(
  project: Project,
  opts: MergeParams,
  ctx?: Pick<JobContext, 'signal' | 'progress'>,
  tuning: { sliceMs?: number } = {},
): Promise<MergeResult> {
  const t0 = performance.now();
  const { shared } = checkMerge(project, opts);
  const iou = opts.iou ?? 0.5;
  const repo = agreementRepo(project.db);
  const first = repo.consensusAuthor();
  const resolvedBefore = first ? repo.resolvedImages(first.id) : new Set<number>();
  const todo = repo.sharedImageIds().filter((id) => !resolvedBefore.has(id));
  let author: AnnotatorRow | undefined = first;
  let merged = 0;
  let boxes = 0;
  let k = 0;
  ctx?.progress(0, todo.length, 'merging');
  while (k < todo.length) {
    if (ctx?.signal?.aborted) {
      throw new LoupeError('cancelled', `Consensus merge cancelled after ${merged} of ${todo.length} images; those are merged (each one undoable edit) and the rest are as they were. Run it again to merge the rest.`);
    }
    const until = performance.now() + (tuning.sliceMs ?? SLICE_MS);
    project.db.transaction(() => {
      author ??= ensureConsensusAuthor(project);
      do {
        const imageId = todo[k++];
        // Other work may have landed between slices: a resolution by the lead, a done mark taken back.
        if (repo.isResolved(imageId, author.id)) continue;
        const byPerson = repo.peopleOn(imageId);
        if (byPerson.size < 2) continue;
        const quorum = opts.quorum ?? defaultQuorum(byPerson.size);
        const chosen = consensusMerge(byPerson, iou, quorum);
        writeResolution(project, imageId, author, chosen.map((c) => ({ box: c.box, classId: c.classId, source: c.box.id })), { by: 'consensus', iou, quorum });
        merged++;
        boxes += chosen.length;
      } while (k < todo.length && performance.now() < until);
    })();
    ctx?.progress(k, todo.length, 'merging');
    await yieldToHost();
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
