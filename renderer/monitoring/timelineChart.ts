import type { Res } from '../../app/contract/methods.ts';

export type Timeline = Res<'timeline:get'>;
export type Change = Timeline['changes'][number];
export type Statistic = Timeline['statistics'][number];

/** How each statistic is titled and its values written. */
export const STAT_LABEL: Record<Statistic, { title: string; format(v: number): string }> = {
  images: { title: 'Images per day', format: (v) => v.toFixed(v % 1 ? 1 : 0) },
  predictionsPerImage: { title: 'Predictions per image', format: (v) => v.toFixed(2) },
  meanConfidence: { title: 'Mean confidence', format: (v) => v.toFixed(3) },
  lowConfidenceShare: { title: 'Low-confidence images (no prediction ≥ 0.5)', format: (v) => `${Math.round(v * 100)}%` },
  meanBrightness: { title: 'Mean brightness (luma 0–255)', format: (v) => v.toFixed(0) },
};

/** One row per day for a chart of one statistic: the day and each series' value (absent: no value that day). */
export function chartRows(t: Timeline, stat: Statistic): Record<string, string | number>[] {
  return t.days.map((day, i) => {
    const row: Record<string, string | number> = { day };
    for (const s of t.series) {
      const p = s.points[i];
      const v = stat === 'images' ? (p.images > 0 || s.slice === 'all' ? p.images : null) : p[stat];
      if (v !== null) row[s.slice] = v;
    }
    return row;
  });
}

/** Whether any series has a value of this statistic (a statistic without data, e.g. brightness before image statistics exist, is not drawn). */
export function hasData(t: Timeline, stat: Statistic): boolean {
  return t.series.some((s) => s.points.some((p) => (stat === 'images' ? p.images > 0 : p[stat] !== null)));
}

/** A change as a person reads it: "2026-01-25 · camera = remounted · images per day up 0 → 9.1". */
export function changeText(c: Change, by: string | null): string {
  const slice = c.slice === 'all' || !by ? 'all images' : `${by} = ${c.slice}`;
  const f = STAT_LABEL[c.statistic];
  return `${c.day} · ${slice} · ${f.title.toLowerCase()} ${c.direction} ${f.format(c.before)} → ${f.format(c.after)}`;
}

/** One mark per day a statistic changed, labelled with every slice that changed that day and its direction ("nominal ↓, remounted ↑"). */
export function changeMarks(changes: readonly Change[], stat: Statistic): { day: string; label: string }[] {
  const byDay = new Map<string, string[]>();
  for (const c of changes) {
    if (c.statistic !== stat) continue;
    byDay.set(c.day, [...(byDay.get(c.day) ?? []), `${c.slice} ${c.direction === 'up' ? '↑' : '↓'}`]);
  }
  return [...byDay].map(([day, parts]) => ({ day, label: parts.join(', ') }));
}
