import type { SliceReport } from './slices.ts';

/** What an evaluation worker is started with: where the project is and what to compare. */
export interface EvalWorkerData {
  file: string;
  /** better-sqlite3's native binding when the host runs another runtime (Electron). */
  nativeBinding?: string;
  runId: number;
  /** The reference annotator, or null for the final labels. */
  referenceId: number | null;
  importedRun: boolean;
  maxValues?: number;
}

/** The worker's report: the slices, and how many reviewed images there were and how many were evaluated. */
export interface EvalWorkerResult {
  report: SliceReport;
  reviewed: number;
  evaluated: number;
}

export type FromEvalWorker =
  | { type: 'progress'; done: number; total: number; message?: string }
  | { type: 'done'; result: EvalWorkerResult }
  | { type: 'error'; code: string | null; message: string };
