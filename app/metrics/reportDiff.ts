import type { SliceReport, SliceRow, SliceStats } from './slices.ts';

/** B − A of two numbers; null where either is -1 (nothing could be measured). */
export function diffOf(a: number, b: number): number | null {
  return a < 0 || b < 0 ? null : b - a;
}

/** B − A of every number of a slice: AP-like numbers as diffOf, counts plainly. */
export interface StatsDiff {
  images: number;
  gt: number;
  dt: number;
  ap: number | null;
  ap50: number | null;
  found: number;
  missed: number;
  falseAlarms: number;
  stats: (number | null)[];
}

/** Two runs' reports on the same images, B − A: overall, per class and per slice (matched by kind, key and value). */
export interface ReportDiff {
  overall: StatsDiff;
  perClass: { categoryId: number; ap: number | null; ap50: number | null }[];
  slices: ({ kind: SliceRow['kind']; key: string; value: string } & StatsDiff)[];
}

function statsDiff(a: SliceStats, b: SliceStats): StatsDiff {
  return {
    images: b.images - a.images,
    gt: b.gt - a.gt,
    dt: b.dt - a.dt,
    ap: diffOf(a.ap, b.ap),
    ap50: diffOf(a.ap50, b.ap50),
    found: b.found - a.found,
    missed: b.missed - a.missed,
    falseAlarms: b.falseAlarms - a.falseAlarms,
    stats: a.stats.map((v, i) => diffOf(v, b.stats[i])),
  };
}

const sliceKey = (s: SliceRow) => `${s.kind}\u0000${s.key}\u0000${s.value}`;

/** B − A of two slice reports; slices in A's order, those on one side only left out. */
export function reportDiff(a: SliceReport, b: SliceReport): ReportDiff {
  const inB = new Map(b.slices.map((s) => [sliceKey(s), s]));
  const classB = new Map(b.overall.perClass.map((c) => [c.categoryId, c]));
  return {
    overall: statsDiff(a.overall, b.overall),
    perClass: a.overall.perClass.flatMap((c) => {
      const o = classB.get(c.categoryId);
      return o ? [{ categoryId: c.categoryId, ap: diffOf(c.ap, o.ap), ap50: diffOf(c.ap50, o.ap50) }] : [];
    }),
    slices: a.slices.flatMap((s) => {
      const o = inB.get(sliceKey(s));
      return o ? [{ kind: s.kind, key: s.key, value: s.value, ...statsDiff(s, o) }] : [];
    }),
  };
}
