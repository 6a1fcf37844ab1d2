/**
 * The body of a worker thread that reads a project: it opens the file read-only with
 * its own connection, runs `body`, and posts progress, the result or the error in the
 * messages runInWorker.ts expects.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { LoupeError, messageOf } from '../domain/errors.ts';

/** What every read-only worker is started with: where the project is. */
export interface ReadOnlyWorkerData {
  file: string;
  /** better-sqlite3's native binding when the host runs another runtime (Electron). */
  nativeBinding?: string;
}

/** Progress as a worker posts it. */
export type PostProgress = (done: number, total: number, message?: string) => void;

/** Run `body` on the worker's data and its read-only connection; call once at the top of a worker module. */
export function readOnlyWorker<D extends ReadOnlyWorkerData, R>(body: (db: Database.Database, data: D, progress: PostProgress) => R): void {
  const port = parentPort!;
  const data = workerData as D;
  try {
    const db = new Database(data.file, { readonly: true, fileMustExist: true, nativeBinding: data.nativeBinding });
    try {
      db.pragma('busy_timeout = 5000');
      const result = body(db, data, (done, total, message) => port.postMessage({ type: 'progress', done, total, message }));
      port.postMessage({ type: 'done', result });
    } finally {
      db.close();
    }
  } catch (err) {
    port.postMessage({ type: 'error', code: err instanceof LoupeError ? err.code : null, message: messageOf(err) });
  }
}
