/**
 * The low-confidence and class-mix rules, as pure functions of a model run's
 * predictions (drift is in drift.ts).
 *
 * Low confidence. An image the run has done is flagged `low-confidence` when no
 * prediction scores at or above `threshold` (default 0.5; an image without
 * predictions counts), or when `many` (default 3) or more predictions fall in the
 * uncertain band [bandLow, bandHigh) (default [0.25, 0.5)). Its score is the
 * larger of 1 − max/threshold (1 with no prediction; 0 once one reaches the
 * threshold) and u / (u + many) for u uncertain predictions (0.5 at `many`).
 *
 * Class mix. The image's histogram of predicted classes (all the run's boxes on
 * it) is compared with the reference run's over all its images by the
 * Jensen–Shannon divergence in bits, JS(P, Q) = ½ KL(P‖M) + ½ KL(Q‖M) with
 * M = ½ (P + Q), which lies in [0, 1] (0: the same mix; 1: no class in common).
 * An image with at least `minBoxes` predictions (default 1) is flagged
 * `class-mix` when JS ≥ threshold (default 0.5); the score is JS.
 */

/** Options of the low-confidence rule. */
export interface LowConfidenceOptions {
  threshold: number;
  bandLow: number;
  bandHigh: number;
  many: number;
}

export const LOW_CONFIDENCE_DEFAULTS: LowConfidenceOptions = { threshold: 0.5, bandLow: 0.25, bandHigh: 0.5, many: 3 };

/** Whether an image's predictions are low-confidence, and how much. */
export function lowConfidence(predictions: number, maxScore: number | null, uncertain: number, o: LowConfidenceOptions = LOW_CONFIDENCE_DEFAULTS): { flagged: boolean; score: number } {
  const best = predictions === 0 || maxScore === null ? 0 : maxScore;
  const none = best < o.threshold;
  const tooMany = uncertain >= o.many;
  const score = Math.max(none ? 1 - best / o.threshold : 0, uncertain / (uncertain + o.many));
  return { flagged: none || tooMany, score: none || tooMany ? score : 0 };
}

/** Options of the class-mix rule. */
export interface ClassMixOptions {
  threshold: number;
  minBoxes: number;
}

export const CLASS_MIX_DEFAULTS: ClassMixOptions = { threshold: 0.5, minBoxes: 1 };

/** Jensen–Shannon divergence (bits) between two histograms given as counts by key; either may be unnormalised. */
export function jensenShannon(p: ReadonlyMap<number, number>, q: ReadonlyMap<number, number>): number {
  let sp = 0;
  let sq = 0;
  for (const v of p.values()) sp += v;
  for (const v of q.values()) sq += v;
  if (sp === 0 || sq === 0) return sp === sq ? 0 : 1;
  let js = 0;
  for (const k of new Set([...p.keys(), ...q.keys()])) {
    const a = (p.get(k) ?? 0) / sp;
    const b = (q.get(k) ?? 0) / sq;
    const m = (a + b) / 2;
    if (a > 0) js += 0.5 * a * Math.log2(a / m);
    if (b > 0) js += 0.5 * b * Math.log2(b / m);
  }
  return Math.min(1, Math.max(0, js));
}
