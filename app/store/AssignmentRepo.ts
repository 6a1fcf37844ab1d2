import type { Db } from './openDatabase.ts';

/** Where an annotator is with an image. */
export type AssignmentStatus = 'todo' | 'in_progress' | 'done' | 'skipped';
/** Who set a status: a person reviewing in Loupe, or a label import. */
export type AssignmentOrigin = 'review' | 'import';

/** Assignments: which annotator has done (or is doing) which image. */
export class AssignmentRepo {
  private readonly sSet;
  private readonly sGet;
  private readonly sCount;
  private readonly sStart;

  constructor(db: Db) {
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
}
