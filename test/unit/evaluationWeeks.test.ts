import { describe, expect, it } from 'vitest';
import { isoWeek } from '../../app/metrics/slices.ts';
import { isoWeekDays } from '../../renderer/evaluation/report.ts';

describe("the evaluation dashboard's capture weeks", () => {
  it("gives every day of 2015–2035 to the week the evaluation's week slices put it in", () => {
    for (let t = Date.UTC(2015, 0, 1); t < Date.UTC(2036, 0, 1); t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      const week = isoWeek(`${day}T12:00:00`)!;
      const span = isoWeekDays(week);
      expect(span, week).not.toBeNull();
      expect(span!.from <= day && day < span!.to, `${day} in ${week} (${span!.from} to ${span!.to})`).toBe(true);
    }
  });

  it('refuses what is not an ISO week, and a week 53 a year does not have', () => {
    expect(isoWeekDays('2026-W01')).toEqual({ from: '2025-12-29', to: '2026-01-05' });
    expect(isoWeekDays('2020-W53')).toEqual({ from: '2020-12-28', to: '2021-01-04' });
    for (const bad of ['2021-W53', '2026-W00', '2026-W54', 'unknown', '2026-49', '']) expect(isoWeekDays(bad), bad).toBeNull();
  });
});
