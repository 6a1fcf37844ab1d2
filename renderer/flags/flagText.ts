import type { Res } from '../../app/contract/methods.ts';

type Flag = Res<'flags:list'>[number];

const n = (v: unknown, d = 2) => (typeof v === 'number' ? (Math.abs(v) >= 1000 ? v.toExponential(2) : v.toFixed(d)) : String(v));

/** A flag's evidence in a line or a few: per statistic for drift, counts for low confidence, shares for class mix. */
export function flagDetailLines(f: Flag): string[] {
  const d = (f.details ?? {}) as Record<string, any>;
  if (f.reason === 'drift' && d.features) {
    return Object.entries(d.features as Record<string, { value: number; median: number; z: number }>).map(
      ([k, v]) =>
        k === 'resolution'
          ? `resolution ${Math.round(v.value).toLocaleString('en')} px (reference median ${Math.round(v.median).toLocaleString('en')} px, z ${n(v.z, 1)})`
          : `${k} ${n(v.value, 1)} (reference median ${n(v.median, 1)}, z ${n(v.z, 1)})`,
    );
  }
  if (f.reason === 'low-confidence') {
    return [`${d.predictions} prediction${d.predictions === 1 ? '' : 's'}, best ${d.maxScore === null ? 'none' : n(d.maxScore)}, ${d.uncertain} in ${n(d.band?.[0])}–${n(d.band?.[1])}`];
  }
  if (f.reason === 'class-mix') {
    const share = (o: Record<string, number>) => Object.entries(o ?? {}).map(([k, v]) => `${k} ${Math.round(v * 100)} %`).join(', ');
    return [`Jensen–Shannon ${n(d.js)}`, `image: ${share(d.image)}`, `reference run: ${share(d.reference)}`];
  }
  const text = JSON.stringify(d);
  return text === '{}' ? [] : [text.length > 200 ? `${text.slice(0, 200)}…` : text];
}

/** "drift 0.71 × 1" */
export function flagHeadline(f: Flag): string {
  return `${f.reason} ${f.score === null ? '–' : f.score.toFixed(2)}${f.weight !== 1 ? ` × ${f.weight}` : ''}`;
}
