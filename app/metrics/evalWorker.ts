/**
 * Worker thread of an evaluation. It opens the project read-only with its own
 * connection, reads one snapshot and computes the slice report (and, compared
 * with a second run, that run's on the same images and slices), so neither
 * reading a million boxes nor evaluating them holds the host's event loop.
 */
import { readOnlyWorker } from '../jobs/readOnlyWorker.ts';
import { readEvaluationInput } from '../store/evaluationInput.ts';
import type { EvalWorkerData, EvalWorkerResult } from './evalProtocol.ts';
import { evaluateSliceParts } from './sliceEval.ts';
import { defineSlices, sliceReport } from './slices.ts';

readOnlyWorker<EvalWorkerData, EvalWorkerResult>((db, job, progress) => {
  progress(0, 1, 'reading the project');
  const input = readEvaluationInput(db, job);
  const { imageIds, classIds } = input;
  const { slices, keysSkipped } = defineSlices(imageIds, input.metadata, input, { maxValues: job.maxValues });
  const sets = [imageIds, ...slices.map((s) => s.imageIds)];
  const runs = input.otherDetections ? [input.detections, input.otherDetections] : [input.detections];
  const total = classIds.length * runs.length;
  progress(0, total, `evaluating ${imageIds.length} images, ${slices.length} slices`);
  const reports = runs.map((dt, r) => {
    const parts = evaluateSliceParts({ imageIds, classIds, gt: input.reference, dt, slices: sets, progress: (done) => progress(r * classIds.length + done, total, '') });
    return sliceReport(parts, classIds, imageIds.length, slices, keysSkipped);
  });
  return { report: reports[0], ...(reports[1] ? { other: reports[1] } : {}), reviewed: input.reviewed, evaluated: imageIds.length };
});
