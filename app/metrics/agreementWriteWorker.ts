/**
 * Worker thread that writes a finished agreement report's per-image rows to
 * image_agreement with a connection of its own, in one write transaction (taken up
 * front), so the host's event loop never holds that write. It opens the project at
 * once and waits for one message with the rows; stopped before that it writes
 * nothing, and a kill during the transaction leaves the last report's rows, as
 * SQLite rolls it back.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { messageOf } from '../domain/errors.ts';
import { AgreementRepo } from '../store/AgreementRepo.ts';
import type { AgreementWriteData, AgreementWriteRows, FromAgreementWriter } from './agreementProtocol.ts';

const port = parentPort!;
const data = workerData as AgreementWriteData;
const post = (m: FromAgreementWriter) => port.postMessage(m);

let db: Database.Database | null = null;
try {
  db = new Database(data.file, { fileMustExist: true, nativeBinding: data.nativeBinding });
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'error', message: messageOf(err) });
}

port.once('message', (m: AgreementWriteRows) => {
  if (!db) return;
  try {
    const repo = new AgreementRepo(db);
    const rows = Array.from(m.imageId, (imageId, i) => ({ imageId, agreement: m.agreement[i], people: m.people[i] }));
    db.transaction(() => repo.replaceImageAgreement(rows, m.iou, m.at)).immediate();
    post({ type: 'done' });
  } catch (err) {
    post({ type: 'error', message: messageOf(err) });
  } finally {
    db.close();
    port.close();
  }
});
