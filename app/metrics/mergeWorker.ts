/**
 * Worker thread of the project-wide consensus merge. It opens the project read-only with
 * its own connection, reads the done work of every image to merge in one snapshot and
 * index order (MergeRepo.peopleIn), clusters each image and posts the consensus boxes in
 * batches, each image with the fingerprint of what it read, while the host writes them.
 *
 * It also keeps the write-ahead log from growing without end: the host turns its automatic
 * checkpoints off while it merges (a checkpoint inside one of its commits would hold its
 * event loop), so this worker copies the log into the database file with passive
 * checkpoints on a second connection (they change no content and never wait for the host)
 * once its read is done (while it reads they would slow it, and could not copy the frames
 * written after its snapshot anyway), until the host says it is done.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { MergeRepo } from '../store/MergeRepo.ts';
import { consensusMerge, defaultQuorum } from './agreement/index.ts';
import { addedJson, inputFingerprint, packMerged, type FromMergeWorker, type MergedImage, type MergeWorkerData, type ToMergeWorker } from './mergeProtocol.ts';

/** Images in the first batch, so the host starts writing early. */
const FIRST_BATCH = 16;
/** How often the worker checkpoints after its read. */
const CHECKPOINT_MS = 25;

const port = parentPort!;
const job = workerData as MergeWorkerData;
const post = (m: FromMergeWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

function fail(err: unknown): void {
  post({ type: 'error', code: err instanceof LoupeError ? err.code : null, message: messageOf(err) });
}

/** A passive checkpoint at most every CHECKPOINT_MS; errors are left for the next try. */
function checkpointer(repo: MergeRepo): (force?: boolean) => boolean {
  let last = 0;
  return (force = false) => {
    const now = performance.now();
    if (!force && now - last < CHECKPOINT_MS) return false;
    last = now;
    try {
      return repo.checkpointPassive();
    } catch {
      return false;
    }
  };
}

/** Read and cluster every image of job.imageIds, posting batches; returns how many images were posted. */
function readAndCluster(): number {
  const db = new Database(job.file, { readonly: true, fileMustExist: true, nativeBinding: job.nativeBinding });
  try {
    db.pragma('busy_timeout = 5000');
    const repo = new MergeRepo(db);
    const ids = job.imageIds;
    if (ids.length === 0) return 0;
    const every = Math.max(1, job.batch ?? 256);
    let batch: MergedImage[] = [];
    let limit = Math.min(FIRST_BATCH, every);
    let posted = 0;
    const flush = () => {
      const data = packMerged(batch);
      post({ type: 'batch', data, added: batch.map((m) => addedJson(m.boxes)) }, [data.buffer as ArrayBuffer]);
      posted += batch.length;
      batch = [];
      limit = every;
    };
    // Each batch is read in its own read transaction, so no snapshot outlives a batch and
    // the log can be checkpointed behind it. Every snapshot is taken after the host's change
    // mark, and the merge's own writes (the consensus author's) are not part of what is read.
    for (let k = 0; k < ids.length; ) {
      if (job.stop && Atomics.load(job.stop, 0) !== 0) break;
      const lo = ids[k];
      const hi = ids[Math.min(ids.length, k + limit) - 1];
      db.exec('BEGIN');
      for (const { imageId, byPerson } of repo.peopleIn(lo, hi)) {
        while (k < ids.length && ids[k] < imageId) k++;
        if (k === ids.length) break;
        if (ids[k] !== imageId) continue;
        k++;
        const quorum = job.quorum ?? defaultQuorum(byPerson.size);
        const chosen = consensusMerge(byPerson, job.iou, quorum);
        batch.push({ imageId, fingerprint: inputFingerprint(byPerson), quorum, boxes: chosen.map((c) => ({ box: c.box, classId: c.classId, source: c.box.id })) });
      }
      db.exec('COMMIT');
      while (k < ids.length && ids[k] <= hi) k++;
      flush();
    }
    return posted;
  } finally {
    db.close();
  }
}

/** How long the last checkpoint may wait for a write of the host to end. */
const TRUNCATE_WAIT_MS = 200;

/** Checkpoint now and then until the host finishes, then once more, and stop. */
function checkpointUntilFinished(db: Database.Database, repo: MergeRepo, checkpoint: (force?: boolean) => boolean): void {
  const truncate = () => {
    try {
      return repo.checkpointTruncate(TRUNCATE_WAIT_MS);
    } catch {
      return false;
    }
  };
  const timer = setInterval(() => checkpoint(), CHECKPOINT_MS);
  port.on('message', (m: ToMergeWorker) => {
    if (m.type !== 'finish') return;
    clearInterval(timer);
    // The log grew while the host's checkpoints were off: copy the rest and cut it back.
    const complete = checkpoint(true) && truncate();
    db.close();
    post({ type: 'checkpointed', complete });
    port.close();
  });
}

try {
  const db = new Database(job.file, { fileMustExist: true, nativeBinding: job.nativeBinding });
  try {
    const repo = new MergeRepo(db);
    const checkpoint = checkpointer(repo);
    const images = readAndCluster();
    post({ type: 'read', images });
    checkpointUntilFinished(db, repo, checkpoint);
  } catch (err) {
    db.close();
    throw err;
  }
} catch (err) {
  fail(err);
}
