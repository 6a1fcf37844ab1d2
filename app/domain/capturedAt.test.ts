import { describe, expect, it } from 'vitest';
import { dayOf, parseCapturedAt } from './capturedAt.ts';

describe('parseCapturedAt', () => {
  it('reads ISO 8601 and EXIF forms into one stored form, the zone kept as given', () => {
    expect(parseCapturedAt('2026-03-05T21:14:09')).toBe('2026-03-05T21:14:09');
    expect(parseCapturedAt('2026-03-05 21:14')).toBe('2026-03-05T21:14:00');
    expect(parseCapturedAt('2026-03-05')).toBe('2026-03-05T00:00:00');
    expect(parseCapturedAt('2026-03-05T21:14:09.250Z')).toBe('2026-03-05T21:14:09.250Z');
    expect(parseCapturedAt('2026-03-05T23:30:00+0130')).toBe('2026-03-05T23:30:00+01:30');
    expect(parseCapturedAt('2026:03:05 21:14:09')).toBe('2026-03-05T21:14:09');
    expect(parseCapturedAt(' 2024-02-29T12:00:00 ')).toBe('2024-02-29T12:00:00');
    // The day is the date as written, not converted to UTC.
    expect(dayOf(parseCapturedAt('2026-03-05T23:30:00-05:00')!)).toBe('2026-03-05');
  });

  it('refuses text that names no real moment', () => {
    for (const bad of ['', 'yesterday', '2026-13-01', '2026-04-31T10:00:00', '2025-02-29', '2026-03-05T24:00:00', '2026-03-05T10:60', '2026/03/05 10:00:00', '2026:03:05', '2026-03-05T10:00:00+15:00', '1700000000', '2026-03-05T10:00:00 extra']) {
      expect(parseCapturedAt(bad), bad).toBeNull();
    }
  });
});
