import type { ABox } from '../metrics/agreement/index.ts';
import type { AnnotatorRow } from './AnnotatorRepo.ts';
import type { AssignmentStatus } from './AssignmentRepo.ts';
import type { Db } from './openDatabase.ts';
import { perConnection, StatementCache } from './perConnection.ts';

/** One image's people for agreement: each human who marked it done, with their boxes there (possibly none). */
export interface PeopleOnImage {
  imageId: number;
  byPerson: Map<number, ABox[]>;
}

/** One row of image_agreement (migration 7). */
export interface ImageAgreementRow {
  imageId: number;
  agreement: number;
  people: number;
}

/** The people who count on an image: humans with a done mark there (review or import). */
const DONE = `SELECT s.image_id AS image_id, s.annotator_id AS annotator_id FROM assignments s
  JOIN annotators n ON n.id = s.annotator_id WHERE n.kind = 'human' AND s.status = 'done'`;
/** Images where two or more of them did. */
const MULTI = `SELECT image_id FROM (${DONE}) GROUP BY image_id HAVING count(*) >= 2`;

/** Rows per statement when image_agreement is written (5 parameters each, well under SQLite's limit). */
const INSERT_BATCH = 200;

/** The name the consensus author gets when a project has none yet. */
export const CONSENSUS_NAME = 'consensus';

/**
 * What agreement reads and writes: the done work of several people on the same
 * images, streamed image by image in one ordered pass, the image_agreement table,
 * and the consensus author (whose boxes and done mark are the lead's resolution).
 * Read statements are prepared at construction (a worker opens the file read-only);
 * write statements on first use.
 */
export class AgreementRepo {
  private readonly sStream;
  private readonly sCountMulti;
  private readonly sDoneOn;
  private readonly sBoxesOf;
  private readonly sConsensusAuthor;
  private readonly sDoneBetween;
  private readonly sImageBoxes;
  private readonly sResolved;
  private readonly writes: StatementCache;

  constructor(private readonly db: Db) {
    this.writes = new StatementCache(db);
    // Done marks (box columns NULL) sort before the boxes of the same person, so a person
    // with a done mark and no boxes is seen as "no boxes", not left out.
    this.sStream = db
      .prepare<[], [number, number, number | null, number | null, number | null, number | null, number | null, number | null]>(
        `WITH done AS (${DONE}), multi AS (${MULTI})
         SELECT d.image_id, d.annotator_id, NULL, NULL, NULL, NULL, NULL, NULL FROM done d WHERE d.image_id IN multi
         UNION ALL
         SELECT b.image_id, b.annotator_id, b.id, b.class_id, b.x, b.y, b.w, b.h FROM boxes b
           JOIN done d ON d.image_id = b.image_id AND d.annotator_id = b.annotator_id
           WHERE b.model_run_id IS NULL AND b.image_id IN multi
         ORDER BY 1, 2, 3`,
      )
      .raw();
    this.sCountMulti = db.prepare<[], number>(`SELECT count(*) FROM (${MULTI})`).pluck();
    this.sDoneOn = db.prepare<[number], number>(`SELECT annotator_id FROM (${DONE}) WHERE image_id = ? ORDER BY annotator_id`).pluck();
    this.sBoxesOf = db.prepare<[number, number], ABox>(
      'SELECT id, class_id AS classId, x, y, w, h FROM boxes WHERE image_id = ? AND annotator_id = ? AND model_run_id IS NULL ORDER BY id',
    );
    this.sDoneBetween = db
      .prepare<[number, number], [number, number]>(`SELECT image_id, annotator_id FROM (${DONE}) WHERE image_id >= ? AND image_id < ? ORDER BY image_id, annotator_id`)
      .raw();
    // boxes_by_image (image_id, annotator_id, rowid) gives the order without a sort
    this.sImageBoxes = db
      .prepare<[number], [number, number, number, number, number, number, number]>(
        'SELECT annotator_id, id, class_id, x, y, w, h FROM boxes INDEXED BY boxes_by_image WHERE image_id = ? AND model_run_id IS NULL ORDER BY annotator_id, id',
      )
      .raw();
    this.sConsensusAuthor = db.prepare<[], AnnotatorRow>(`SELECT id, name, kind FROM annotators WHERE kind = 'consensus' ORDER BY id LIMIT 1`);
    this.sResolved = db
      .prepare<[number, number], number>(
        `SELECT image_id FROM boxes WHERE annotator_id = ? UNION SELECT image_id FROM assignments WHERE annotator_id = ? AND status = 'done'`,
      )
      .pluck();
  }

  /** How many images two or more people marked done. */
  countShared(): number {
    return this.sCountMulti.get()!;
  }

  /** How many images with image_id in [from, to) two or more people marked done. */
  countSharedBetween(from: number, to: number): number {
    return this.writes.get(
      'countBetween',
      `SELECT count(*) FROM (SELECT image_id FROM (${DONE}) WHERE image_id >= ? AND image_id < ? GROUP BY image_id HAVING count(*) >= 2)`,
    )
      .pluck()
      .get(from, to) as number;
  }

  /** The ids of the images two or more people marked done, ascending. */
  sharedImageIds(): number[] {
    return this.writes.get('sharedIds', `${MULTI} ORDER BY image_id`).pluck().all() as number[];
  }

  /** True when the consensus author has boxes on the image or marked it done (it is resolved). */
  isResolved(imageId: number, consensusId: number): boolean {
    return (
      this.writes.get('isResolved', `SELECT EXISTS (SELECT 1 FROM boxes WHERE image_id = ? AND annotator_id = ?) OR EXISTS (SELECT 1 FROM assignments WHERE image_id = ? AND annotator_id = ? AND status = 'done')`)
        .pluck()
        .get(imageId, consensusId, imageId, consensusId) === 1
    );
  }

  /** Every image two or more people marked done, in id order, with each person's boxes there. */
  *sharedImages(): Generator<PeopleOnImage> {
    let cur: PeopleOnImage | null = null;
    for (const [imageId, annotatorId, id, classId, x, y, w, h] of this.sStream.iterate()) {
      if (!cur || cur.imageId !== imageId) {
        if (cur) yield cur;
        cur = { imageId, byPerson: new Map() };
      }
      let list = cur.byPerson.get(annotatorId);
      if (!list) cur.byPerson.set(annotatorId, (list = []));
      if (id !== null) list.push({ id, classId: classId!, x: x!, y: y!, w: w!, h: h! });
    }
    if (cur) yield cur;
  }

  /**
   * The images with image_id in [from, to) that two or more people marked done, in id
   * order, each person's boxes in box id order: the same as sharedImages() over that
   * range. The done marks are read in one pass and each image's boxes with one index
   * seek, which is much cheaper than sharedImages()'s sorted union; read inside one
   * transaction for one snapshot.
   */
  *sharedImagesBetween(from: number, to: number): Generator<PeopleOnImage> {
    const done = this.sDoneBetween.all(from, to);
    for (let i = 0; i < done.length; ) {
      const imageId = done[i][0];
      let j = i + 1;
      while (j < done.length && done[j][0] === imageId) j++;
      if (j - i >= 2) {
        const byPerson = new Map<number, ABox[]>();
        for (let k = i; k < j; k++) byPerson.set(done[k][1], []);
        for (const [annotatorId, id, classId, x, y, w, h] of this.sImageBoxes.all(imageId)) byPerson.get(annotatorId)?.push({ id, classId, x, y, w, h });
        yield { imageId, byPerson };
      }
      i = j;
    }
  }

  /**
   * Image ids that cut the done marks into ranges of about equal size, as many as
   * `minPerPart` marks each allow and at most `maxParts`: ascending, one fewer than the
   * ranges; range k is [cut[k − 1], cut[k]) with the ends open (±Infinity).
   */
  sharedCuts(maxParts: number, minPerPart: number): number[] {
    const n = this.writes.get('doneCount', `SELECT count(*) FROM (${DONE})`).pluck().get() as number;
    const parts = Math.max(1, Math.min(maxParts, Math.floor(n / minPerPart)));
    const at = this.writes.get('doneAt', `SELECT image_id FROM (${DONE}) ORDER BY image_id LIMIT 1 OFFSET ?`).pluck();
    const cuts: number[] = [];
    for (let k = 1; k < parts; k++) {
      const id = at.get(Math.floor((n * k) / parts)) as number | undefined;
      // a cut that repeats the last one (an image with many marks) would only make an empty range
      if (id !== undefined && (cuts.length === 0 || id > cuts[cuts.length - 1])) cuts.push(id);
    }
    return cuts;
  }

  /** The people who marked one image done (humans), ascending, with their boxes there. */
  peopleOn(imageId: number): Map<number, ABox[]> {
    const out = new Map<number, ABox[]>();
    for (const a of this.sDoneOn.all(imageId)) out.set(a, this.sBoxesOf.all(imageId, a));
    return out;
  }

  /** One author's own boxes (not predictions) on an image. */
  boxesOf(imageId: number, annotatorId: number): ABox[] {
    return this.sBoxesOf.all(imageId, annotatorId);
  }

  /** The project's consensus author, if it has one. */
  consensusAuthor(): AnnotatorRow | undefined {
    return this.sConsensusAuthor.get();
  }

  /** The images the consensus author has boxes on or marked done: the resolved ones. */
  resolvedImages(consensusId: number): Set<number> {
    return new Set(this.sResolved.all(consensusId, consensusId));
  }

  /**
   * Replace the whole image_agreement table with these rows (one transaction by the
   * caller). Rows go in INSERT_BATCH at a time, one statement run per batch rather than
   * per row, since this runs on the host's thread.
   */
  replaceImageAgreement(rows: readonly ImageAgreementRow[], iou: number, at: string): void {
    this.writes.get('clear', 'DELETE FROM image_agreement').run();
    const sql = (n: number) => `INSERT INTO image_agreement (image_id, agreement, people, computed_at, iou) VALUES ${Array(n).fill('(?, ?, ?, ?, ?)').join(', ')}`;
    const batch = this.writes.get('insertBatch', sql(INSERT_BATCH));
    const params: (number | string)[] = [];
    let i = 0;
    for (; i + INSERT_BATCH <= rows.length; i += INSERT_BATCH) {
      params.length = 0;
      for (let k = i; k < i + INSERT_BATCH; k++) params.push(rows[k].imageId, rows[k].agreement, rows[k].people, at, iou);
      batch.run(params);
    }
    const ins = this.writes.get('insert', sql(1));
    for (; i < rows.length; i++) ins.run(rows[i].imageId, rows[i].agreement, rows[i].people, at, iou);
  }

  /** image_agreement as stored, by image id. */
  imageAgreement(): (ImageAgreementRow & { iou: number; computedAt: string })[] {
    return this.writes.get('all', 'SELECT image_id AS imageId, agreement, people, iou, computed_at AS computedAt FROM image_agreement ORDER BY image_id').all() as (ImageAgreementRow & {
      iou: number;
      computedAt: string;
    })[];
  }

  /** Put back an author's status on an image as it was: a status, or no row at all. */
  restoreStatus(imageId: number, annotatorId: number, status: AssignmentStatus | null, at: string): void {
    if (status === null) this.writes.get('unset', 'DELETE FROM assignments WHERE image_id = ? AND annotator_id = ?').run(imageId, annotatorId);
    else
      this.writes.get('reset', `INSERT INTO assignments (image_id, annotator_id, status, updated_at, origin) VALUES (?, ?, ?, ?, 'review')
        ON CONFLICT (image_id, annotator_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`).run(imageId, annotatorId, status, at);
  }

}

/** The AgreementRepo of a connection, made once. */
export const agreementRepo = perConnection((db) => new AgreementRepo(db));
