import type { AssignmentStatus } from './AssignmentRepo.ts';
import type { ImageRow } from './ImageRepo.ts';
import { metadataEquals } from './metadataFilter.ts';
import type { Statement } from 'better-sqlite3';
import type { Db } from './openDatabase.ts';

/** How the review queue is ordered. */
export type QueueOrder = 'file' | 'score' | 'priority';

/** The review queue's filters; all given ones must hold. */
export interface QueueFilter {
  /** The person's status on the image (no row counts as todo). */
  status?: AssignmentStatus[];
  /** A flag with this reason. */
  flag?: string;
  /** Some box of this class, by anyone. */
  classId?: number;
  /** Some model prediction scored in [min, max]. */
  score?: { min: number; max: number };
  /** This annotator has boxes on it or a status for it. */
  annotatorId?: number;
  /** Metadata key = value. */
  where?: { key: string; value: string };
}

type Row = ImageRow & { boxCount: number };

const COLS = `i.id AS id, i.root_id AS rootId, i.path, i.width, i.height, i.orientation, i.format, i.bytes,
  i.content_hash AS contentHash, i.metadata, i.ingest_error AS ingestError`;

const ORDER_BY: Record<QueueOrder, string> = {
  file: 'i.path, i.id',
  // The model's least sure images first: those with no prediction, then by their best score.
  score: 'coalesce((SELECT max(b.score) FROM boxes b WHERE b.image_id = i.id AND b.model_run_id IS NOT NULL), -1), i.path, i.id',
  // Flags add up: an image flagged for several reasons comes before one flagged for one.
  priority: '(SELECT coalesce(sum(f.score), 0) FROM flags f WHERE f.image_id = i.id) DESC, i.path, i.id',
};

/**
 * The review queue over the images: any order and combination of filters as SQL.
 * Statements are prepared once per shape (which filters are present, how many
 * statuses), since the values are parameters.
 */
export class QueueRepo {
  private readonly cache = new Map<string, Statement>();
  private readonly sStatus;
  private readonly sFlags;

  constructor(private readonly db: Db) {
    this.sStatus = db.prepare<[number, number], string>('SELECT status FROM assignments WHERE image_id = ? AND annotator_id = ?').pluck();
    this.sFlags = db.prepare<[number], string>('SELECT DISTINCT reason FROM flags WHERE image_id = ? ORDER BY reason').pluck();
  }

  private clause(f: QueueFilter): { sql: string; params: Record<string, unknown> } {
    const parts: string[] = [];
    const params: Record<string, unknown> = {};
    if (f.status?.length) {
      const names = f.status.map((s, k) => {
        params[`s${k}`] = s;
        return `@s${k}`;
      });
      parts.push(`coalesce((SELECT a.status FROM assignments a WHERE a.image_id = i.id AND a.annotator_id = @me), 'todo') IN (${names.join(', ')})`);
    }
    if (f.flag !== undefined) {
      parts.push('EXISTS (SELECT 1 FROM flags f WHERE f.image_id = i.id AND f.reason = @flag)');
      params.flag = f.flag;
    }
    if (f.classId !== undefined) {
      parts.push('EXISTS (SELECT 1 FROM boxes b WHERE b.class_id = @classId AND b.image_id = i.id)');
      params.classId = f.classId;
    }
    if (f.score) {
      // Read off the partial score index: the few images with a prediction in range, not every image's boxes.
      parts.push('i.id IN (SELECT b.image_id FROM boxes b WHERE b.model_run_id IS NOT NULL AND b.score BETWEEN @smin AND @smax)');
      params.smin = f.score.min;
      params.smax = f.score.max;
    }
    if (f.annotatorId !== undefined) {
      parts.push(
        '(EXISTS (SELECT 1 FROM boxes b WHERE b.image_id = i.id AND b.annotator_id = @who) OR EXISTS (SELECT 1 FROM assignments a WHERE a.image_id = i.id AND a.annotator_id = @who))',
      );
      params.who = f.annotatorId;
    }
    if (f.where) {
      let n = 0;
      parts.push(metadataEquals('i').replace(/\?/g, () => (n++ === 0 ? '@wkey' : '@wvalue')));
      params.wkey = f.where.key;
      params.wvalue = f.where.value;
    }
    return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
  }

  private stmt(kind: 'page' | 'count' | 'ids', order: QueueOrder, f: QueueFilter, sql: () => string): Statement {
    const shape = `${kind}|${order}|${f.status?.length ?? 0}|${f.flag !== undefined}|${f.classId !== undefined}|${!!f.score}|${f.annotatorId !== undefined}|${!!f.where}`;
    let s = this.cache.get(shape);
    if (!s) this.cache.set(shape, (s = this.db.prepare(sql())));
    return s;
  }

  /** One page of the queue, with each image's box count, and the queue's length. */
  page(me: number, order: QueueOrder, f: QueueFilter, offset: number, limit: number): { total: number; items: Row[] } {
    const { sql, params } = this.clause(f);
    const all = { ...params, me, offset, limit };
    const page = this.stmt('page', order, f, () => `SELECT ${COLS}, (SELECT count(*) FROM boxes b WHERE b.image_id = i.id) AS boxCount
       FROM images i ${sql} ORDER BY ${ORDER_BY[order]} LIMIT @limit OFFSET @offset`);
    const count = this.stmt('count', order, f, () => `SELECT count(*) FROM images i ${sql}`);
    return { total: count.pluck().get(all) as number, items: page.all(all) as Row[] };
  }

  /** Every image id of the queue in its order (for next/previous and locating an image). */
  ids(me: number, order: QueueOrder, f: QueueFilter): number[] {
    const { sql, params } = this.clause(f);
    const s = this.stmt('ids', order, f, () => `SELECT i.id FROM images i ${sql} ORDER BY ${ORDER_BY[order]}`);
    return s.pluck().all({ ...params, me }) as number[];
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
