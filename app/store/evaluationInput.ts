import type { BoxGeometry } from '../domain/box.ts';
import { LoupeError } from '../domain/errors.ts';
import { parseMetadata } from '../domain/metadata.ts';
import { planLabels } from './finalLabels.ts';
import type { Db } from './openDatabase.ts';

/** What a model evaluation reads from a project, taken from one snapshot. */
export interface EvaluationInput {
  /** Metadata of each evaluated image: done by the reference and, for a run Loupe made, pre-labelled without error. */
  metadata: Map<number, Record<string, unknown>>;
  classIds: number[];
  reference: BoxGeometry[];
  detections: BoxGeometry[];
  /** Images the reference annotator marked done. */
  reviewed: number;
}

/**
 * Read everything an evaluation of a run against a reference annotator (or,
 * with `referenceId` null, the final labels) needs, in one read transaction.
 * An imported run (COCO results, Ultralytics txt) lists only images with
 * detections, so every reviewed image counts for it.
 * Bulk reads scan the table: a million lookups through an index in another
 * order is many times slower.
 */
export function readEvaluationInput(
  db: Db,
  q: { runId: number; referenceId: number | null; importedRun: boolean; also?: { runId: number; importedRun: boolean } },
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
    const ranBy = (runId: number, imported: boolean) =>
      imported ? null : new Set(db.prepare<[number], { id: number }>("SELECT image_id AS id FROM run_images WHERE model_run_id = ? AND status = 'done'").all(runId).map((r) => r.id));
    const ran = ranBy(q.runId, q.importedRun);
    // Compared with another run: only the images both runs covered.
    const alsoRan = q.also ? ranBy(q.also.runId, q.also.importedRun) : null;
    const metadata = new Map<number, Record<string, unknown>>();
    for (const row of db.prepare<[], { id: number; metadata: string }>('SELECT id, metadata FROM images ORDER BY id').iterate()) {
      if (reviewed.has(row.id) && (!ran || ran.has(row.id)) && (!alsoRan || alsoRan.has(row.id))) metadata.set(row.id, parseMetadata(row.metadata));
    }
    const classIds = db.prepare<[], { id: number }>('SELECT id FROM classes ORDER BY position, id').all().map((r) => r.id);
    const reference = final
      ? db
          .prepare<[], BoxGeometry & { annotatorId: number }>(
            'SELECT image_id AS imageId, annotator_id AS annotatorId, class_id AS classId, x, y, w, h FROM boxes NOT INDEXED WHERE model_run_id IS NULL',
          )
          .all()
          .filter((b) => final.get(b.imageId)?.annotatorId === b.annotatorId)
      : db
          .prepare<[number], BoxGeometry>('SELECT image_id AS imageId, class_id AS classId, x, y, w, h FROM boxes NOT INDEXED WHERE annotator_id = ? AND model_run_id IS NULL')
          .all(q.referenceId!);
    const detections = db
      .prepare<[number], BoxGeometry>('SELECT image_id AS imageId, class_id AS classId, x, y, w, h, score FROM boxes NOT INDEXED WHERE model_run_id = ?')
      .all(q.runId);
    return { metadata, classIds, reference, detections, reviewed: reviewed.size };
  })();
}
