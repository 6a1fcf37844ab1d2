import { memo } from 'react';
import type { ClassStyle, ShownBox } from '../canvas/boxScene.ts';
import type { Box } from '../state/useImageBoxes.ts';

interface Props {
  shown: readonly ShownBox[];
  all: ReadonlyMap<number, Box>;
  classes: ReadonlyMap<number, ClassStyle>;
  selectedIds: readonly number[];
  onSelect(ids: number[]): void;
  onHover(id: number | null): void;
  /** Predictions rejected on this image (hidden from the review). */
  rejectedCount: number;
}

const MAX_ROWS = 400;

/** How a box came to be, in words. */
export function provenanceText(b: Box, kind: ShownBox['kind']): string {
  if (kind === 'prediction') return 'prediction';
  if (b.provenance === 'accepted') return `accepted #${b.sourceBoxId}`;
  if (b.provenance === 'edited') return `edited from #${b.sourceBoxId}`;
  return b.provenance;
}

/** The open image's boxes: class, author, score and provenance; click selects, hover outlines. */
export const BoxList = memo(function BoxList(p: Props) {
  const sel = new Set(p.selectedIds);
  const rows = p.shown.length > MAX_ROWS ? p.shown.slice(0, MAX_ROWS) : p.shown;
  return (
    <section className="panel box-list" data-testid="box-list">
      <h3>
        Boxes <span className="count">{p.shown.length}</span>
        {p.rejectedCount > 0 && <span className="count muted"> · {p.rejectedCount} rejected</span>}
      </h3>
      <ul onMouseLeave={() => p.onHover(null)}>
        {rows.map((s) => {
          const b = p.all.get(s.id);
          const c = p.classes.get(s.classId);
          if (!b) return null;
          return (
            <li
              key={s.id}
              className={`${sel.has(s.id) ? 'on ' : ''}${s.kind}`}
              data-testid={`box-row-${s.id}`}
              onMouseEnter={() => p.onHover(s.id)}
              onClick={(e) => p.onSelect(e.shiftKey ? (sel.has(s.id) ? p.selectedIds.filter((i) => i !== s.id) : [...p.selectedIds, s.id]) : [s.id])}
            >
              <span className="swatch" style={{ background: c?.color }} />
              <span className="name">{c?.name ?? '?'}</span>
              <span className="who">{s.kind === 'mine' ? 'you' : s.kind === 'prediction' ? 'model' : (s.author ?? 'other')}</span>
              <span className="score">{s.score !== null ? s.score.toFixed(2) : ''}</span>
              <span className="prov">{provenanceText(b, s.kind)}</span>
            </li>
          );
        })}
        {rows.length < p.shown.length && <li className="muted">… {p.shown.length - rows.length} more</li>}
      </ul>
    </section>
  );
});
