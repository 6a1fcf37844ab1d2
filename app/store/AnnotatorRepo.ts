import type { Db } from './openDatabase.ts';

export type AnnotatorKind = 'human' | 'model' | 'consensus';

/** A person, a model run's author, or the consensus author. */
export interface AnnotatorRow {
  id: number;
  name: string;
  kind: AnnotatorKind;
}

/** An annotator with how many images they marked done and how many boxes they authored. */
export interface AnnotatorSummary extends AnnotatorRow {
  imagesDone: number;
  boxes: number;
}

/** Annotators: who authored a box. */
export class AnnotatorRepo {
  private readonly sByName;
  private readonly sInsert;
  private readonly sList;
  private readonly sSummaries;

  constructor(db: Db) {
    this.sByName = db.prepare<[string], AnnotatorRow>('SELECT id, name, kind FROM annotators WHERE name = ?');
    this.sInsert = db.prepare('INSERT INTO annotators (name, kind) VALUES (?, ?)');
    this.sList = db.prepare<[], AnnotatorRow>('SELECT id, name, kind FROM annotators ORDER BY id');
    // One pass over each table, not one per annotator.
    this.sSummaries = db.prepare<[], AnnotatorSummary>(
      `SELECT a.id, a.name, a.kind, coalesce(d.n, 0) AS imagesDone, coalesce(b.n, 0) AS boxes
       FROM annotators a
       LEFT JOIN (SELECT annotator_id, count(*) AS n FROM assignments WHERE status = 'done' GROUP BY annotator_id) d ON d.annotator_id = a.id
       LEFT JOIN (SELECT annotator_id, count(*) AS n FROM boxes GROUP BY annotator_id) b ON b.annotator_id = a.id
       ORDER BY a.id`,
    );
  }

  /** The annotator with this name, created on first use. */
  ensure(name: string, kind: AnnotatorKind): AnnotatorRow {
    const found = this.sByName.get(name);
    if (found) return found;
    const id = Number(this.sInsert.run(name, kind).lastInsertRowid);
    return { id, name, kind };
  }
  /** The annotator with this exact name, if any. */
  byName(name: string): AnnotatorRow | undefined {
    return this.sByName.get(name);
  }
  list(): AnnotatorRow[] {
    return this.sList.all();
  }
  /** Every annotator with their done-image and box counts, in id order. */
  summaries(): AnnotatorSummary[] {
    return this.sSummaries.all();
  }
}
