import { describe, expect, it } from 'vitest';
import { DEMO_COUNT, DEMO_SEED } from '../../scripts/demo-build.ts';
import { dayOf, hourOf } from '../../app/domain/capturedAt.ts';
import { detectChanges } from '../../app/metrics/changes.ts';
import { buildTimeline } from '../../app/metrics/timeline.ts';
import { planSlices } from './scene.ts';
import { DEMO_DAYS, DEMO_FIRST_DAY, DEMO_NIGHT_SHIFT_DAY, DEMO_REMOUNT_DAY, demoCaptureTimes } from './schedule.ts';

describe('the demo schedule', () => {
  const frames = planSlices(DEMO_SEED, DEMO_COUNT);
  const times = demoCaptureTimes(DEMO_SEED, frames);

  it('spreads the frames over the weeks: night frames at night from the night shift day, re-mounted frames from the re-mount day', () => {
    expect(new Set(times.map(dayOf)).size).toBe(DEMO_DAYS);
    expect(times.map(dayOf).sort()[0]).toBe(DEMO_FIRST_DAY);
    frames.forEach((f, i) => {
      const day = dayOf(times[i]);
      const hour = hourOf(times[i]);
      if (f.shift === 'night') {
        expect(day >= DEMO_NIGHT_SHIFT_DAY, times[i]).toBe(true);
        expect(hour).toBeGreaterThanOrEqual(20);
      } else expect(hour >= 6 && hour < 18, times[i]).toBe(true);
      expect(day >= DEMO_REMOUNT_DAY, `${f.camera} ${times[i]}`).toBe(f.camera === 'remounted');
    });
    expect(demoCaptureTimes(DEMO_SEED, frames)).toEqual(times);
  });

  it('gives the timeline by camera a change on each known day and no other', () => {
    const images = frames.map((f, i) => ({ id: i + 1, capturedAt: times[i], slice: f.camera, covered: false, predictions: 0, scoreSum: 0, best: null, brightness: null }));
    const t = buildTimeline(images);
    const changes = detectChanges(t.days, t.series);
    expect(changes.map((c) => `${c.slice} ${c.statistic} ${c.direction} ${c.day}`)).toEqual([
      `all images up ${DEMO_NIGHT_SHIFT_DAY}`,
      `nominal images up ${DEMO_NIGHT_SHIFT_DAY}`,
      `nominal images down ${DEMO_REMOUNT_DAY}`,
      `remounted images up ${DEMO_REMOUNT_DAY}`,
    ]);
  });
});
