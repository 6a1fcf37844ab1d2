import type { ReadOnlyWorkerData } from '../jobs/readOnlyWorker.ts';
import type { SlicePart } from './sliceEval.ts';
import type { SliceDefinition, SliceReport } from './slices.ts';

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
  /** The class ids this worker evaluates (its share); default all. */
  categories?: number[];
}

/** A slice as a worker reports it: what it is and how many images it has (the ids stay in the worker). */
export type SliceHeader = Omit<SliceDefinition, 'imageIds'> & { images: number };

/** One worker's share: per run (the run, then the compared one), a part per set of images (all, then each slice) for its classes. */
export interface EvalWorkerPart {
  parts: SlicePart[][];
  classIds: number[];
  categories: number[];
  slices: SliceHeader[];
  keysSkipped: SliceReport['keysSkipped'];
  reviewed: number;
  evaluated: number;
  /** A digest of the evaluated image ids and slices: workers that read different snapshots disagree on it. */
  fingerprint: string;
}

/** The evaluation's result: the slice report (and the compared run's), and how many reviewed images there were and how many were evaluated. */
export interface EvalWorkerResult {
  report: SliceReport;
  other?: SliceReport;
  reviewed: number;
  evaluated: number;
}
