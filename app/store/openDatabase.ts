import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';

/** The better-sqlite3 handle type used across the store. */
export type Db = Database.Database;

export interface OpenOptions {
  /** Create the file when it does not exist (otherwise a missing file is an error). */
  create?: boolean;
  /** Path to a better-sqlite3 native binding built for another runtime (Electron). */
  nativeBinding?: string;
  readonly?: boolean;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/**
 * Open a project file: check it is SQLite, refuse a newer schema before touching
 * it, then run pending migrations in one transaction. Nothing is written when
 * any check fails.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const exists = fs.existsSync(file);
  if (!exists && !opts.create) {
    throw new LoupeError('not_found', `Project file not found: ${file}`);
  }
  if (exists) assertSqliteHeader(file, opts.create ?? false);

  let db: Db;
  try {
    db = new Database(file, {
      fileMustExist: !opts.create,
      readonly: opts.readonly ?? false,
      nativeBinding: opts.nativeBinding,
    });
  } catch (err) {
    throw cannotOpen(file, err, exists, opts.readonly ?? false);
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new LoupeError(
        'newer_schema',
        `Project ${file} was written by a newer Loupe (schema ${version}; this build reads up to ${SCHEMA_VERSION}). Update Loupe to open it.`,
      );
    }
    if (version > 0) checkIntegrity(db, file);
    else if ((db.prepare(`SELECT count(*) AS n FROM sqlite_master`).get() as { n: number }).n > 0) {
      throw new LoupeError('corrupt_project', `${file} is an SQLite file but not a Loupe project.`);
    }
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      writeLockUpFront(db);
      migrate(db, version);
    }
    return db;
  } catch (err) {
    db.close();
    if (!exists) removeQuietly(file);
    if (err instanceof LoupeError) throw err;
    throw cannotOpen(file, err, exists, opts.readonly ?? false);
  }
}

/**
 * Why SQLite could not open (or create) the file, in words: its own message
 * ("unable to open database file") does not say that the folder is read-only,
 * which is the usual cause, since a project writes its journal beside the file.
 */
function cannotOpen(file: string, err: unknown, exists: boolean, readonly: boolean): LoupeError {
  const verb = exists ? 'open' : 'create';
  const dir = path.dirname(path.resolve(file));
  const denied = (target: string, mode: number): string | null => {
    try {
      fs.accessSync(target, mode);
      return null;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? 'EACCES';
    }
  };
  if (!readonly) {
    const folder = denied(dir, fs.constants.W_OK);
    if (folder === 'EROFS') return new LoupeError('io', `Cannot ${verb} project ${file}: the folder ${dir} is on a read-only file system, and a project writes its journal beside its file. Copy the project to a writable folder.`);
    if (folder) return new LoupeError('io', `Cannot ${verb} project ${file}: no permission to write in the folder ${dir}, where a project writes its journal beside its file.`);
    if (exists && denied(file, fs.constants.R_OK | fs.constants.W_OK)) return new LoupeError('io', `Cannot open project ${file}: no permission to read and write the file.`);
  }
  return new LoupeError('corrupt_project', `Cannot ${verb} project ${file}: ${messageOf(err)}`);
}

function assertSqliteHeader(file: string, create: boolean): void {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(100);
    const n = fs.readSync(fd, head, 0, 100, 0);
    // An empty file is a valid new SQLite database, but opening one must not silently turn it into a project.
    if (n === 0 && create) return;
    if (n === 0) throw new LoupeError('corrupt_project', `${file} is empty, not a Loupe project.`);
    if (n < 16 || head.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
      throw new LoupeError('corrupt_project', `${file} is not a Loupe project (not an SQLite database).`);
    }
    // The header states the database size in pages (valid when its change counter
    // matches the version-valid-for number): a shorter file was cut off.
    if (n === 100) {
      const pageSize = head.readUInt16BE(16) === 1 ? 65536 : head.readUInt16BE(16);
      const pages = head.readUInt32BE(28);
      const valid = head.readUInt32BE(24) === head.readUInt32BE(92);
      const size = fs.fstatSync(fd).size;
      if (valid && pages > 0 && size < pages * pageSize) {
        throw new LoupeError('corrupt_project', `Project ${file} is damaged: it is ${size} bytes but its header says ${pages * pageSize} (truncated).`);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Files up to this size get a full page-level check on open; larger ones rely on the header and schema checks. */
const QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024;

function checkIntegrity(db: Db, file: string): void {
  // quick_check reads every page, so it would make opening a large project slow;
  // truncation is caught from the header before this, and damage inside a big
  // file surfaces as a corrupt_project error from the first query that meets it.
  const rows =
    fs.statSync(file).size <= QUICK_CHECK_MAX_BYTES ? (db.pragma('quick_check(5)') as { quick_check: string }[]) : [{ quick_check: 'ok' }];
  if (rows.length !== 1 || rows[0].quick_check !== 'ok') {
    const detail = rows.map((r) => r.quick_check).join('; ');
    throw new LoupeError('corrupt_project', `Project ${file} is damaged: ${detail}`);
  }
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type='table' AND name IN ('images','boxes','classes')`).all();
  if (tables.length !== 3) {
    throw new LoupeError('corrupt_project', `${file} is an SQLite file but not a Loupe project (tables missing).`);
  }
}

/**
 * Make every transaction of this connection begin with `BEGIN IMMEDIATE`.
 *
 * A deferred transaction that reads and then writes cannot wait for another
 * process's write lock: SQLite answers `database is locked` at once, busy
 * timeout or not, because waiting could deadlock two readers that both want
 * to write. Taking the write lock when the transaction begins lets the busy
 * timeout do its work, so a host's edits and a CLI job on the same file queue
 * instead of failing. Nested transactions stay savepoints, as before.
 */
function writeLockUpFront(db: Db): void {
  const make = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const t = make(fn);
    const immediate = (...args: unknown[]) => t.immediate(...args);
    return Object.assign(immediate, { default: t.immediate, deferred: t.deferred, immediate: t.immediate, exclusive: t.exclusive });
  }) as Db['transaction'];
}

/** Apply migrations from `from` to the current version inside one transaction. */
export function migrate(db: Db, from: number): void {
  if (from >= SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

function removeQuietly(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      fs.rmSync(f, { force: true });
    } catch {
      /* best effort: the file was ours and empty */
    }
  }
}
