import { LoupeError } from '../domain/errors.ts';
import { labelChoiceText, type LabelChoice, type LabelPlan, type LabelSource, type SkipReason } from '../domain/labelChoice.ts';
import type { Db } from './openDatabase.ts';

export type { LabelChoice, LabelPlan, LabelSource, SkipReason };


type Pair = { imageId: number; annotatorId: number };

/**
 * Decide, for each of `imageIds`, whose boxes are its labels.
 *
 * Final labels, in order:
 * 1. The QA lead's resolution: an annotator of kind `consensus` with boxes on
 *    the image or a `done` assignment on it (an empty resolution is a resolution).
 * 2. Exactly one human annotator marked it `done`: theirs. Two or more done and
 *    no consensus: left out as unresolved. Done marks made in review count
 *    before those a label import made (an imported label set is the older
 *    round): imported marks decide only where nobody marked it done in review.
 * 3. Nobody marked it done: left out as not reviewed, except that an image with
 *    no assignment rows at all and boxes from exactly one human is that person's
 *    labels. A single-annotator project that never uses assignments would
 *    otherwise export nothing.
 *
 * `annotator:NAME`: the images NAME has boxes on or marked done (then possibly
 * empty). `model:NAME`: the model's latest run on each image it was run on.
 */
export function planLabels(db: Db, imageIds: readonly number[], choice: LabelChoice): LabelPlan {
  const sources = new Map<number, LabelSource>();
  const skipped = new Map<number, SkipReason>();
  const label = labelChoiceText(choice);
  const wanted = new Set(imageIds);

  if (choice !== 'final' && 'annotator' in choice) {
    const a = db.prepare<[string], { id: number; kind: string }>('SELECT id, kind FROM annotators WHERE name = ?').get(choice.annotator);
    if (!a || a.kind !== 'human') {
      const names = humanNames(db);
      throw new LoupeError('not_found', `No annotator "${choice.annotator}" in this project (annotators: ${names.length ? names.join(', ') : 'none'}).`);
    }
    const has = new Set<number>();
    for (const r of db.prepare<[number], { imageId: number }>('SELECT DISTINCT image_id AS imageId FROM boxes WHERE annotator_id = ?').iterate(a.id)) has.add(r.imageId);
    for (const r of db
      .prepare<[number], { imageId: number }>(`SELECT image_id AS imageId FROM assignments WHERE annotator_id = ? AND status = 'done'`)
      .iterate(a.id)) {
      has.add(r.imageId);
    }
    for (const id of imageIds) {
      if (has.has(id)) sources.set(id, { annotatorId: a.id, runId: null });
      else skipped.set(id, 'no_labels_from_annotator');
    }
    return { sources, skipped, label };
  }

  if (choice !== 'final') {
    const a = db
      .prepare<[string], { id: number }>(`SELECT id FROM annotators WHERE name = ? AND kind = 'model'`)
      .get(choice.model);
    if (!a) {
      const names = db.prepare<[], { name: string }>(`SELECT name FROM annotators WHERE kind = 'model' ORDER BY name`).all().map((r) => r.name);
      throw new LoupeError('not_found', `No model "${choice.model}" has predictions in this project (models: ${names.length ? names.join(', ') : 'none'}).`);
    }
    // The latest run per image: a re-run with other parameters supersedes the old predictions.
    const rows = db
      .prepare<[number], { imageId: number; runId: number }>(
        `SELECT ri.image_id AS imageId, max(ri.model_run_id) AS runId FROM run_images ri
         JOIN model_runs r ON r.id = ri.model_run_id WHERE r.annotator_id = ? AND ri.status = 'done' GROUP BY ri.image_id`,
      )
      .iterate(a.id);
    const runOf = new Map<number, number>();
    for (const r of rows) runOf.set(r.imageId, r.runId);
    for (const id of imageIds) {
      const run = runOf.get(id);
      if (run === undefined) skipped.set(id, 'not_run_by_model');
      else sources.set(id, { annotatorId: a.id, runId: run });
    }
    return { sources, skipped, label };
  }

  const consensus = new Map<number, number>();
  const pairs = db.prepare<[], Pair>(
    `SELECT image_id AS imageId, min(annotator_id) AS annotatorId FROM (
       SELECT b.image_id, b.annotator_id FROM boxes b JOIN annotators n ON n.id = b.annotator_id WHERE n.kind = 'consensus'
       UNION
       SELECT s.image_id, s.annotator_id FROM assignments s JOIN annotators n ON n.id = s.annotator_id
       WHERE n.kind = 'consensus' AND s.status = 'done'
     ) GROUP BY image_id`,
  );
  for (const r of pairs.iterate()) if (wanted.has(r.imageId)) consensus.set(r.imageId, r.annotatorId);

  // Done marks made in review come before those a label import made: a person who
  // corrected an image in Loupe and marked it done made the newer decision.
  const done = new Map<number, number[]>();
  const imported = new Map<number, number[]>();
  for (const r of db
    .prepare<[], Pair & { origin: string }>(
      `SELECT s.image_id AS imageId, s.annotator_id AS annotatorId, s.origin FROM assignments s JOIN annotators n ON n.id = s.annotator_id
       WHERE n.kind = 'human' AND s.status = 'done' ORDER BY s.annotator_id`,
    )
    .iterate()) {
    if (!wanted.has(r.imageId)) continue;
    const into = r.origin === 'import' ? imported : done;
    const list = into.get(r.imageId);
    if (list) list.push(r.annotatorId);
    else into.set(r.imageId, [r.annotatorId]);
  }
  for (const [imageId, list] of imported) if (!done.has(imageId)) done.set(imageId, list);

  const assigned = new Set<number>();
  for (const r of db.prepare<[], { imageId: number }>('SELECT DISTINCT image_id AS imageId FROM assignments').iterate()) assigned.add(r.imageId);

  // The one person with boxes on an image, or -1 when several have. Distinct
  // (image, annotator) pairs come straight off the boxes_by_image index in
  // order; counting people per image here avoids SQLite's temporary b-tree
  // for count(DISTINCT) (about 0.3 s to 0.1 s on a million boxes).
  const humans = new Set(db.prepare<[], number>(`SELECT id FROM annotators WHERE kind = 'human'`).pluck().all());
  const soleAuthor = new Map<number, number>();
  for (const [imageId, annotatorId] of db.prepare<[], [number, number]>('SELECT image_id, annotator_id FROM boxes GROUP BY image_id, annotator_id').raw().iterate()) {
    if (!humans.has(annotatorId) || !wanted.has(imageId)) continue;
    soleAuthor.set(imageId, soleAuthor.has(imageId) ? -1 : annotatorId);
  }

  for (const id of imageIds) {
    const c = consensus.get(id);
    const d = done.get(id);
    const sole = soleAuthor.get(id);
    if (c !== undefined) sources.set(id, { annotatorId: c, runId: null });
    else if (d?.length === 1) sources.set(id, { annotatorId: d[0], runId: null });
    else if (d && d.length > 1) skipped.set(id, 'unresolved');
    else if (!assigned.has(id) && sole !== undefined && sole >= 0) sources.set(id, { annotatorId: sole, runId: null });
    else skipped.set(id, 'not_reviewed');
  }
  return { sources, skipped, label };
}

function humanNames(db: Db): string[] {
  return db.prepare<[], { name: string }>(`SELECT name FROM annotators WHERE kind = 'human' ORDER BY name`).all().map((r) => r.name);
}
