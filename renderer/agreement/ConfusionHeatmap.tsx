import { heatColor, heatText } from './scale.ts';

interface Props {
  /** Class ids, null for "unmatched". */
  labels: readonly (number | null)[];
  matrix: readonly (readonly number[])[];
  names: ReadonlyMap<number, string>;
}

/** The class confusion matrix as a table of viridis cells, with a legend of the scale. */
export function ConfusionHeatmap({ labels, matrix, names }: Props) {
  const max = Math.max(0, ...matrix.flat());
  const name = (l: number | null) => (l === null ? 'unmatched' : (names.get(l) ?? `class ${l}`));
  if (!labels.length) return <p className="muted">No boxes to compare.</p>;
  return (
    <div className="heatmap-wrap">
      <table className="heatmap" data-testid="heatmap">
        <thead>
          <tr>
            <th />
            <th colSpan={labels.length} scope="colgroup" className="heat-axis">
              the other person's class
            </th>
          </tr>
          <tr>
            <th className="heat-axis">one person's class</th>
            {labels.map((l, j) => (
              <th key={j} scope="col" className={l === null ? 'unmatched' : ''}>
                <span>{name(l)}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((l, i) => (
            <tr key={i}>
              <th scope="row" className={l === null ? 'unmatched' : ''}>
                {name(l)}
              </th>
              {labels.map((_, j) => {
                const v = matrix[i]?.[j] ?? 0;
                return (
                  <td key={j} style={{ background: heatColor(v, max), color: heatText(v, max) }} title={`${name(l)} × ${name(labels[j])}: ${v}`} className={i === j && l !== null ? 'diag' : ''}>
                    {v || ''}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="heat-legend" data-testid="heat-legend" aria-hidden>
        <span className="muted">0</span>
        <span className="heat-ramp" style={{ background: `linear-gradient(to right, ${[0.05, 0.25, 0.5, 0.75, 1].map((f) => heatColor(f * f * max, max)).join(', ')})` }} />
        <span className="muted">{max} matched boxes (square-root scale)</span>
      </div>
    </div>
  );
}
