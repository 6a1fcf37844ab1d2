import type { Series, Statistic } from './timeline.ts';
import { STATISTICS } from './timeline.ts';

/**
 * Change detection on the timeline: a two-sided CUSUM per series and statistic.
 *
 * The first BASELINE days with a value give the mean μ and spread σ (sample
 * standard deviation, at least the statistic's MIN_SPREAD so a quiet baseline
 * does not make every wobble a change; for image counts at least √μ, the
 * Poisson spread, and 1). Each later day's value x is standardised,
 * z = (x − μ) / σ, and accumulated as S⁺ = max(0, S⁺ + z − K) and
 * S⁻ = max(0, S⁻ − z − K). When either passes H, a change is marked on the day
 * that sum last started rising from zero (the estimated change point), in its
 * direction; the detector then takes a new baseline from that day on, so a
 * second change later in the same series is found too. Days without a value
 * (no images, no run) are skipped. K = 1.5 and H = 5 aim at shifts of three σ:
 * with μ and σ estimated from ten days, a stable series of six weeks is marked
 * falsely about one time in fifty, and a step of 2.5 σ is placed within a day
 * of where it is four times in five (a simulation of 3000 seeded normal
 * sequences; the textbook K = 0.5, H = 5 assumes known μ and σ and marks two
 * in five such series). A dashboard holds dozens of series, so the rule is
 * tuned against false alarms rather than for the earliest warning.
 */

export const BASELINE = 10;
export const K = 1.5;
export const H = 5;

/** The smallest spread a baseline is given, per statistic, in the statistic's units. */
export const MIN_SPREAD: Readonly<Record<Statistic, number>> = {
  images: 1,
  predictionsPerImage: 0.15,
  meanConfidence: 0.03,
  lowConfidenceShare: 0.08,
  meanBrightness: 3,
};

/** A change found in one series. */
export interface Change {
  slice: string;
  statistic: Statistic;
  /** The estimated first day of the new level. */
  day: string;
  /** The day the sum passed H (the change could be known from then). */
  detectedOn: string;
  direction: 'up' | 'down';
  /** Baseline mean and spread before the change, and the mean of up to BASELINE days from it on. */
  before: number;
  spread: number;
  after: number;
  /** |after − before| / spread mapped to 0–1 as d / (1 + d): the flag's score. */
  score: number;
}

/** Changes in one sequence of daily values (null: no value that day), as indices into it. */
export function cusum(
  values: readonly (number | null)[],
  minSpread: number,
  poisson = false,
): { start: number; detected: number; direction: 'up' | 'down'; before: number; spread: number; after: number }[] {
  const idx = values.flatMap((v, i) => (v === null || !Number.isFinite(v) ? [] : [i]));
  const out: ReturnType<typeof cusum> = [];
  let from = 0;
  while (from + BASELINE < idx.length) {
    const base = idx.slice(from, from + BASELINE).map((i) => values[i]!);
    const mu = mean(base);
    const spread = Math.max(sd(base, mu), minSpread, poisson ? Math.sqrt(Math.max(mu, 0)) : 0);
    let up = 0;
    let down = 0;
    let upStart = -1;
    let downStart = -1;
    let found = false;
    for (let j = from + BASELINE; j < idx.length; j++) {
      const z = (values[idx[j]]! - mu) / spread;
      const nextUp = Math.max(0, up + z - K);
      const nextDown = Math.max(0, down - z - K);
      if (up === 0 && nextUp > 0) upStart = j;
      if (down === 0 && nextDown > 0) downStart = j;
      up = nextUp;
      down = nextDown;
      if (up > H || down > H) {
        const start = up > H ? upStart : downStart;
        const after = mean(idx.slice(start, start + BASELINE).map((i) => values[i]!));
        out.push({ start: idx[start], detected: idx[j], direction: up > H ? 'up' : 'down', before: mu, spread, after });
        from = start;
        found = true;
        break;
      }
    }
    if (!found) break;
  }
  return out;
}

/** Every change in every series and statistic of a timeline. */
export function detectChanges(days: readonly string[], series: readonly Series[]): Change[] {
  const out: Change[] = [];
  for (const s of series) {
    for (const statistic of STATISTICS) {
      const values = s.points.map((p) => (statistic === 'images' ? p.images : p[statistic]));
      for (const c of cusum(values, MIN_SPREAD[statistic], statistic === 'images')) {
        const d = Math.abs(c.after - c.before) / c.spread;
        out.push({ slice: s.slice, statistic, day: days[c.start], detectedOn: days[c.detected], direction: c.direction, before: c.before, spread: c.spread, after: c.after, score: d / (1 + d) });
      }
    }
  }
  return out.sort((a, b) => a.day.localeCompare(b.day) || a.slice.localeCompare(b.slice) || a.statistic.localeCompare(b.statistic));
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function sd(xs: readonly number[], mu: number): number {
  return xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / (xs.length - 1));
}
