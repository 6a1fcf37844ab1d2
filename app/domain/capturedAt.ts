/**
 * Capture times as Loupe stores them in `images.captured_at`: ISO 8601 text,
 * `YYYY-MM-DDTHH:MM:SS` with an optional fraction and the zone as given (`Z` or
 * `±HH:MM`). The day an image belongs to on the timeline is the date as the
 * camera wrote it (the first ten characters): a zone suffix is kept, never
 * converted, so a night shift's frames stay on the local day they were taken.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EXIF = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A capture time written as ISO 8601 (`2026-03-05T21:14:09`, `2026-03-05 21:14`,
 * `2026-03-05`, with `Z` or an offset) or as EXIF writes it (`2026:03:05 21:14:09`),
 * in the stored form; null when it is neither or names no real moment (month 13, 31 April, 25:00).
 */
export function parseCapturedAt(text: string): string | null {
  const t = text.trim();
  const m = ISO.exec(t) ?? EXIF.exec(t);
  if (!m) return null;
  const [, y, mo, d, hh = '00', mi = '00', ss = '00', frac = '', zone = ''] = m;
  const [Y, M, D, H, Mi, S] = [y, mo, d, hh, mi, ss].map(Number);
  if (M < 1 || M > 12 || D < 1 || H > 23 || Mi > 59 || S > 59) return null;
  // Day of month against the month's real length (leap years included).
  if (D > new Date(Date.UTC(Y, M, 0)).getUTCDate()) return null;
  let z = zone;
  if (z && z !== 'Z') {
    const digits = z.replace(':', '');
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 14 || om > 59) return null;
    z = `${digits.slice(0, 3)}:${digits.slice(3, 5)}`;
  }
  return `${y}-${mo}-${d}T${hh}:${mi}:${ss}${frac}${z}`;
}

/** The timeline day (`YYYY-MM-DD`) of a stored capture time. */
export function dayOf(capturedAt: string): string {
  return capturedAt.slice(0, 10);
}

/** The hour of day (0–23) of a stored capture time, as the camera wrote it. */
export function hourOf(capturedAt: string): number {
  return Number(capturedAt.slice(11, 13));
}

/** What a bad capture time is told as: the value and the forms accepted. */
export function capturedAtProblem(value: string): string {
  return `captured_at "${value.slice(0, 60)}" is not a date and time: write ISO 8601 (2026-03-05T21:14:09, with Z or +01:00 if known) or YYYY:MM:DD HH:MM:SS as EXIF does`;
}
