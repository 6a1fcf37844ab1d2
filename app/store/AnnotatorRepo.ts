import type { Db } from './openDatabase.ts';

export type AnnotatorKind = 'human' | 'model' | 'consensus';

/** A person, a model run's author, or the consensus author. */
export interface AnnotatorRow {
  id: number;
  name: string;
  kind: AnnotatorKind;
}

/** Annotators: who authored a box. */
export class AnnotatorRepo {
  private readonly sByName;
  private readonly sInsert;
  private readonly sList;

  constructor(db: Db) {
    this.sByName = db.prepare<[string], AnnotatorRow>('SELECT id, name, kind FROM annotators WHERE name = ?');
    this.sInsert = db.prepare('INSERT INTO annotators (name, kind) VALUES (?, ?)');
    this.sList = db.prepare<[], AnnotatorRow>('SELECT id, name, kind FROM annotators ORDER BY id');
  }

  /** The annotator with this name, created on first use. */
  ensure(name: string, kind: AnnotatorKind): AnnotatorRow {
    const found = this.sByName.get(name);
    if (found) return found;
    const id = Number(this.sInsert.run(name, kind).lastInsertRowid);
    return { id, name, kind };
  }
  list(): AnnotatorRow[] {
    return this.sList.all();
  }
}
