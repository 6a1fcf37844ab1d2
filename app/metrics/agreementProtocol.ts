import type { AgreementReport } from './agreement/index.ts';

/** What an agreement worker is started with: where the project is and the report's parameters. */
export interface AgreementWorkerData {
  file: string;
  /** better-sqlite3's native binding when the host runs another runtime (Electron). */
  nativeBinding?: string;
  iou: number;
  quorum?: number;
  /** Progress is posted every this many images (default 500). */
  progressEvery?: number;
}

export type FromAgreementWorker =
  | { type: 'progress'; done: number; total: number; message?: string }
  | { type: 'done'; result: AgreementReport }
  | { type: 'error'; code: string | null; message: string };
