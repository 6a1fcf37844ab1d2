import type { ReadOnlyWorkerData } from '../jobs/readOnlyWorker.ts';
import type { SliceReport } from './slices.ts';

/** What an evaluation worker is started with: where the project is and what to compare. */
export interface EvalWorkerData extends ReadOnlyWorkerData {
  runId: number;
  /** The reference annotator, or null for the final labels. */
  referenceId: number | null;
  importedRun: boolean;
  /** Count only images this other run covered too, so two runs are compared on the same images. */
  also?: { runId: number; importedRun: boolean };
  /** A second run evaluated on the same images and slices (only images both covered count). */
  compare?: { runId: number; importedRun: boolean };
  maxValues?: number;
}

/** The worker's report: the slices (and the compared run's), and how many reviewed images there were and how many were evaluated. */
export interface EvalWorkerResult {
  report: SliceReport;
  other?: SliceReport;
  reviewed: number;
  evaluated: number;
}
