import type { Statement } from 'better-sqlite3';
import type { BoxState } from '../domain/box.ts';
import type { ABox } from '../metrics/agreement/index.ts';
import type { PeopleOnImage } from './AgreementRepo.ts';
import type { Db } from './openDatabase.ts';
import { perConnection, StatementCache } from './perConnection.ts';

/** One consensus box to insert: a new id, the class and place, and the person's box it came from. */
export type ResolutionBoxRow = BoxState & { sourceBoxId: number };

/** The largest multi-row INSERT of resolution boxes (9 parameters a row). */
const CHUNK = 64;

/** Rows per statement when inserting n rows: CHUNK while more remain, then the rest in one (at most CHUNK statements are ever prepared). */
export function insertChunks(n: number): number[] {
  const out: number[] = [];
  for (; n > CHUNK; n -= CHUNK) out.push(CHUNK);
  if (n > 0) out.push(n);
  return out;
}

/**
 * What the project-wide consensus merge reads and writes besides AgreementRepo: the done
 * work of several people over a range of images in index order (read by the merge worker
 * on its read-only connection, and by the host to check an image again), the consensus
 * author's new boxes in multi-row inserts, a mark that changes whenever anything is
 * written to the file, and the WAL checkpoint settings the merge changes while it runs.
 * Read statements are prepared at construction; write statements on first use.
 */
export class MergeRepo {
  private readonly sDone;
  private readonly sBoxes;
  private readonly sBoxCounts;
  private readonly sTotalChanges;
  private readonly sDataVersion;
  private readonly writes: StatementCache;

  constructor(private readonly db: Db) {
    this.writes = new StatementCache(db);
    this.sDone = db
      .prepare<[number, number], [number, number]>(
        `SELECT s.image_id, s.annotator_id FROM assignments s JOIN annotators n ON n.id = s.annotator_id
         WHERE s.image_id BETWEEN ? AND ? AND s.status = 'done' AND n.kind = 'human' ORDER BY s.image_id, s.annotator_id`,
      )
      .raw();
    // boxes_by_image holds (image_id, annotator_id, rowid), so both orders need no sort: the
    // boxes without their image and author, and how many each (image, author) has, in step.
    this.sBoxes = db
      .prepare<[number, number], [number, number, number, number, number, number]>(
        `SELECT id, class_id, x, y, w, h FROM boxes INDEXED BY boxes_by_image
         WHERE image_id BETWEEN ? AND ? AND model_run_id IS NULL ORDER BY image_id, annotator_id, id`,
      )
      .raw();
    this.sBoxCounts = db
      .prepare<[number, number], [number, number, number]>(
        `SELECT image_id, annotator_id, count(*) FROM boxes INDEXED BY boxes_by_image
         WHERE image_id BETWEEN ? AND ? AND model_run_id IS NULL GROUP BY image_id, annotator_id ORDER BY image_id, annotator_id`,
      )
      .raw();
    this.sTotalChanges = db.prepare<[], number>('SELECT total_changes()').pluck();
    this.sDataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  /**
   * Every image with id in [lo, hi] that two or more people (humans) marked done, ascending,
   * with each such person's boxes there in id order (possibly none): the same images and
   * lists as AgreementRepo.sharedImages and peopleOn, read in two ordered index passes.
   * Call it inside a transaction, so both passes read the same snapshot.
   */
  *peopleIn(lo: number, hi: number): Generator<PeopleOnImage> {
    // The lists are read whole (faster than row by row), so callers keep ranges short.
    const done = this.sDone.all(lo, hi);
    const counts = this.sBoxCounts.all(lo, hi);
    const rows = this.sBoxes.all(lo, hi);
    let c = 0; // the next (image, author, n) group
    let r = 0; // its first box
    for (let d = 0; d < done.length; ) {
      const image = done[d][0];
      let e = d;
      while (e < done.length && done[e][0] === image) e++;
      if (e - d >= 2) {
        const byPerson = new Map<number, ABox[]>();
        for (let i = d; i < e; i++) {
          const a = done[i][1];
          // groups of earlier images, or of people who did not mark this one done, are passed over
          while (c < counts.length && (counts[c][0] < image || (counts[c][0] === image && counts[c][1] < a))) r += counts[c++][2];
          const list: ABox[] = [];
          if (c < counts.length && counts[c][0] === image && counts[c][1] === a) {
            for (const end = r + counts[c++][2]; r < end; r++) {
              const [id, classId, x, y, w, h] = rows[r];
              list.push({ id, classId, x, y, w, h });
            }
          }
          byPerson.set(a, list);
        }
        yield { imageId: image, byPerson };
      }
      d = e;
    }
  }

  /**
   * A value that differs after anything was written to the file since it was taken: by
   * another connection (PRAGMA data_version) or by this one (total_changes(), which the
   * caller takes again after its own writes).
   */
  changeMark(): string {
    return `${this.sDataVersion.get()!}:${this.sTotalChanges.get()!}`;
  }

  /** The id the next box gets (what AUTOINCREMENT would give it); inside the write transaction that inserts it. */
  nextBoxId(): number {
    const s = this.writes.get(
      'nextId',
      `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'boxes'), 0), coalesce((SELECT max(id) FROM boxes), 0)) + 1`,
    );
    return s.pluck().get() as number;
  }

  /** Insert an author's own boxes (provenance accepted, no model run, no score) on an image, with their given ids. */
  insertResolutionBoxes(imageId: number, annotatorId: number, rows: readonly ResolutionBoxRow[]): void {
    let at = 0;
    for (const n of insertChunks(rows.length)) {
      const params: number[] = [];
      for (let i = at; i < at + n; i++) {
        const r = rows[i];
        params.push(r.id, imageId, annotatorId, r.classId, r.x, r.y, r.w, r.h, r.sourceBoxId);
      }
      this.insertStatement(n).run(params);
      at += n;
    }
  }

  /** The connection's automatic checkpoint threshold in pages (0 = off). */
  autoCheckpoint(): number {
    return this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
  }

  /** Set the automatic checkpoint threshold of this connection (0 turns it off). */
  setAutoCheckpoint(pages: number): void {
    this.db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.trunc(pages))}`);
  }

  /** Copy what it can of the WAL into the database file without waiting for readers or writers; true when all of it was copied. */
  checkpointPassive(): boolean {
    const [r] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    return r.busy === 0 && r.log === r.checkpointed;
  }

  /**
   * Copy the rest of the WAL and cut the file back to nothing, waiting up to busyMs for the
   * writer; true when it did. Run after a passive checkpoint, there is little left to copy.
   */
  checkpointTruncate(busyMs: number): boolean {
    const before = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyMs))}`);
    try {
      const [r] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      return r.busy === 0;
    } finally {
      this.db.pragma(`busy_timeout = ${before}`);
    }
  }

  private insertStatement(n: number): Statement {
    const key = `insert${n}`;
    const s = this.writes.peek(key);
    if (s) return s;
    const values = Array.from({ length: n }, () => "(?, ?, ?, NULL, ?, ?, ?, ?, ?, NULL, 'accepted', ?)").join(', ');
    return this.writes.get(key, `INSERT INTO boxes (id, image_id, annotator_id, model_run_id, class_id, x, y, w, h, score, provenance, source_box_id) VALUES ${values}`);
  }

}

/** The MergeRepo of a connection, made once. */
export const mergeRepo = perConnection((db) => new MergeRepo(db));
