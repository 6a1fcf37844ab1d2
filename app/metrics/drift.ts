/**
 * Drift of an image against a reference set (e.g. the training images), from
 * their image statistics (imageStats.ts).
 *
 * The rule. Five features are compared: brightness, contrast, colourfulness as
 * they are, sharpness as ln(1 + sharpness) (it spans orders of magnitude), and
 * resolution as ln(width · height). For each feature the reference set gives a
 * median m and a scale s = max(1.4826 · MAD, floor), MAD being the median
 * absolute deviation from m (1.4826 · MAD estimates the standard deviation of a
 * normal distribution) and the floor a per-feature minimum (DRIFT_FLOORS) so a
 * reference set where every image shares a value (one resolution, say) does not
 * make the tiniest difference infinite. An image's score on a feature is the
 * robust z = |x − m| / s. Its combined drift score is the largest of the five:
 * an image is as unusual as its most unusual statistic. An image is flagged
 * `drift` when that maximum is at least DRIFT_THRESHOLD (3.5, the modified
 * z-score cut-off of Iglewicz & Hoaglin); the flag's score is z / (z + 3.5), so
 * flags score from 0.5 (at the threshold) towards 1, on the same 0–1 scale as
 * the other reasons.
 */
import { LoupeError } from '../domain/errors.ts';
import type { ImageStats } from './imageStats.ts';

/** The features drift compares, in the order details list them. */
export const DRIFT_FEATURES = ['brightness', 'contrast', 'sharpness', 'colourfulness', 'resolution'] as const;
export type DriftFeature = (typeof DRIFT_FEATURES)[number];

/** The least scale of each feature (in its compared units). */
export const DRIFT_FLOORS: Readonly<Record<DriftFeature, number>> = {
  brightness: 2,
  contrast: 1.5,
  sharpness: 0.1,
  colourfulness: 2,
  resolution: 0.05,
};

/** The combined score at which an image is flagged. */
export const DRIFT_THRESHOLD = 3.5;

/** The fewest reference images drift is measured against. */
export const MIN_REFERENCE_IMAGES = 5;

/** One feature of the reference distribution, in compared units. */
export interface FeatureRef {
  median: number;
  scale: number;
}

/** The reference distribution of every feature. */
export type DriftReference = Record<DriftFeature, FeatureRef> & { images: number };

/** A feature's value in compared units. */
export function featureValue(s: ImageStats, f: DriftFeature): number {
  switch (f) {
    case 'sharpness':
      return Math.log1p(s.sharpness);
    case 'resolution':
      return Math.log(s.width * s.height);
    default:
      return s[f];
  }
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** The reference distribution of a set of statistics; refuses fewer than MIN_REFERENCE_IMAGES. */
export function driftReference(stats: readonly ImageStats[]): DriftReference {
  if (stats.length < MIN_REFERENCE_IMAGES) {
    throw new LoupeError('bad_request', `The reference set has ${stats.length} readable image${stats.length === 1 ? '' : 's'}; drift needs at least ${MIN_REFERENCE_IMAGES}.`);
  }
  const ref = { images: stats.length } as DriftReference;
  for (const f of DRIFT_FEATURES) {
    const xs = Float64Array.from(stats, (s) => featureValue(s, f)).sort();
    const m = median(xs);
    const dev = Float64Array.from(xs, (x) => Math.abs(x - m)).sort();
    ref[f] = { median: m, scale: Math.max(1.4826 * median(dev), DRIFT_FLOORS[f]) };
  }
  return ref;
}

/** One feature of one image against the reference: its value, the reference median and the robust z (all in compared units). */
export interface FeatureScore {
  value: number;
  median: number;
  z: number;
}

/** An image's drift: every feature's score, the combined score and whether it is flagged. */
export interface DriftResult {
  features: Record<DriftFeature, FeatureScore>;
  /** The largest robust z. */
  score: number;
  flagged: boolean;
  /** The flag score, z / (z + threshold). */
  flagScore: number;
}

/** Score one image's statistics against the reference. */
export function driftOf(s: ImageStats, ref: DriftReference, threshold = DRIFT_THRESHOLD): DriftResult {
  const features = {} as Record<DriftFeature, FeatureScore>;
  let score = 0;
  for (const f of DRIFT_FEATURES) {
    const value = featureValue(s, f);
    const z = Math.abs(value - ref[f].median) / ref[f].scale;
    features[f] = { value, median: ref[f].median, z };
    if (z > score) score = z;
  }
  return { features, score, flagged: score >= threshold, flagScore: score / (score + threshold) };
}
