import crypto from 'node:crypto';
import type { AssignmentStatus } from './AssignmentRepo.ts';
import type { Db } from './openDatabase.ts';

/** A model run as a package carries it, with its author's name. */
export interface PackageRun {
  id: number;
  author: string;
  modelHash: string;
  name: string;
  parameters: string;
  startedAt: string;
  finishedAt: string | null;
}

/** A person's mark on an image, as stored. */
export interface PackageMark {
  status: AssignmentStatus;
  updatedAt: string;
  /** When a lead assigned the image (null when the row came from working or importing, or the project has no such column). */
  assignedAt: string | null;
}

/** One recorded edit of a person, its diff as stored JSON text. */
export interface PackageEdit {
  time: string;
  kind: string;
  state: string;
  diff: string;
}

/**
 * What work packages read and write beyond the other repositories: the
 * project's stable id (in `meta`), a person's images, the latest run on an
 * image, rows created with the ids of the project a package came from, and an
 * import's replacement of one person's work on one image.
 */
export class PackageRepo {
  private readonly sMetaGet;
  private readonly sMetaPut;
  private readonly sMetaInsertNew;
  private readonly sPersonImages;
  private readonly sMark;
  private readonly sLatestRun;
  private readonly sPredictions;
  private readonly sRun;
  private readonly sEdits;
  private readonly sClassInsert;
  private readonly sRunInsert;
  private readonly sRunImage;
  private readonly sImageInsert;
  private readonly sDeletePersonBoxes;
  private readonly sClearRejections;
  private readonly sEndUndo;
  private readonly sHasEdit;
  private readonly sEditInsert;
  private readonly sBoxIdTaken;
  private readonly sAssignedAt;

  constructor(private readonly db: Db) {
    this.sMetaGet = db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck();
    this.sMetaPut = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.sMetaInsertNew = db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
    this.sPersonImages = db.prepare<[number, number], number>(
      `SELECT image_id FROM assignments WHERE annotator_id = ?
       UNION SELECT DISTINCT image_id FROM boxes WHERE annotator_id = ? AND model_run_id IS NULL
       ORDER BY 1`,
    ).pluck();
    const hasAssignedAt = (db.prepare(`SELECT name FROM pragma_table_info('assignments')`).pluck().all() as string[]).includes('assigned_at');
    this.sMark = db.prepare<[number, number], PackageMark>(
      `SELECT status, updated_at AS updatedAt, ${hasAssignedAt ? 'assigned_at' : 'NULL'} AS assignedAt FROM assignments WHERE image_id = ? AND annotator_id = ?`,
    );
    this.sAssignedAt = hasAssignedAt ? db.prepare('UPDATE assignments SET assigned_at = ? WHERE image_id = ? AND annotator_id = ?') : null;
    // A run that found nothing on the image is still its latest run there: run_images says it ran.
    this.sLatestRun = db.prepare<[number, number], number | null>(
      `SELECT max(id) FROM (
         SELECT model_run_id AS id FROM run_images WHERE image_id = ? AND status = 'done'
         UNION ALL SELECT model_run_id FROM boxes WHERE image_id = ? AND model_run_id IS NOT NULL)`,
    ).pluck();
    this.sPredictions = db.prepare<[number, number], { id: number; classId: number; x: number; y: number; w: number; h: number; score: number | null }>(
      'SELECT id, class_id AS classId, x, y, w, h, score FROM boxes WHERE image_id = ? AND model_run_id = ? ORDER BY id',
    );
    this.sRun = db.prepare<[number], PackageRun>(
      `SELECT r.id, a.name AS author, r.model_hash AS modelHash, r.name, r.parameters, r.started_at AS startedAt, r.finished_at AS finishedAt
       FROM model_runs r JOIN annotators a ON a.id = r.annotator_id WHERE r.id = ?`,
    );
    this.sEdits = db.prepare<[number, number], PackageEdit>(
      `SELECT time, kind, state, diff FROM edits WHERE image_id = ? AND annotator_id = ? AND kind = 'edit' ORDER BY id`,
    );
    this.sClassInsert = db.prepare('INSERT INTO classes (id, name, color, hotkey, position) VALUES (?, ?, ?, ?, ?)');
    this.sRunInsert = db.prepare(
      'INSERT INTO model_runs (id, annotator_id, model_hash, name, parameters, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.sRunImage = db.prepare(
      `INSERT OR IGNORE INTO run_images (model_run_id, image_id, status, error, boxes, at) VALUES (?, ?, 'done', NULL, ?, ?)`,
    );
    this.sImageInsert = db.prepare(
      `INSERT INTO images (id, root_id, path, width, height, orientation, format, bytes, content_hash, metadata, ingest_error, added_at)
       VALUES (@id, @rootId, @path, @width, @height, @orientation, @format, @bytes, @contentHash, @metadata, NULL, @addedAt)`,
    );
    this.sDeletePersonBoxes = db.prepare('DELETE FROM boxes WHERE image_id = ? AND annotator_id = ? AND model_run_id IS NULL');
    this.sClearRejections = db.prepare('DELETE FROM rejections WHERE annotator_id = ? AND box_id IN (SELECT id FROM boxes WHERE image_id = ?)');
    this.sEndUndo = db.prepare(
      `UPDATE edits SET state = 'dropped' WHERE image_id = ? AND annotator_id = ? AND kind = 'edit' AND state IN ('applied', 'undone')`,
    );
    this.sHasEdit = db.prepare<[number, number, string], number>(
      `SELECT 1 FROM edits WHERE image_id = ? AND annotator_id = ? AND kind = 'edit' AND time = ?`,
    ).pluck();
    this.sEditInsert = db.prepare(
      `INSERT INTO edits (time, annotator_id, image_id, kind, target_edit_id, state, diff) VALUES (?, ?, ?, 'edit', NULL, ?, ?)`,
    );
    this.sBoxIdTaken = db.prepare<[number], number>('SELECT 1 FROM boxes WHERE id = ?').pluck();
  }

  /** The project's stable id, created on first need and kept (the `meta` key `project_id`). */
  projectId(): string {
    const found = this.sMetaGet.get('project_id');
    if (found) return found;
    this.sMetaInsertNew.run('project_id', crypto.randomUUID());
    return this.sMetaGet.get('project_id')!;
  }
  /** The project id if one was ever made, without making one. */
  existingProjectId(): string | undefined {
    return this.sMetaGet.get('project_id');
  }
  meta(key: string): string | undefined {
    return this.sMetaGet.get(key);
  }
  setMeta(key: string, value: string): void {
    this.sMetaPut.run(key, value);
  }
  /** The images a person has an assignment row or boxes on, in id order. */
  personImages(annotatorId: number): number[] {
    return this.sPersonImages.all(annotatorId, annotatorId);
  }
  mark(imageId: number, annotatorId: number): PackageMark | undefined {
    return this.sMark.get(imageId, annotatorId);
  }
  /** Record when the image was assigned, where the project keeps that. */
  setAssignedAt(imageId: number, annotatorId: number, at: string | null): void {
    this.sAssignedAt?.run(at, imageId, annotatorId);
  }
  /** The newest model run on an image (by run id), or null when no model ran on it. */
  latestRun(imageId: number): number | null {
    return this.sLatestRun.get(imageId, imageId) ?? null;
  }
  predictions(imageId: number, runId: number) {
    return this.sPredictions.all(imageId, runId);
  }
  run(id: number): PackageRun | undefined {
    return this.sRun.get(id);
  }
  /** A person's recorded edits on an image (not the undo and redo log rows), oldest first. */
  edits(imageId: number, annotatorId: number): PackageEdit[] {
    return this.sEdits.all(imageId, annotatorId);
  }
  insertClass(c: { id: number; name: string; color: string; hotkey: string | null; position: number }): void {
    this.sClassInsert.run(c.id, c.name, c.color, c.hotkey, c.position);
  }
  insertRun(r: Omit<PackageRun, 'author'>, annotatorId: number): void {
    this.sRunInsert.run(r.id, annotatorId, r.modelHash, r.name, r.parameters, r.startedAt, r.finishedAt);
  }
  /** Record that a run was done on an image, with how many boxes it found. */
  runImage(runId: number, imageId: number, boxes: number, at: string): void {
    this.sRunImage.run(runId, imageId, boxes, at);
  }
  insertImage(img: { id: number; rootId: number; path: string; width: number; height: number; orientation: number; format: string | null; bytes: number; contentHash: string; metadata: string }, addedAt: string): void {
    this.sImageInsert.run({ ...img, addedAt });
  }
  /** Remove a person's own boxes on an image (never predictions); the number removed. */
  deletePersonBoxes(imageId: number, annotatorId: number): number {
    return this.sDeletePersonBoxes.run(imageId, annotatorId).changes;
  }
  clearRejections(imageId: number, annotatorId: number): void {
    this.sClearRejections.run(annotatorId, imageId);
  }
  /** Close a person's undo history on an image: their edits there can no longer be undone or redone. */
  endUndo(imageId: number, annotatorId: number): void {
    this.sEndUndo.run(imageId, annotatorId);
  }
  hasEdit(imageId: number, annotatorId: number, time: string): boolean {
    return this.sHasEdit.get(imageId, annotatorId, time) !== undefined;
  }
  /** Record an edit brought from a package: in the trail (state `log`), outside undo and redo. */
  insertLogEdit(imageId: number, annotatorId: number, time: string, diff: string): void {
    this.sEditInsert.run(time, annotatorId, imageId, 'log', diff);
  }
  boxIdTaken(id: number): boolean {
    return this.sBoxIdTaken.get(id) !== undefined;
  }
}
