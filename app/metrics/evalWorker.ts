/**
 * Worker thread of an evaluation. It opens the project read-only with its own
 * connection, reads one snapshot and computes the slice report, so neither
 * reading a million boxes nor evaluating them holds the host's event loop.
 */
import { readOnlyWorker } from '../jobs/readOnlyWorker.ts';
import { readEvaluationInput } from '../store/evaluationInput.ts';
import type { EvalWorkerData, EvalWorkerResult } from './evalProtocol.ts';
import { evaluateSlices } from './slices.ts';

readOnlyWorker<EvalWorkerData, EvalWorkerResult>((db, job, progress) => {
  progress(0, 1, 'reading the project');
  const input = readEvaluationInput(db, job);
  progress(0, 1, `evaluating ${input.metadata.size} images`);
  const report = evaluateSlices(input.metadata, input.classIds, input.reference, input.detections, {
    maxValues: job.maxValues,
    progress: (done, total) => progress(done, total, ''),
  });
  return { report, reviewed: input.reviewed, evaluated: input.metadata.size };
});
