/** Messages between a DetectorPool and its detectWorker threads. */
import type { ErrorCode } from '../domain/errors.ts';
import type { DetectParams } from './decode.ts';
import type { ImageSource } from './imageInput.ts';
import type { DetectResult, Latency, LoadOptions, ModelInfo } from './model.ts';

/** workerData of a detector worker. */
export interface WorkerInit {
  modelFile: string;
  load: LoadOptions;
  /** How many queued images the worker decodes ahead of the one it runs. */
  prefetch: number;
}

/** Parent → worker. */
export type ToWorker =
  | { type: 'detect'; id: number; image: ImageSource; params?: DetectParams }
  | { type: 'latency'; id: number; runs: number; warmup: number }
  | { type: 'close' };

/** Worker → parent. */
export type FromWorker =
  | { type: 'ready'; info: ModelInfo }
  | { type: 'failed'; error: { code: ErrorCode; message: string } }
  | { type: 'result'; id: number; ok: true; value: DetectResult | Latency }
  | { type: 'result'; id: number; ok: false; error: { code: ErrorCode; message: string } };
