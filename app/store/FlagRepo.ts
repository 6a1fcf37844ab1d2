import type { Statement } from 'better-sqlite3';
import type { Db } from './openDatabase.ts';
import { perConnection } from './perConnection.ts';

/** A flag as stored: why an image needs review, how strongly, and the evidence (JSON). */
export interface FlagRow {
  imageId: number;
  reason: string;
  score: number;
  details: string;
}

/** An image with where it lives and its stored statistics (JSON or null). */
export interface ImageStatsRow {
  id: number;
  rootId: number;
  path: string;
  stats: string | null;
}

/** One image's predictions of a run, summarised for low confidence. */
export interface ConfidenceRow {
  imageId: number;
  predictions: number;
  maxScore: number | null;
  uncertain: number;
}

/** Rows per INSERT statement (4 parameters each, under SQLite's limit). */
const INSERT_BATCH = 200;

/**
 * The flags table, the per-project weights of flag reasons (migration 8),
 * images.stats, and the prediction summaries flagging reads.
 */
export class FlagRepo {
  private readonly sImages;
  private readonly sSetStats;
  private readonly sDeleteReason;
  private readonly sForImage;
  private readonly sCounts;
  private readonly sWeights;
  private readonly sSetWeight;
  private readonly sDeleteWeight;
  private readonly sConfidence;
  private readonly sRunClasses;
  private readonly sImageClasses;
  private readonly inserts = new Map<number, Statement<unknown[]>>();

  constructor(private readonly db: Db) {
    this.sImages = db.prepare<[], ImageStatsRow>('SELECT id, root_id AS rootId, path, stats FROM images ORDER BY id');
    this.sSetStats = db.prepare<[string, number]>('UPDATE images SET stats = ? WHERE id = ?');
    this.sDeleteReason = db.prepare<[string]>('DELETE FROM flags WHERE reason = ?');
    this.sForImage = db.prepare<[number], FlagRow>('SELECT image_id AS imageId, reason, score, details FROM flags WHERE image_id = ? ORDER BY score DESC, reason');
    this.sCounts = db.prepare<[], { reason: string; count: number }>('SELECT reason, count(*) AS count FROM flags GROUP BY reason ORDER BY reason');
    this.sWeights = db.prepare<[], { reason: string; weight: number }>('SELECT reason, weight FROM flag_weights ORDER BY reason');
    this.sSetWeight = db.prepare<[string, number]>('INSERT INTO flag_weights (reason, weight) VALUES (?, ?) ON CONFLICT (reason) DO UPDATE SET weight = excluded.weight');
    this.sDeleteWeight = db.prepare<[string]>('DELETE FROM flag_weights WHERE reason = ?');
    // Every image the run has done, with or without predictions.
    this.sConfidence = db.prepare<{ run: number; lo: number; hi: number }, ConfidenceRow>(
      `SELECT r.image_id AS imageId, count(b.id) AS predictions, max(b.score) AS maxScore,
         coalesce(sum(b.score >= @lo AND b.score < @hi), 0) AS uncertain
       FROM run_images r LEFT JOIN boxes b ON b.model_run_id = r.model_run_id AND b.image_id = r.image_id
       WHERE r.model_run_id = @run AND r.status = 'done' GROUP BY r.image_id ORDER BY r.image_id`,
    );
    this.sRunClasses = db.prepare<[number], { classId: number; count: number }>(
      'SELECT class_id AS classId, count(*) AS count FROM boxes INDEXED BY boxes_by_run WHERE model_run_id = ? GROUP BY class_id',
    );
    this.sImageClasses = db.prepare<[number], { imageId: number; classId: number; count: number }>(
      'SELECT image_id AS imageId, class_id AS classId, count(*) AS count FROM boxes INDEXED BY boxes_by_run WHERE model_run_id = ? GROUP BY image_id, class_id ORDER BY image_id',
    );
  }

  /** Every image with its stored statistics, in id order. */
  images(): ImageStatsRow[] {
    return this.sImages.all();
  }
  setStats(imageId: number, json: string): void {
    this.sSetStats.run(json, imageId);
  }
  /** Replace every flag of `reason` with `rows` (call inside a transaction). */
  replaceReason(reason: string, rows: readonly Omit<FlagRow, 'reason'>[]): void {
    this.sDeleteReason.run(reason);
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      const part = rows.slice(i, i + INSERT_BATCH);
      const args: (string | number)[] = [];
      for (const r of part) args.push(r.imageId, reason, r.score, r.details);
      this.insert(part.length).run(...args);
    }
  }
  forImage(imageId: number): FlagRow[] {
    return this.sForImage.all(imageId);
  }
  /** How many flags each reason has. */
  counts(): { reason: string; count: number }[] {
    return this.sCounts.all();
  }
  /** The weights set; a reason not listed weighs 1. */
  weights(): { reason: string; weight: number }[] {
    return this.sWeights.all();
  }
  /** Set a reason's weight (null: back to the default 1); the triggers re-rank its images. */
  setWeight(reason: string, weight: number | null): void {
    if (weight === null) this.sDeleteWeight.run(reason);
    else this.sSetWeight.run(reason, weight);
  }
  /** Per image the run has done: its predictions, best score and how many fall in [lo, hi). */
  confidence(runId: number, lo: number, hi: number): ConfidenceRow[] {
    return this.sConfidence.all({ run: runId, lo, hi });
  }
  /** The run's predictions per class. */
  runClasses(runId: number): Map<number, number> {
    return new Map(this.sRunClasses.all(runId).map((r) => [r.classId, r.count]));
  }
  /** The run's predictions per image and class, in image order. */
  imageClasses(runId: number): { imageId: number; classId: number; count: number }[] {
    return this.sImageClasses.all(runId);
  }

  private insert(n: number) {
    let s = this.inserts.get(n);
    if (!s) this.inserts.set(n, (s = this.db.prepare<unknown[]>(`INSERT INTO flags (image_id, reason, score, details) VALUES ${Array(n).fill('(?, ?, ?, ?)').join(', ')}`)));
    return s;
  }
}

/** The FlagRepo of a connection. */
export const flagRepo = perConnection((db) => new FlagRepo(db));
