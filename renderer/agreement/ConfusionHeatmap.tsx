import { heatColor, heatText } from './scale.ts';

interface Props {
  /** Class ids, null for "unmatched". */
  labels: readonly (number | null)[];
  matrix: readonly (readonly number[])[];
  names: ReadonlyMap<number, string>;
  /** What the rows, the columns and null stand for, and what a cell counts (the agreement's wording by default). */
  rowTitle?: string;
  colTitle?: string;
  nullLabel?: string;
  unit?: string;
  /** Open a cell's images: its cells then take the focus and open on click or Enter. */
  onCell?(i: number, j: number): void;
}

/** A confusion matrix as a table of viridis cells, with a legend of the scale; with `onCell`, each non-empty cell opens by click or Enter. */
export function ConfusionHeatmap({ labels, matrix, names, rowTitle = "one person's class", colTitle = "the other person's class", nullLabel = 'unmatched', unit = 'matched boxes', onCell }: Props) {
  const max = Math.max(0, ...matrix.flat());
  const name = (l: number | null) => (l === null ? nullLabel : (names.get(l) ?? `class ${l}`));
  if (!labels.length) return <p className="muted">No boxes to compare.</p>;
  return (
    <div className="heatmap-wrap">
      <table className="heatmap" data-testid="heatmap">
        <thead>
          <tr>
            <th />
            <th colSpan={labels.length} scope="colgroup" className="heat-axis">
              {colTitle}
            </th>
          </tr>
          <tr>
            <th className="heat-axis">{rowTitle}</th>
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
                const open = onCell && v > 0 ? () => onCell(i, j) : undefined;
                return (
                  <td
                    key={j}
                    style={{ background: heatColor(v, max), color: heatText(v, max), cursor: open ? 'pointer' : undefined }}
                    title={`${name(l)} × ${name(labels[j])}: ${v}`}
                    className={i === j && l !== null ? 'diag' : ''}
                    data-testid={onCell ? `heat-${i}-${j}` : undefined}
                    tabIndex={open ? 0 : undefined}
                    onClick={open}
                    onKeyDown={open && ((e) => e.key === 'Enter' && open())}
                  >
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
        <span className="muted">
          {max} {unit} (square-root scale)
        </span>
      </div>
    </div>
  );
}
