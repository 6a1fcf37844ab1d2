import type { Db } from './openDatabase.ts';

/** Where an annotator is with an image. */
export type AssignmentStatus = 'todo' | 'in_progress' | 'done' | 'skipped';
/** Who set a status: a person reviewing in Loupe, or a label import. */
export type AssignmentOrigin = 'review' | 'import';

/** A person's row on an image as an assignment sees it. */
export interface AssignmentRow {
  imageId: number;
  annotatorId: number;
  status: AssignmentStatus;
  /** When a lead assigned it; null for a row a person's work or a label import made. */
  assignedAt: string | null;
}

/** Which images an assignment may choose from; every one given must hold. */
export interface AssignCandidates {
  /** Metadata key = value, all of them. */
  where?: readonly { key: string; value: string }[];
  /** A flag with this reason. */
  flag?: string;
  /** Images this model run has processed. */
  runId?: number;
}

/** Assignments: which annotator has done (or is doing) which image, and which images a lead assigned to whom. */
export class AssignmentRepo {
  private readonly sSet;
  private readonly sGet;
  private readonly sCount;
  private readonly sStart;
  private readonly sAssignedIds;
  private readonly sIsAssigned;
  private readonly sHasAssignments;
  private readonly sAssignedCounts;
  private readonly sRowsOn;
  private readonly sAssignNew;
  private readonly sUnassign;

  constructor(private readonly db: Db) {
    this.sSet = db.prepare(
      `INSERT INTO assignments (image_id, annotator_id, status, updated_at, origin) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (image_id, annotator_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, origin = excluded.origin`,
    );
    this.sGet = db.prepare<[number, number], { status: AssignmentStatus }>('SELECT status FROM assignments WHERE image_id = ? AND annotator_id = ?');
    this.sCount = db.prepare<[number, string], { n: number }>('SELECT count(*) AS n FROM assignments WHERE annotator_id = ? AND status = ?');
    // The first edit starts the review; a done or skipped image stays as the person left it.
    this.sStart = db.prepare(
      `INSERT INTO assignments (image_id, annotator_id, status, updated_at, origin) VALUES (?, ?, 'in_progress', ?, 'review')
       ON CONFLICT (image_id, annotator_id) DO UPDATE SET status = 'in_progress', updated_at = excluded.updated_at, origin = 'review'
       WHERE assignments.status = 'todo'`,
    );
    this.sAssignedIds = db.prepare<[number], number>('SELECT image_id FROM assignments WHERE annotator_id = ? AND assigned_at IS NOT NULL ORDER BY image_id').pluck();
    this.sIsAssigned = db.prepare<[number], number>('SELECT 1 FROM assignments INDEXED BY sqlite_autoindex_assignments_1 WHERE image_id = ? AND assigned_at IS NOT NULL LIMIT 1').pluck();
    this.sHasAssignments = db.prepare<[number], number>('SELECT 1 FROM assignments WHERE annotator_id = ? AND assigned_at IS NOT NULL LIMIT 1').pluck();
    this.sAssignedCounts = db.prepare<[], { annotatorId: number; n: number }>(
      'SELECT annotator_id AS annotatorId, count(*) AS n FROM assignments WHERE assigned_at IS NOT NULL GROUP BY annotator_id',
    );
    this.sRowsOn = db.prepare<[string], AssignmentRow>(
      `SELECT a.image_id AS imageId, a.annotator_id AS annotatorId, a.status, a.assigned_at AS assignedAt
       FROM assignments a WHERE a.image_id IN (SELECT value FROM json_each(?)) ORDER BY a.image_id, a.annotator_id`,
    );
    // A new assignment is a todo row; a row the person's work already made keeps its status and becomes assigned.
    this.sAssignNew = db.prepare(
      `INSERT INTO assignments (image_id, annotator_id, status, updated_at, origin, assigned_at) VALUES (?, ?, 'todo', ?, 'review', ?)
       ON CONFLICT (image_id, annotator_id) DO UPDATE SET assigned_at = coalesce(assignments.assigned_at, excluded.assigned_at)`,
    );
    // Only an untouched todo row an earlier assignment made may go.
    this.sUnassign = db.prepare("DELETE FROM assignments WHERE image_id = ? AND annotator_id = ? AND status = 'todo' AND assigned_at IS NOT NULL");
  }

  /** Set an annotator's status on an image (created or replaced). */
  set(imageId: number, annotatorId: number, status: AssignmentStatus, at: string, origin: AssignmentOrigin = 'review'): void {
    this.sSet.run(imageId, annotatorId, status, at, origin);
  }
  get(imageId: number, annotatorId: number): AssignmentStatus | undefined {
    return this.sGet.get(imageId, annotatorId)?.status;
  }
  /** Mark the image in progress for this person unless they already finished or skipped it; true when it changed. */
  start(imageId: number, annotatorId: number, at: string): boolean {
    return this.sStart.run(imageId, annotatorId, at).changes > 0;
  }
  /** How many images an annotator has with this status. */
  count(annotatorId: number, status: AssignmentStatus): number {
    return this.sCount.get(annotatorId, status)!.n;
  }

  /** The images a lead assigned to this person, in id order. */
  assignedImageIds(annotatorId: number): number[] {
    return this.sAssignedIds.all(annotatorId);
  }
  /** Whether a lead assigned this image to anyone (which makes its labelling blind). */
  isAssigned(imageId: number): boolean {
    return this.sIsAssigned.get(imageId) !== undefined;
  }
  /** Whether a lead assigned this person any image. */
  hasAssignments(annotatorId: number): boolean {
    return this.sHasAssignments.get(annotatorId) !== undefined;
  }
  /** How many images are assigned to each person who has any. */
  assignedCounts(): Map<number, number> {
    return new Map(this.sAssignedCounts.all().map((r) => [r.annotatorId, r.n]));
  }
  /** Every person's row on these images, by image then person. */
  rowsOn(imageIds: readonly number[]): AssignmentRow[] {
    return imageIds.length ? this.sRowsOn.all(JSON.stringify(imageIds)) : [];
  }
  /**
   * The image ids an assignment chooses from, in id order: every image, or those
   * matching every filter given (metadata off image_tags, a flag reason, a run's processed images).
   */
  candidates(c: AssignCandidates): number[] {
    const parts: string[] = [];
    const params: Record<string, unknown> = {};
    (c.where ?? []).forEach((w, k) => {
      params[`k${k}`] = w.key;
      params[`v${k}`] = w.value;
      parts.push(`i.id IN (SELECT t.image_id FROM image_tags t WHERE t.key = @k${k} AND t.value = @v${k})`);
    });
    if (c.flag !== undefined) {
      params.flag = c.flag;
      parts.push('i.id IN (SELECT f.image_id FROM flags f WHERE f.reason = @flag)');
    }
    if (c.runId !== undefined) {
      params.run = c.runId;
      parts.push("i.id IN (SELECT r.image_id FROM run_images r WHERE r.model_run_id = @run AND r.status = 'done')");
    }
    const sql = `SELECT i.id FROM images i ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} ORDER BY i.id`;
    return this.db.prepare(sql).pluck().all(params) as number[];
  }
  /** Apply an assignment plan in one transaction: rows to add (or mark assigned) and untouched todo rows to drop. */
  applyPlan(add: readonly { imageId: number; annotatorId: number }[], drop: readonly { imageId: number; annotatorId: number }[], at: string): void {
    this.db.transaction(() => {
      for (const d of drop) this.sUnassign.run(d.imageId, d.annotatorId);
      for (const a of add) this.sAssignNew.run(a.imageId, a.annotatorId, at, at);
    })();
  }
}
