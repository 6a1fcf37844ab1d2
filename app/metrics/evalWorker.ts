/**
 * Worker thread of an evaluation. It opens the project read-only with its own
 * connection, reads one snapshot of its share of the classes and accumulates
 * every slice for them (and, compared with a second run, that run's on the same
 * images and slices), so neither reading a million boxes nor evaluating them
 * holds the host's event loop. The host merges the workers' parts.
 */
import { createHash } from 'node:crypto';
import { readOnlyWorker } from '../jobs/readOnlyWorker.ts';
import { readEvaluationInput } from '../store/evaluationInput.ts';
import type { EvalWorkerData, EvalWorkerPart } from './evalProtocol.ts';
import { evaluateSliceParts } from './sliceEval.ts';
import { defineSlices } from './slices.ts';

readOnlyWorker<EvalWorkerData, EvalWorkerPart>((db, job, progress) => {
  progress(0, 1, 'reading the project');
  const input = readEvaluationInput(db, job);
  const { imageIds, classIds } = input;
  const categories = job.categories ?? classIds;
  const { slices, keysSkipped } = defineSlices(imageIds, input.metadata, input, { maxValues: job.maxValues });
  const digest = createHash('sha256').update(new Uint8Array(imageIds.buffer, imageIds.byteOffset, imageIds.byteLength)).update(JSON.stringify(classIds));
  for (const s of slices) digest.update(JSON.stringify([s.kind, s.key, s.value, s.imageIds]));
  const sets = [imageIds, ...slices.map((s) => s.imageIds)];
  const runs = input.otherDetections ? [input.detections, input.otherDetections] : [input.detections];
  const total = Math.max(categories.length, 1) * runs.length;
  progress(0, total, `evaluating ${imageIds.length} images, ${slices.length} slices`);
  const parts = runs.map((dt, r) =>
    evaluateSliceParts({ imageIds, classIds, categories, gt: input.reference, dt, slices: sets, progress: (done) => progress(r * categories.length + done, total, '') }),
  );
  return {
    parts,
    classIds,
    categories,
    slices: slices.map(({ imageIds: ids, ...s }) => ({ ...s, images: ids.length })),
    keysSkipped,
    reviewed: input.reviewed,
    evaluated: imageIds.length,
    fingerprint: digest.digest('hex'),
  };
});
