import { describe, expect, it } from 'vitest';
import { Rng } from '../../resources/demo/rng.ts';
import { BASELINE, cusum, detectChanges } from './changes.ts';
import { buildTimeline, daysBetween, type TimelineImage } from './timeline.ts';

const noise = (seed: number, n: number, mu: number, sigma: number) => {
  const r = new Rng(seed);
  return Array.from({ length: n }, () => mu + sigma * r.normal());
};

describe('cusum', () => {
  it('marks nothing on stationary seeded sequences of six weeks', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      expect(cusum(noise(seed, 42, 0.7, 0.05), 0.01), `seed ${seed}`).toEqual([]);
      // Poisson-like daily image counts around 5.
      expect(cusum(noise(seed + 100, 42, 5, 2.2).map((v) => Math.max(0, Math.round(v))), 1, true), `counts seed ${seed}`).toEqual([]);
    }
  });

  it('places a step on its day, in its direction, with the levels before and after', () => {
    for (const seed of [11, 12, 13]) {
      const v = noise(seed, 42, 0.7, 0.05).map((x, i) => (i >= 24 ? x - 0.25 : x));
      const [c, ...rest] = cusum(v, 0.01);
      expect(rest).toEqual([]);
      expect(c.direction).toBe('down');
      expect(c.start).toBe(24);
      expect(c.detected).toBeGreaterThanOrEqual(24);
      expect(c.before).toBeCloseTo(0.7, 1);
      expect(c.after).toBeCloseTo(0.45, 1);
    }
  });

  it('finds a second change after the first, from a new baseline, and skips days without a value', () => {
    const v: (number | null)[] = noise(21, 45, 3, 0.3).map((x, i) => (i >= 30 ? x + 6 : i >= 15 ? x + 3 : x));
    v[5] = null;
    v[20] = null;
    const found = cusum(v, 0.1);
    // The change point is where the sum last left zero: a high day just before a step can pull it one day early.
    expect(found.map((c) => c.direction)).toEqual(['up', 'up']);
    expect(Math.abs(found[0].start - 15)).toBeLessThanOrEqual(1);
    expect(Math.abs(found[1].start - 30)).toBeLessThanOrEqual(1);
  });

  it('needs a full baseline before it marks anything', () => {
    expect(cusum([1, 1, 1, 9, 9, 9], 0.1)).toEqual([]);
    expect(cusum(Array(BASELINE).fill(1).concat([1]), 0.1)).toEqual([]);
  });
});

describe('timeline and detectChanges', () => {
  /** Six weeks of images, four a day; from day 20 camera "b" joins with low scores. */
  function images(): TimelineImage[] {
    const out: TimelineImage[] = [];
    const days = daysBetween('2026-01-01', '2026-02-11');
    let id = 0;
    days.forEach((day, d) => {
      for (let k = 0; k < 4; k++) out.push({ id: ++id, capturedAt: `${day}T0${k + 6}:00:00`, slice: 'a', covered: true, predictions: 2, scoreSum: 1.6, best: 0.9, brightness: 120 + (k % 2) });
      if (d >= 20) for (let k = 0; k < 4; k++) out.push({ id: ++id, capturedAt: `${day}T1${k}:00:00`, slice: 'b', covered: true, predictions: 1, scoreSum: 0.3, best: 0.3, brightness: 60 });
    });
    return out;
  }

  it('builds each day per slice: images, predictions per image, mean confidence, low-confidence share, brightness', () => {
    const t = buildTimeline(images());
    expect(t.days).toHaveLength(42);
    expect(t.series.map((s) => s.slice)).toEqual(['all', 'a', 'b']);
    const all = t.series[0].points;
    expect(all[0]).toEqual({ day: '2026-01-01', images: 4, covered: 4, predictionsPerImage: 2, meanConfidence: 0.8, lowConfidenceShare: 0, meanBrightness: 120.5 });
    expect(all[25]).toMatchObject({ images: 8, covered: 8, predictionsPerImage: 1.5, lowConfidenceShare: 0.5, meanBrightness: 90.25 });
    expect(all[25].meanConfidence).toBeCloseTo((4 * 1.6 + 4 * 0.3) / 12, 12);
    expect(t.series[2].points[0]).toEqual({ day: '2026-01-01', images: 0, covered: 0, predictionsPerImage: null, meanConfidence: null, lowConfidenceShare: null, meanBrightness: null });
  });

  it('marks the day camera b joins on "all" and on b, and nothing on a', () => {
    const t = buildTimeline(images());
    const changes = detectChanges(t.days, t.series);
    expect(changes.filter((c) => c.slice === 'a')).toEqual([]);
    const onAll = changes.filter((c) => c.slice === 'all');
    expect(new Set(onAll.map((c) => `${c.statistic} ${c.direction} ${c.day}`))).toEqual(
      new Set(['images up 2026-01-21', 'predictionsPerImage down 2026-01-21', 'meanConfidence down 2026-01-21', 'lowConfidenceShare up 2026-01-21', 'meanBrightness down 2026-01-21']),
    );
    expect(changes.filter((c) => c.slice === 'b').map((c) => `${c.statistic} ${c.direction} ${c.day}`)).toEqual(['images up 2026-01-21']);
    for (const c of changes) expect(c.score).toBeGreaterThan(0.5);
  });
});
