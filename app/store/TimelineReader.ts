import type { TimelineImage } from '../metrics/timeline.ts';
import type { Db } from './openDatabase.ts';
import { perConnection } from './perConnection.ts';

/** One change flag to write: the image, its score and what the details say. */
export interface ChangeFlag {
  imageId: number;
  score: number;
  details: string;
}

/** The timeline's reads (one row per image with a capture time) and the `change` flags it writes. */
export class TimelineReader {
  private readonly sImages;
  private readonly sKeys;
  private readonly sUntimed;
  private readonly sLatestRun;
  private readonly sClear;
  private readonly sFlag;
  private readonly sFromAll;
  private readonly sFromSlice;

  constructor(private readonly db: Db) {
    // The run's boxes are grouped once on boxes_by_run; the slice value is a primary-key seek of image_tags.
    this.sImages = db.prepare<{ key: string | null; run: number | null }, Omit<TimelineImage, 'covered'> & { covered: number }>(
      `SELECT i.id, i.captured_at AS capturedAt, t.value AS slice,
         (ri.image_id IS NOT NULL) AS covered,
         coalesce(p.n, 0) AS predictions, coalesce(p.s, 0) AS scoreSum, p.m AS best,
         CASE WHEN json_valid(i.stats) AND json_type(i.stats, '$.brightness') IN ('integer', 'real') THEN json_extract(i.stats, '$.brightness') END AS brightness
       FROM images i
       LEFT JOIN image_tags t ON t.key = @key AND t.image_id = i.id
       LEFT JOIN run_images ri ON ri.model_run_id = @run AND ri.image_id = i.id AND ri.status = 'done'
       LEFT JOIN (SELECT image_id, count(*) AS n, sum(score) AS s, max(score) AS m FROM boxes WHERE model_run_id = @run GROUP BY image_id) p ON p.image_id = i.id
       WHERE i.captured_at IS NOT NULL
       ORDER BY i.captured_at, i.id`,
    );
    this.sKeys = db.prepare<[], { key: string }>('SELECT DISTINCT key FROM image_tags ORDER BY key');
    this.sUntimed = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM images WHERE captured_at IS NULL');
    this.sLatestRun = db.prepare<[], { id: number; name: string }>('SELECT id, name FROM model_runs ORDER BY id DESC LIMIT 1');
    this.sClear = db.prepare("DELETE FROM flags WHERE reason = 'change'");
    this.sFromAll = db.prepare<[string, number], { id: number }>('SELECT id FROM images WHERE captured_at >= ? ORDER BY captured_at, id LIMIT ?');
    this.sFromSlice = db.prepare<[string, string, string, number], { id: number }>(
      `SELECT i.id FROM image_tags t CROSS JOIN images i ON i.id = t.image_id
       WHERE t.key = ? AND t.value = ? AND i.captured_at >= ? ORDER BY i.captured_at, i.id LIMIT ?`,
    );
    this.sFlag = db.prepare<[number, number, string]>("INSERT INTO flags (image_id, reason, score, details) VALUES (?, 'change', ?, ?)");
  }

  /** Every image with a capture time, in capture order, with its value of `key` and run `run`'s numbers on it. */
  images(key: string | null, run: number | null): TimelineImage[] {
    return this.sImages.all({ key, run }).map((r) => ({ ...r, covered: r.covered === 1 }));
  }
  /** The metadata keys any image has, sorted. */
  keys(): string[] {
    return this.sKeys.all().map((r) => r.key);
  }
  /** Images without a capture time (left off the timeline). */
  untimed(): number {
    return this.sUntimed.get()!.n;
  }
  /** The newest model run, the timeline's default. */
  latestRun(): { id: number; name: string } | undefined {
    return this.sLatestRun.get();
  }
  /** Images captured on `day` or later (all, or those whose `key` is `value`), in capture order, at most `limit`. */
  imagesFrom(day: string, slice: { key: string; value: string } | null, limit: number): number[] {
    const rows = slice ? this.sFromSlice.all(slice.key, slice.value, day, limit) : this.sFromAll.all(day, limit);
    return rows.map((r) => r.id);
  }
  /** Replace every `change` flag with these, in one transaction. */
  replaceChangeFlags(flags: readonly ChangeFlag[]): void {
    this.db.transaction(() => {
      this.sClear.run();
      for (const f of flags) this.sFlag.run(f.imageId, f.score, f.details);
    })();
  }
}

/** The timeline reader of a connection, made on first use. */
export const timelineReader = perConnection((db: Db) => new TimelineReader(db));
