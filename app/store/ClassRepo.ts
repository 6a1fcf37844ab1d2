import type { Db } from './openDatabase.ts';

/** A label class as stored. */
export interface ClassRow {
  id: number;
  name: string;
  color: string;
  hotkey: string | null;
  position: number;
}

/** Classes: name, colour, hotkey and display order. */
export class ClassRepo {
  private readonly sList;
  private readonly sGet;
  private readonly sByName;
  private readonly sInsert;
  private readonly sUpdate;
  private readonly sDelete;
  private readonly sMaxPos;
  private readonly sUsage;

  constructor(db: Db) {
    this.sList = db.prepare<[], ClassRow>('SELECT id, name, color, hotkey, position FROM classes ORDER BY position, id');
    this.sGet = db.prepare<[number], ClassRow>('SELECT id, name, color, hotkey, position FROM classes WHERE id = ?');
    this.sByName = db.prepare<[string], ClassRow>('SELECT id, name, color, hotkey, position FROM classes WHERE name = ?');
    this.sInsert = db.prepare('INSERT INTO classes (name, color, hotkey, position) VALUES (?, ?, ?, ?)');
    this.sUpdate = db.prepare('UPDATE classes SET name = ?, color = ?, hotkey = ?, position = ? WHERE id = ?');
    this.sDelete = db.prepare('DELETE FROM classes WHERE id = ?');
    this.sMaxPos = db.prepare<[], { p: number | null }>('SELECT max(position) AS p FROM classes');
    this.sUsage = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM boxes WHERE class_id = ?');
  }

  list(): ClassRow[] {
    return this.sList.all();
  }
  get(id: number): ClassRow | undefined {
    return this.sGet.get(id);
  }
  byName(name: string): ClassRow | undefined {
    return this.sByName.get(name);
  }
  insert(c: Omit<ClassRow, 'id' | 'position'> & { position?: number }): number {
    const position = c.position ?? (this.sMaxPos.get()?.p ?? -1) + 1;
    return Number(this.sInsert.run(c.name, c.color, c.hotkey, position).lastInsertRowid);
  }
  update(c: ClassRow): void {
    this.sUpdate.run(c.name, c.color, c.hotkey, c.position, c.id);
  }
  delete(id: number): void {
    this.sDelete.run(id);
  }
  usage(id: number): number {
    return this.sUsage.get(id)?.n ?? 0;
  }
}
