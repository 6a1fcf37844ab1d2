import type { Db } from './openDatabase.ts';

/** Where an annotator is with an image. */
export type AssignmentStatus = 'todo' | 'in_progress' | 'done' | 'skipped';

/** Assignments: which annotator has done (or is doing) which image. */
export class AssignmentRepo {
  private readonly sSet;
  private readonly sGet;
  private readonly sCount;

  constructor(db: Db) {
    this.sSet = db.prepare(
      `INSERT INTO assignments (image_id, annotator_id, status, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (image_id, annotator_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
    );
    this.sGet = db.prepare<[number, number], { status: AssignmentStatus }>('SELECT status FROM assignments WHERE image_id = ? AND annotator_id = ?');
    this.sCount = db.prepare<[number, string], { n: number }>('SELECT count(*) AS n FROM assignments WHERE annotator_id = ? AND status = ?');
  }

  /** Set an annotator's status on an image (created or replaced). */
  set(imageId: number, annotatorId: number, status: AssignmentStatus, at: string): void {
    this.sSet.run(imageId, annotatorId, status, at);
  }
  get(imageId: number, annotatorId: number): AssignmentStatus | undefined {
    return this.sGet.get(imageId, annotatorId)?.status;
  }
  /** How many images an annotator has with this status. */
  count(annotatorId: number, status: AssignmentStatus): number {
    return this.sCount.get(annotatorId, status)!.n;
  }
}
