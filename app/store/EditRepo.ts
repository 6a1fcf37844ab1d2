import type { BoxDiff } from '../domain/diff.ts';
import type { Db } from './openDatabase.ts';

/** A recorded edit: the audit trail entry that undo and redo walk. */
export interface EditRow {
  id: number;
  time: string;
  annotatorId: number;
  imageId: number;
  kind: 'edit' | 'undo' | 'redo';
  state: 'applied' | 'undone' | 'dropped' | 'log';
  diff: BoxDiff;
}

interface EditRowDb extends Omit<EditRow, 'diff'> {
  diff: string;
}

const COLS = 'id, time, annotator_id AS annotatorId, image_id AS imageId, kind, state, diff';

/**
 * The edits table. An `edit` row is `applied` until undone; a new edit drops the
 * undone ones (the redo stack). Undo and redo add `log` rows so the trail is complete.
 */
export class EditRepo {
  private readonly sInsert;
  private readonly sLastApplied;
  private readonly sFirstUndone;
  private readonly sSetState;
  private readonly sDropUndone;
  private readonly sCounts;

  constructor(db: Db) {
    this.sInsert = db.prepare(
      'INSERT INTO edits (time, annotator_id, image_id, kind, target_edit_id, state, diff) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.sLastApplied = db.prepare<[number, number], EditRowDb>(
      `SELECT ${COLS} FROM edits WHERE image_id = ? AND annotator_id = ? AND kind = 'edit' AND state = 'applied' ORDER BY id DESC LIMIT 1`,
    );
    this.sFirstUndone = db.prepare<[number, number], EditRowDb>(
      `SELECT ${COLS} FROM edits WHERE image_id = ? AND annotator_id = ? AND kind = 'edit' AND state = 'undone' ORDER BY id ASC LIMIT 1`,
    );
    this.sSetState = db.prepare('UPDATE edits SET state = ? WHERE id = ?');
    this.sDropUndone = db.prepare(
      `UPDATE edits SET state = 'dropped' WHERE image_id = ? AND annotator_id = ? AND kind = 'edit' AND state = 'undone'`,
    );
    this.sCounts = db.prepare<[number, number], { undo: number; redo: number }>(
      `SELECT coalesce(sum(state = 'applied'), 0) AS undo, coalesce(sum(state = 'undone'), 0) AS redo
       FROM edits WHERE image_id = ? AND annotator_id = ? AND kind = 'edit'`,
    );
  }

  /** Record a new user edit; it clears the redo stack of that image and author. */
  recordEdit(imageId: number, annotatorId: number, diff: BoxDiff, time: string): number {
    this.sDropUndone.run(imageId, annotatorId);
    return Number(this.sInsert.run(time, annotatorId, imageId, 'edit', null, 'applied', JSON.stringify(diff)).lastInsertRowid);
  }
  /** recordEdit with the diff given as its JSON text (made without JSON.stringify by a caller writing many). */
  recordEditText(imageId: number, annotatorId: number, diffJson: string, time: string): number {
    this.sDropUndone.run(imageId, annotatorId);
    return Number(this.sInsert.run(time, annotatorId, imageId, 'edit', null, 'applied', diffJson).lastInsertRowid);
  }
  lastApplied(imageId: number, annotatorId: number): EditRow | undefined {
    return parse(this.sLastApplied.get(imageId, annotatorId));
  }
  firstUndone(imageId: number, annotatorId: number): EditRow | undefined {
    return parse(this.sFirstUndone.get(imageId, annotatorId));
  }
  /** Mark an edit undone or re-applied, and log the step. */
  mark(edit: EditRow, kind: 'undo' | 'redo', appliedDiff: BoxDiff, time: string): void {
    this.sSetState.run(kind === 'undo' ? 'undone' : 'applied', edit.id);
    this.sInsert.run(time, edit.annotatorId, edit.imageId, kind, edit.id, 'log', JSON.stringify(appliedDiff));
  }
  /** How many steps can be undone and redone. */
  depth(imageId: number, annotatorId: number): { undo: number; redo: number } {
    return this.sCounts.get(imageId, annotatorId)!;
  }
}

function parse(r: EditRowDb | undefined): EditRow | undefined {
  return r ? { ...r, diff: JSON.parse(r.diff) as BoxDiff } : undefined;
}
