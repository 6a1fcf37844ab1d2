import type { AssignmentStatus } from './AssignmentRepo.ts';
import type { ImageRow } from './ImageRepo.ts';
import type { Statement } from 'better-sqlite3';
import type { Db } from './openDatabase.ts';

/** How the review queue is ordered. */
export type QueueOrder = 'file' | 'score' | 'priority' | 'agreement';

/** The review queue's filters; all given ones must hold. */
export interface QueueFilter {
  /** The person's status on the image (no row counts as todo). */
  status?: AssignmentStatus[];
  /** A flag with this reason. */
  flag?: string;
  /** Some box of this class, by anyone (with `blindFor`, by anyone that person may see). */
  classId?: number;
  /** Some model prediction scored in [min, max]. */
  score?: { min: number; max: number };
  /** This annotator has boxes on it or a status for it (with `blindFor` someone else, only on images nobody was assigned). */
  annotatorId?: number;
  /** Metadata key = value. */
  where?: { key: string; value: string };
  /** Only images a lead assigned to this person (an annotator's own queue). */
  assignedTo?: number;
  /** Only images at least this many people (humans) marked done. */
  minDone?: number;
  /**
   * An annotator labelling blind: on an image a lead assigned to anyone, the class
   * filter looks only at this person's boxes and the model's predictions, the boxes
   * they may see there; on other images at everyone's. Not given for the lead.
   */
  blindFor?: number;
}

type Row = ImageRow & { boxCount: number };

const STATUSES: readonly AssignmentStatus[] = ['todo', 'in_progress', 'done', 'skipped'];

const COLS = `i.id AS id, i.root_id AS rootId, i.path, i.width, i.height, i.orientation, i.format, i.bytes,
  i.content_hash AS contentHash, i.metadata, i.ingest_error AS ingestError`;

/**
 * Score and priority order walk an index of image_rank (migration 5), which holds each
 * image's sort key and path: the model's least sure images first (those with no
 * prediction, -1, then by their best score), and the most flagged first (flag scores
 * add up). Ties go by path, then id.
 */
const RANK: Record<Exclude<QueueOrder, 'file' | 'agreement'>, { index: string; key: string; desc: boolean; by: string }> = {
  score: { index: 'image_rank_by_score', key: 'best_score', desc: false, by: 'r.best_score, r.path, r.image_id' },
  priority: { index: 'image_rank_by_priority', key: 'priority', desc: true, by: 'r.priority DESC, r.path, r.image_id' },
};

/** A filter as SQL: its WHERE clause on image ids `id`, its parameters, and its shape (the statement cache key). */
interface Clause {
  where: (id: string) => string;
  params: Record<string, unknown>;
  shape: string;
}

/**
 * Below this many index entries a filter's images are read off its index into a
 * set that the walk over the images probes; from it on, each image is tested with
 * one seek instead, since building the set would cost more than the tests. On
 * 100,000 images (bench/queue.ts) the two cost the same at about 125,000 entries
 * read in image order (class, flag) and about 60,000 read in score order.
 */
const SET_LIMIT = 50_000;

/**
 * The review queue over the images: any order and combination of filters as SQL.
 * Statements are prepared once per shape (which filters are present, which
 * statuses, set or per-image test), since the values are parameters.
 *
 * Counting a filtered queue visits every image, in id order, the order of the
 * image_id-led indexes the tests seek in: in path order the same seeks land all
 * over those indexes and cost three to five times as much. Score and priority
 * order walk their image_rank index instead, and a page stops at its last row. A
 * set is always probed (`+i.id IN`), never walked with a row lookup per member
 * and a sort afterwards, which is what SQLite picks for it otherwise.
 */
export class QueueRepo {
  private readonly cache = new Map<string, Statement>();
  private readonly sStatus;
  private readonly sFlags;
  private readonly sFlagRows;
  private readonly sClassRows;
  private readonly sScoreRows;
  private readonly sAnyAssigned;

  /** `setLimit` is for tests, to force the sets (a huge one) or the per-image tests (0). */
  constructor(
    private readonly db: Db,
    private readonly setLimit = SET_LIMIT,
  ) {
    this.sStatus = db.prepare<[number, number], string>('SELECT status FROM assignments WHERE image_id = ? AND annotator_id = ?').pluck();
    this.sFlags = db.prepare<[number], string>('SELECT DISTINCT reason FROM flags WHERE image_id = ? ORDER BY reason').pluck();
    // How many index entries a filter matches, counted up to the set limit only.
    this.sFlagRows = db.prepare<[string, number], number>('SELECT count(*) FROM (SELECT 1 FROM flags WHERE reason = ? LIMIT ?)').pluck();
    this.sAnyAssigned = db.prepare<[], number>('SELECT 1 FROM assignments INDEXED BY assignments_assigned WHERE assigned_at IS NOT NULL LIMIT 1').pluck();
    this.sClassRows = db.prepare<[number, number], number>('SELECT count(*) FROM (SELECT 1 FROM boxes WHERE class_id = ? LIMIT ?)').pluck();
    this.sScoreRows = db.prepare<[number, number, number], number>(
      'SELECT count(*) FROM (SELECT 1 FROM boxes WHERE model_run_id IS NOT NULL AND score BETWEEN ? AND ? LIMIT ?)',
    ).pluck();
  }

  /** A filter as SQL. */
  private clause(f: QueueFilter): Clause {
    const parts: ((id: string) => string)[] = [];
    const shape: string[] = [];
    const params: Record<string, unknown> = {};
    const names = (prefix: string, values: readonly string[]) =>
      values.map((v, k) => {
        params[`${prefix}${k}`] = v;
        return `@${prefix}${k}`;
      });
    if (f.status?.length) {
      // A status is a row of assignments_by_annotator, or no row for todo: read the rows of the
      // statuses asked for, or with todo, of those not asked for, as a set.
      const chosen = STATUSES.filter((s) => f.status!.includes(s));
      const others = STATUSES.filter((s) => !chosen.includes(s));
      shape.push(`status:${chosen.join(',')}`);
      if (!chosen.includes('todo')) {
        const list = names('s', chosen).join(', ');
        parts.push((id) => `+${id} IN (SELECT a.image_id FROM assignments a WHERE a.annotator_id = @me AND a.status IN (${list}))`);
      } else if (others.length) {
        const list = names('s', others).join(', ');
        parts.push((id) => `+${id} NOT IN (SELECT a.image_id FROM assignments a WHERE a.annotator_id = @me AND a.status IN (${list}))`);
      }
    }
    if (f.flag !== undefined) {
      params.flag = f.flag;
      const set = this.sFlagRows.get(f.flag, this.setLimit)! < this.setLimit;
      shape.push(`flag:${set}`);
      parts.push((id) => (set ? `+${id} IN (SELECT f.image_id FROM flags f WHERE f.reason = @flag)` : `EXISTS (SELECT 1 FROM flags f WHERE f.reason = @flag AND f.image_id = ${id})`));
    }
    if (f.classId !== undefined) {
      params.classId = f.classId;
      const set = this.sClassRows.get(f.classId, this.setLimit)! < this.setLimit;
      // Blind only once a lead assigned some image: a box counts when it is the person's, a
      // prediction, or on an image nobody was assigned (a row lookup per box of the class). In a
      // queue of the person's assigned images (assignedTo) every image is blind.
      const blind = f.blindFor !== undefined && this.sAnyAssigned.get() !== undefined;
      const allBlind = blind && f.assignedTo !== undefined;
      shape.push(`class:${set}:${blind}:${allBlind}`);
      if (blind) params.viewer = f.blindFor;
      const unassigned = allBlind ? '' : ' OR NOT EXISTS (SELECT 1 FROM assignments s WHERE s.image_id = b.image_id AND s.assigned_at IS NOT NULL)';
      const seen = blind ? ` AND (b.annotator_id = @viewer OR b.model_run_id IS NOT NULL${unassigned})` : '';
      parts.push((id) =>
        set
          ? `+${id} IN (SELECT b.image_id FROM boxes b WHERE b.class_id = @classId${seen})`
          : `EXISTS (SELECT 1 FROM boxes b WHERE b.class_id = @classId AND b.image_id = ${id}${seen})`,
      );
    }
    if (f.score) {
      params.smin = f.score.min;
      params.smax = f.score.max;
      const set = this.sScoreRows.get(f.score.min, f.score.max, this.setLimit)! < this.setLimit;
      shape.push(`score:${set}`);
      // A narrow range off predictions_by_score; a wide one as a seek of predictions_by_image per image.
      parts.push((id) =>
        set
          ? `+${id} IN (SELECT b.image_id FROM boxes b INDEXED BY predictions_by_score WHERE b.model_run_id IS NOT NULL AND b.score BETWEEN @smin AND @smax)`
          : `EXISTS (SELECT 1 FROM boxes b INDEXED BY predictions_by_image WHERE b.image_id = ${id} AND b.model_run_id IS NOT NULL AND b.score BETWEEN @smin AND @smax)`,
      );
    }
    if (f.annotatorId !== undefined) {
      // Blind for someone else's work: only the images nobody was assigned, where everyone's work is in view.
      const hidden = f.blindFor !== undefined && f.annotatorId !== f.blindFor && this.sAnyAssigned.get() !== undefined;
      shape.push(`annotator:${hidden}`);
      // Their statuses as a set (a person has at most one per image), then a seek of boxes_by_image for the rest.
      const unassigned = (id: string) => (hidden ? ` AND NOT EXISTS (SELECT 1 FROM assignments s WHERE s.image_id = ${id} AND s.assigned_at IS NOT NULL)` : '');
      parts.push(
        (id) =>
          `((+${id} IN (SELECT a.image_id FROM assignments a WHERE a.annotator_id = @who) OR EXISTS (SELECT 1 FROM boxes b WHERE b.image_id = ${id} AND b.annotator_id = @who))${unassigned(id)})`,
      );
      params.who = f.annotatorId;
    }
    if (f.assignedTo !== undefined) {
      shape.push('assigned');
      params.assignee = f.assignedTo;
      parts.push((id) => `+${id} IN (SELECT a.image_id FROM assignments a WHERE a.annotator_id = @assignee AND a.assigned_at IS NOT NULL)`);
    }
    if (f.minDone !== undefined) {
      shape.push('minDone');
      params.minDone = f.minDone;
      parts.push(
        (id) => `+${id} IN (SELECT s.image_id FROM assignments s JOIN annotators n ON n.id = s.annotator_id
          WHERE n.kind = 'human' AND s.status = 'done' GROUP BY s.image_id HAVING count(*) >= @minDone)`,
      );
    }
    if (f.where) {
      // Off the image_tags table (migration 4), which holds the text metadataEquals compares.
      // At most one entry per image and in id order, so the set is always the cheaper one.
      params.wkey = f.where.key;
      params.wvalue = f.where.value;
      shape.push('where');
      parts.push((id) => `+${id} IN (SELECT t.image_id FROM image_tags t WHERE t.key = @wkey AND t.value = @wvalue)`);
    }
    return { where: (id) => (parts.length ? `WHERE ${parts.map((part) => part(id)).join(' AND ')}` : ''), params, shape: shape.join('|') };
  }

  private stmt(shape: string, sql: () => string): Statement {
    let s = this.cache.get(shape);
    if (!s) this.cache.set(shape, (s = this.db.prepare(sql())));
    return s;
  }

  /**
   * The queue's image ids in its order, with the sort key as k where `withKey`. File order
   * sorts the filtered images by path; score and priority walk their image_rank index in
   * order and test each image as they go, so a page stops at its last row.
   */
  private ordered(order: QueueOrder, c: Clause, tail: string, withKey: boolean): string {
    if (order === 'file') return `SELECT i.id AS id FROM images i ${c.where('i.id')} ORDER BY i.path, i.id ${tail}`;
    // Worst agreement first (image_agreement, migration 7); images never computed (key 2) last.
    if (order === 'agreement') {
      return `SELECT i.id AS id${withKey ? ', coalesce(g.agreement, 2) AS k' : ''} FROM images i LEFT JOIN image_agreement g ON g.image_id = i.id
        ${c.where('i.id')} ORDER BY coalesce(g.agreement, 2), i.path, i.id ${tail}`;
    }
    const { index, key, by } = RANK[order];
    return `SELECT r.image_id AS id${withKey ? `, r.${key} AS k` : ''} FROM image_rank r INDEXED BY ${index} ${c.where('r.image_id')} ORDER BY ${by} ${tail}`;
  }

  /** One page of the queue, with each image's box count, and the queue's length. */
  page(me: number, order: QueueOrder, f: QueueFilter, offset: number, limit: number): { total: number; items: Row[] } {
    const c = this.clause(f);
    const all = { ...c.params, me, offset, limit };
    // Only the ids (and sort key) go through the order; the page's own rows and box counts are read after it.
    const page = this.stmt(`page|${order}|${c.shape}`, () => `SELECT ${COLS}, (SELECT count(*) FROM boxes b WHERE b.image_id = i.id) AS boxCount
       FROM (${this.ordered(order, c, 'LIMIT @limit OFFSET @offset', true)}) AS pg
       CROSS JOIN images i ON i.id = pg.id
       ORDER BY ${order === 'file' ? '' : `pg.k${order !== 'agreement' && RANK[order].desc ? ' DESC' : ''}, `}i.path, i.id`);
    const count = this.stmt(`count|${c.shape}`, () => {
      const where = c.where('i.id');
      return where ? `SELECT count(*) FROM images i INDEXED BY images_by_id ${where}` : 'SELECT count(*) FROM images';
    });
    return { total: count.pluck().get(all) as number, items: page.all(all) as Row[] };
  }

  /** Every image id of the queue in its order (for next/previous and locating an image). */
  ids(me: number, order: QueueOrder, f: QueueFilter): number[] {
    const c = this.clause(f);
    const s = this.stmt(`ids|${order}|${c.shape}`, () => this.ordered(order, c, '', false));
    return s.pluck().all({ ...c.params, me }) as number[];
  }

  /** A person's status on an image; todo when they have none. */
  status(imageId: number, me: number): AssignmentStatus {
    return (this.sStatus.get(imageId, me) as AssignmentStatus | undefined) ?? 'todo';
  }

  /** The distinct reasons an image is flagged for. */
  flags(imageId: number): string[] {
    return this.sFlags.all(imageId) as string[];
  }
}
