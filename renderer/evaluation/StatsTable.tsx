import { runLabel, signed3, stat3, STAT_HINTS, STAT_NAMES, statDiff, tone, type EvalView } from './report.ts';

/** The twelve COCO numbers under pycocotools' names: one row per run and, when comparing, B − A coloured better or worse. */
export function StatsTable({ a, b }: { a: EvalView; b: EvalView | null }) {
  const row = (v: EvalView, tag: 'a' | 'b') => (
    <tr key={tag}>
      <th scope="row" className="run-name" title={`run ${v.run.id} against ${v.reference.name}`}>
        {v.run.name} <span className="muted">(run {v.run.id})</span>
      </th>
      {STAT_NAMES.map((n, i) => (
        <td key={n} className="num" data-testid={`stat-${tag}-${n}`} data-value={v.stats[i]}>
          {stat3(v.stats[i])}
        </td>
      ))}
    </tr>
  );
  return (
    <table className="agreement-table eval-stats" data-testid="eval-stats">
      <thead>
        <tr>
          <th>run</th>
          {STAT_NAMES.map((n) => (
            <th key={n} title={STAT_HINTS[n]}>
              {n}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {row(a, 'a')}
        {b && row(b, 'b')}
        {b && (
          <tr className="diff-row">
            <th scope="row" title="the second run's number minus the first's: green where it is better">
              run {b.run.id} − run {a.run.id}
            </th>
            {STAT_NAMES.map((n, i) => {
              const d = statDiff(a.stats[i], b.stats[i]);
              return (
                <td key={n} className={`num ${tone(d)}`} data-testid={`stat-diff-${n}`} data-value={d ?? ''}>
                  {signed3(d)}
                </td>
              );
            })}
          </tr>
        )}
      </tbody>
    </table>
  );
}

/** One run's counts in a line: images, reference boxes, found, missed, false alarms. */
export function CountsLine({ v }: { v: EvalView }) {
  const o = v.overall;
  return (
    <span className="eval-counts" data-testid={`eval-counts-${v.run.id}`}>
      <strong>{runLabel(v)}</strong>: {o.images} images, {o.gt} reference boxes, found {o.found}, missed {o.missed}, {o.falseAlarms} false alarms
      {v.notRun > 0 && <span className="muted"> ({v.notRun} reviewed images this run did not pre-label are left out)</span>}
    </span>
  );
}
