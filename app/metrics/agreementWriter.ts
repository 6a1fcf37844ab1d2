import { Worker } from 'node:worker_threads';
import { LoupeError } from '../domain/errors.ts';
import { bundledWorker } from '../jobs/bundledWorker.ts';
import { workerEntry } from '../jobs/workerEntry.ts';
import type { AgreementWriteData, AgreementWriteRows, FromAgreementWriter } from './agreementProtocol.ts';

/** A started image_agreement writer (agreementWriteWorker.ts). */
export interface AgreementWriter {
  /** Write the rows in the worker's one transaction; resolves once committed. Once only. */
  write(rows: AgreementWriteRows): Promise<void>;
  /** End the worker; before write() that writes nothing. */
  stop(): void;
}

/**
 * Start the writer of a report's per-image agreement. Its messages are listened to from the start;
 * write() gives the rows (their buffers moved, not copied) and waits for the commit.
 */
export async function startAgreementWriter(data: AgreementWriteData, workerFile?: URL): Promise<AgreementWriter> {
  const source = new URL('./agreementWriteWorker.ts', import.meta.url);
  const file = workerFile ?? (await bundledWorker(source)) ?? source;
  const entry = workerEntry(file);
  const worker = new Worker(entry.filename, { eval: entry.eval, workerData: data });
  type Heard = Exclude<FromAgreementWriter, { type: 'ready' }> | { type: 'exit'; code: number };
  let answer: ((m: Heard) => void) | null = null;
  const early: Heard[] = [];
  const hear = (m: FromAgreementWriter | { type: 'exit'; code: number }) => {
    if (m.type === 'ready') return;
    if (answer) answer(m);
    else early.push(m);
  };
  worker.on('message', hear);
  worker.on('error', (err) => hear({ type: 'error', message: err.message }));
  worker.on('exit', (code) => hear({ type: 'exit', code }));
  let used = false;
  return {
    write(rows) {
      if (used) return Promise.reject(new LoupeError('internal', 'The agreement writer takes one report only.'));
      used = true;
      return new Promise<void>((resolve, reject) => {
        answer = (m) => {
          answer = () => undefined;
          if (m.type === 'done') resolve();
          else if (m.type === 'error') reject(new LoupeError('internal', `Writing each image's agreement failed: ${m.message}`));
          else reject(new LoupeError('internal', `The agreement writer stopped (exit ${m.code}) before it wrote the report.`));
        };
        if (early.length) answer(early[0]);
        else worker.postMessage(rows, [rows.imageId.buffer as ArrayBuffer, rows.agreement.buffer as ArrayBuffer, rows.people.buffer as ArrayBuffer]);
      });
    },
    stop() {
      void worker.terminate();
    },
  };
}
