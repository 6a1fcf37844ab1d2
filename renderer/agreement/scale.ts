import { interpolateViridis } from 'd3-scale-chromatic';

/**
 * Person colours for the disagreement view: Okabe–Ito's colour-blind-safe set without its
 * black, in an order where neighbours differ in hue and lightness, so that two people's
 * outlines read apart on photos in either theme.
 */
export const PERSON_COLORS = ['#e69f00', '#56b4e9', '#f0e442', '#cc79a7', '#009e73', '#d55e00', '#0072b2', '#ffffff', '#b8e186'] as const;

/** The n-th person's colour (0-based), repeating after nine people. */
export function personColor(n: number): string {
  return PERSON_COLORS[((n % PERSON_COLORS.length) + PERSON_COLORS.length) % PERSON_COLORS.length];
}

/** A heat-map cell's fill for a count, on viridis from 0 to `max` (square-root, so small counts show). */
export function heatColor(count: number, max: number): string {
  if (max <= 0 || count <= 0) return 'transparent';
  return interpolateViridis(Math.sqrt(Math.min(count, max) / max));
}

/** Black or white text on a viridis cell (dark at the low end, light at the high end). */
export function heatText(count: number, max: number): string {
  if (max <= 0 || count <= 0) return 'var(--muted)';
  return Math.sqrt(Math.min(count, max) / max) > 0.6 ? '#0b0d10' : '#ffffff';
}

export interface Bin {
  lo: number;
  hi: number;
  count: number;
  /** The images in the bin. */
  ids: number[];
}

/** Image agreement in `n` equal bins over [0, 1]; 1.0 goes into the last bin. */
export function agreementBins(images: readonly { imageId: number; agreement: number }[], n = 10): Bin[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`bins must be a whole number ≥ 1, got ${n}`);
  const bins: Bin[] = Array.from({ length: n }, (_, i) => ({ lo: i / n, hi: (i + 1) / n, count: 0, ids: [] }));
  for (const im of images) {
    const a = Math.min(1, Math.max(0, im.agreement));
    const b = bins[Math.min(n - 1, Math.floor(a * n))];
    b.count++;
    b.ids.push(im.imageId);
  }
  return bins;
}

/** The images both people of a pair did, worst agreement first. */
export function imagesOfPair(images: readonly { imageId: number; people: readonly number[]; agreement: number }[], a: number, b: number): number[] {
  return images
    .filter((i) => i.people.includes(a) && i.people.includes(b))
    .sort((x, y) => x.agreement - y.agreement || x.imageId - y.imageId)
    .map((i) => i.imageId);
}

/** A share as a percentage with one decimal, or a dash. */
export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(1)}%`;
}

/** A number with three decimals, or a dash. */
export function fixed3(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
}
