import type { BoxColumns } from '../metrics/sliceEval.ts';
import { LoupeError } from '../domain/errors.ts';
import { parseMetadata } from '../domain/metadata.ts';
import { planLabels } from './finalLabels.ts';
import type { Db } from './openDatabase.ts';

/** The facts an evaluation slices images by, besides their metadata. */
export interface ImageFacts {
  /** Capture time as stored (ISO 8601), when known. */
  capturedAt: Map<number, string>;
  /** Each flagged image's flags: reason and score (null when the flag has none). */
  flags: Map<number, { reason: string; score: number | null }[]>;
}

/** What a model evaluation reads from a project, taken from one snapshot. */
export interface EvaluationInput extends ImageFacts {
  /** Evaluated images, ascending: done by the reference and, for a run Loupe made, pre-labelled without error (by both runs when compared). */
  imageIds: Int32Array;
  /** Metadata of each evaluated image. */
  metadata: Map<number, Record<string, unknown>>;
  classIds: number[];
  reference: BoxColumns;
  detections: BoxColumns;
  /** The compared run's detections, when there is one. */
  otherDetections?: BoxColumns;
  /** Images the reference annotator marked done. */
  reviewed: number;
}

/** Box columns filled as rows are read, allocated once at the most rows there can be, so a million boxes are never a million objects. */
class ColumnsBuilder {
  n = 0;
  readonly imageId: Int32Array;
  readonly classId: Int32Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly h: Float64Array;
  readonly score: Float64Array;

  constructor(cap: number) {
    this.imageId = new Int32Array(cap);
    this.classId = new Int32Array(cap);
    this.x = new Float64Array(cap);
    this.y = new Float64Array(cap);
    this.w = new Float64Array(cap);
    this.h = new Float64Array(cap);
    this.score = new Float64Array(cap);
  }

  push(imageId: number, classId: number, x: number, y: number, w: number, h: number, score: number): void {
    const i = this.n++;
    this.imageId[i] = imageId;
    this.classId[i] = classId;
    this.x[i] = x;
    this.y[i] = y;
    this.w[i] = w;
    this.h[i] = h;
    this.score[i] = score;
  }

  /** The filled part of the columns (views, not copies). */
  done(): BoxColumns {
    const n = this.n;
    return {
      n,
      imageId: this.imageId.subarray(0, n),
      classId: this.classId.subarray(0, n),
      x: this.x.subarray(0, n),
      y: this.y.subarray(0, n),
      w: this.w.subarray(0, n),
      h: this.h.subarray(0, n),
      score: this.score.subarray(0, n),
    };
  }
}

type BoxRow = [imageId: number, classId: number, x: number, y: number, w: number, h: number, score: number | null, annotatorId: number];

/**
 * Read everything an evaluation of a run against a reference annotator (or,
 * with `referenceId` null, the final labels) needs, in one read transaction.
 * An imported run (COCO results, Ultralytics txt) lists only images with
 * detections, so every reviewed image counts for it.
 * Bulk reads scan the table in storage order into typed columns: a million
 * lookups through an index in another order is many times slower, and a
 * million row objects hold several times the memory.
 */
export function readEvaluationInput(
  db: Db,
  q: {
    runId: number;
    referenceId: number | null;
    importedRun: boolean;
    also?: { runId: number; importedRun: boolean };
    compare?: { runId: number; importedRun: boolean };
    /** Read only the boxes of these classes (one worker's share); default all. */
    categories?: readonly number[];
  },
): EvaluationInput {
  return db.transaction(() => {
    // The final labels: per image the consensus, else the one person who marked it done (as an export takes them).
    const final =
      q.referenceId === null
        ? planLabels(
            db,
            db.prepare<[], { id: number }>('SELECT id FROM images').all().map((r) => r.id),
            'final',
          ).sources
        : null;
    const reviewed = final
      ? new Set(final.keys())
      : new Set(
          db
            .prepare<[number], { id: number }>("SELECT image_id AS id FROM assignments WHERE annotator_id = ? AND status = 'done'")
            .all(q.referenceId!)
            .map((r) => r.id),
        );
    if (reviewed.size === 0) {
      throw new LoupeError(
        'bad_request',
        final
          ? 'No image has final labels yet (a consensus, or the labels of the one person who marked it done), so there is nothing to evaluate against.'
          : 'The reference annotator has not marked any image done, so there is nothing to evaluate against.',
      );
    }
    const ranBy = (run: { runId: number; importedRun: boolean } | undefined) =>
      !run || run.importedRun
        ? null
        : new Set(db.prepare<[number], { id: number }>("SELECT image_id AS id FROM run_images WHERE model_run_id = ? AND status = 'done'").all(run.runId).map((r) => r.id));
    const ran = ranBy({ runId: q.runId, importedRun: q.importedRun });
    // Compared with another run: only the images both runs covered.
    const alsoRan = ranBy(q.also);
    const compareRan = ranBy(q.compare);
    const metadata = new Map<number, Record<string, unknown>>();
    const capturedAt = new Map<number, string>();
    for (const row of db.prepare<[], { id: number; metadata: string; capturedAt: string | null }>('SELECT id, metadata, captured_at AS capturedAt FROM images ORDER BY id').iterate()) {
      if (!reviewed.has(row.id) || (ran && !ran.has(row.id)) || (alsoRan && !alsoRan.has(row.id)) || (compareRan && !compareRan.has(row.id))) continue;
      metadata.set(row.id, parseMetadata(row.metadata));
      if (row.capturedAt) capturedAt.set(row.id, row.capturedAt);
    }
    const flags: ImageFacts['flags'] = new Map();
    for (const f of db.prepare<[], { imageId: number; reason: string; score: number | null }>('SELECT image_id AS imageId, reason, score FROM flags ORDER BY image_id, id').iterate()) {
      if (!metadata.has(f.imageId)) continue;
      const list = flags.get(f.imageId);
      if (list) list.push({ reason: f.reason, score: f.score });
      else flags.set(f.imageId, [{ reason: f.reason, score: f.score }]);
    }
    const classIds = db.prepare<[], { id: number }>('SELECT id FROM classes ORDER BY position, id').all().map((r) => r.id);
    // A worker's share of the classes is filtered in SQL: rows never returned cost nothing on this side.
    const only = q.categories ? ` AND class_id IN (SELECT value FROM json_each('${JSON.stringify(q.categories.map((c) => Math.trunc(Number(c))))}'))` : '';
    // Rowid ranges read with all() cost about a quarter less than one iterate() over the table.
    const maxId = db.prepare<[], number | null>('SELECT max(id) FROM boxes').pluck().get() ?? 0;
    const CHUNK = 16384;
    const COLS = 'image_id, class_id, x, y, w, h, score, annotator_id';
    const read = (where: string, param: number | null, keep: (r: BoxRow) => boolean): BoxColumns => {
      // Counting first (a scan without returning rows) sizes the columns exactly: no growing copies.
      const count = db.prepare<unknown[], number>(`SELECT count(*) FROM boxes NOT INDEXED WHERE ${where}${only}`).pluck();
      const out = new ColumnsBuilder((param === null ? count.get() : count.get(param)) ?? 0);
      const stmt = db.prepare<unknown[], BoxRow>(`SELECT ${COLS} FROM boxes NOT INDEXED WHERE id > ? AND id <= ? AND ${where}${only}`).raw(true);
      for (let lo = 0; lo < maxId; lo += CHUNK) {
        const rows = param === null ? stmt.all(lo, lo + CHUNK) : stmt.all(lo, lo + CHUNK, param);
        for (const r of rows) if (metadata.has(r[0]) && keep(r)) out.push(r[0], r[1], r[2], r[3], r[4], r[5], r[6] ?? 0);
      }
      return out.done();
    };
    const reference = final
      ? read('model_run_id IS NULL', null, (r) => final.get(r[0])?.annotatorId === r[7])
      : read('annotator_id = ? AND model_run_id IS NULL', q.referenceId!, () => true);
    const detections = read('model_run_id = ?', q.runId, () => true);
    const otherDetections = q.compare ? read('model_run_id = ?', q.compare.runId, () => true) : undefined;
    return {
      imageIds: Int32Array.from(metadata.keys()),
      metadata,
      capturedAt,
      flags,
      classIds,
      reference,
      detections,
      ...(otherDetections ? { otherDetections } : {}),
      reviewed: reviewed.size,
    };
  })();
}
