/**
 * Detection confusion matrix with a background row and column, as Ultralytics'
 * `ConfusionMatrix.process_batch` counts it for the detect task (transposed: here rows
 * are the reference, columns the prediction). Per image:
 *
 * - detections with score > the confidence threshold (default 0.25) take part; the rest
 *   are left out (counted in `belowConfidence`); crowd reference boxes are left out too
 *   (Ultralytics' COCO conversion drops them);
 * - candidates are the (reference, detection) pairs, of any classes, with IoU > the IoU
 *   threshold (default 0.5), IoU of the [x1, y1, x2, y2] corners as Ultralytics' `box_iou`
 *   computes it: intersection / (area1 + area2 − intersection + 1e-7);
 * - candidates sorted by IoU, highest first, then kept one per detection (its best
 *   reference box), then sorted again and kept one per reference box (its best detection);
 *   on equal IoU the later pair (reference index, then detection index, in input order)
 *   comes first, as numpy's sort of a few candidates leaves them;
 * - a reference box with a kept pair counts at [its class][the detection's class] (the
 *   diagonal when the classes agree); without one at [its class][background] (missed);
 * - a detection in no kept pair counts at [background][its class] (a false alarm).
 *
 * Host-agnostic and synchronous.
 */
import type { EvalInput } from './cocoEval.ts';

/** Options of `confusionMatrix`. */
export interface ConfusionOptions {
  /** Detections with a score above this take part; default 0.25. */
  confidence?: number;
  /** Pairs with an IoU above this can match; default 0.5. */
  iou?: number;
  signal?: AbortSignal;
}

/** A confusion matrix of K classes plus background. */
export interface ConfusionResult {
  /** The classes, ascending; row and column i is categoryIds[i], index K is background. */
  categoryIds: number[];
  /**
   * counts[r][c], (K + 1) × (K + 1): r the reference class (K = background: a detection that
   * matched no reference box), c the predicted class (K = background: a reference box no
   * detection matched). counts[K][K] is always 0.
   */
  counts: number[][];
  confidence: number;
  iou: number;
  /** Detections at or below the confidence threshold, left out. */
  belowConfidence: number;
  /** Crowd reference boxes, left out. */
  crowd: number;
}
