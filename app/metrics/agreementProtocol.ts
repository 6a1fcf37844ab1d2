import type { ReadOnlyWorkerData } from '../jobs/readOnlyWorker.ts';

/** What an agreement worker is started with: where the project is and the report's parameters. */
export interface AgreementWorkerData extends ReadOnlyWorkerData {
  iou: number;
  quorum?: number;
  /** Progress is posted every this many images (default 500). */
  progressEvery?: number;
  /**
   * Only the images with from ≤ id < to (±Infinity for an open end); the worker then
   * gives its AgreementPart for the host to merge instead of the report.
   */
  range?: { from: number; to: number };
}

/** What the image_agreement writer is started with: where the project is. */
export type AgreementWriteData = ReadOnlyWorkerData;

/** The one message the writer waits for: a finished report's per-image rows, by column. */
export interface AgreementWriteRows {
  imageId: Float64Array;
  agreement: Float64Array;
  people: Int32Array;
  iou: number;
  at: string;
}

/** What the writer answers. */
export type FromAgreementWriter = { type: 'ready' } | { type: 'done' } | { type: 'error'; message: string };
