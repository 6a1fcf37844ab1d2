import type { Statement } from 'better-sqlite3';
import type { Db } from './openDatabase.ts';

/** One object per connection, made on first use (a repository built around its prepared statements). */
export function perConnection<T>(make: (db: Db) => T): (db: Db) => T {
  const made = new WeakMap<Db, T>();
  return (db) => {
    let r = made.get(db);
    if (!r) made.set(db, (r = make(db)));
    return r;
  };
}

/** Statements prepared on first use and kept by name, for a repository's rarely used queries. */
export class StatementCache {
  private readonly byKey = new Map<string, Statement>();
  constructor(private readonly db: Db) {}

  /** The statement named `key`, prepared from `sql` the first time. */
  get(key: string, sql: string): Statement {
    let s = this.byKey.get(key);
    if (!s) this.byKey.set(key, (s = this.db.prepare(sql)));
    return s;
  }

  /** The statement named `key` if it was prepared already. */
  peek(key: string): Statement | undefined {
    return this.byKey.get(key);
  }
}
