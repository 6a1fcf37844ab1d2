import type { Box, BoxState } from '../domain/box.ts';
import type { Db } from './openDatabase.ts';

interface BoxRowDb {
  id: number;
  image_id: number;
  annotator_id: number;
  model_run_id: number | null;
  class_id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number | null;
  provenance: Box['provenance'];
  source_box_id: number | null;
}

const COLS = 'id, image_id, annotator_id, model_run_id, class_id, x, y, w, h, score, provenance, source_box_id';

function toBox(r: BoxRowDb): Box {
  return {
    id: r.id,
    imageId: r.image_id,
    annotatorId: r.annotator_id,
    modelRunId: r.model_run_id,
    classId: r.class_id,
    x: r.x,
    y: r.y,
    w: r.w,
    h: r.h,
    score: r.score,
    provenance: r.provenance,
    sourceBoxId: r.source_box_id,
  };
}

/** Boxes of every author, in original-image pixels. */
export class BoxRepo {
  private readonly sByImage;
  private readonly sByImageAuthor;
  private readonly sGet;
  private readonly sInsert;
  private readonly sInsertWithId;
  private readonly sUpdate;
  private readonly sDelete;
  private readonly sCountByClass;
  private readonly sDeleteAuthored;
  private readonly sCountAuthored;
  private readonly sCountVisible;

  constructor(db: Db) {
    this.sByImage = db.prepare<[number], BoxRowDb>(`SELECT ${COLS} FROM boxes WHERE image_id = ? ORDER BY id`);
    this.sByImageAuthor = db.prepare<[number, number], BoxRowDb>(
      `SELECT ${COLS} FROM boxes WHERE image_id = ? AND annotator_id = ? ORDER BY id`,
    );
    this.sGet = db.prepare<[number], BoxRowDb>(`SELECT ${COLS} FROM boxes WHERE id = ?`);
    this.sInsert = db.prepare(
      `INSERT INTO boxes (image_id, annotator_id, model_run_id, class_id, x, y, w, h, score, provenance, source_box_id)
       VALUES (@imageId, @annotatorId, @modelRunId, @classId, @x, @y, @w, @h, @score, @provenance, @sourceBoxId)`,
    );
    this.sInsertWithId = db.prepare(
      `INSERT INTO boxes (id, image_id, annotator_id, model_run_id, class_id, x, y, w, h, score, provenance, source_box_id)
       VALUES (@id, @imageId, @annotatorId, @modelRunId, @classId, @x, @y, @w, @h, @score, @provenance, @sourceBoxId)`,
    );
    this.sUpdate = db.prepare('UPDATE boxes SET class_id = @classId, x = @x, y = @y, w = @w, h = @h WHERE id = @id');
    this.sDelete = db.prepare('DELETE FROM boxes WHERE id = ?');
    this.sCountByClass = db.prepare<[], { class_id: number; n: number }>(
      'SELECT class_id, count(*) AS n FROM boxes GROUP BY class_id',
    );
    this.sDeleteAuthored = db.prepare('DELETE FROM boxes WHERE image_id = ? AND annotator_id = ? AND provenance = ?');
    this.sCountAuthored = db.prepare<[number, number, string], { n: number }>(
      'SELECT count(*) AS n FROM boxes WHERE image_id = ? AND annotator_id = ? AND provenance != ?',
    );
    this.sCountVisible = db.prepare<[number, number], number>(
      'SELECT count(*) FROM boxes WHERE image_id = ? AND (annotator_id = ? OR model_run_id IS NOT NULL)',
    ).pluck();
  }

  forImage(imageId: number, annotatorId?: number): Box[] {
    const rows = annotatorId === undefined ? this.sByImage.all(imageId) : this.sByImageAuthor.all(imageId, annotatorId);
    return rows.map(toBox);
  }
  get(id: number): Box | undefined {
    const r = this.sGet.get(id);
    return r ? toBox(r) : undefined;
  }
  /** Insert a box; an explicit id re-creates a box that undo removed. */
  insert(b: Omit<Box, 'id'> & { id?: number }): number {
    const params = { ...b, id: b.id ?? null };
    if (b.id !== undefined) {
      this.sInsertWithId.run(params);
      return b.id;
    }
    return Number(this.sInsert.run(params).lastInsertRowid);
  }
  update(b: BoxState): number {
    return this.sUpdate.run(b).changes;
  }
  delete(id: number): number {
    return this.sDelete.run(id).changes;
  }
  /** Remove an author's boxes of one provenance on an image (before importing them again). */
  deleteAuthored(imageId: number, annotatorId: number, provenance: Box['provenance']): number {
    return this.sDeleteAuthored.run(imageId, annotatorId, provenance).changes;
  }
  /** How many of an author's boxes on an image have another provenance than this one. */
  countAuthoredOther(imageId: number, annotatorId: number, provenance: Box['provenance']): number {
    return this.sCountAuthored.get(imageId, annotatorId, provenance)!.n;
  }
  /** How many of an image's boxes are this person's or a model's (what blind labelling shows them). */
  countVisible(imageId: number, annotatorId: number): number {
    return this.sCountVisible.get(imageId, annotatorId)!;
  }
  countByClass(): Map<number, number> {
    return new Map(this.sCountByClass.all().map((r) => [r.class_id, r.n]));
  }
}
