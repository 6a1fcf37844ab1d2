import type { ShownBox } from '../canvas/boxScene.ts';
import type { Box } from '../state/useImageBoxes.ts';
import { provenanceText } from './BoxList.tsx';

interface Props {
  box: Box | undefined;
  className: string | undefined;
  kind: ShownBox['kind'] | undefined;
  /** The box's author, for another person's box. */
  author: string | undefined;
  /** How many boxes are selected. */
  count: number;
}

/** The selected box's class, source and exact pixel geometry, as stored. */
export function Inspector({ box, className, kind, author, count }: Props) {
  const source =
    kind === 'prediction' ? 'prediction · Enter accepts' : kind === 'other' ? `${author ?? 'another person'}'s box · read only` : box && kind ? provenanceText(box, kind) : '';
  return (
    <section className="panel inspector" data-testid="inspector">
      <h3>Selection</h3>
      {box ? (
        <dl className="geometry" data-box-id={box.id}>
          <dt>class</dt>
          <dd className="wide" data-testid="sel-class">{className ?? box.classId}</dd>
          <dt>source</dt>
          <dd className="wide" data-testid="sel-source">{source}</dd>
          {box.score !== null && (
            <>
              <dt>score</dt>
              <dd className="wide" data-testid="sel-score">{box.score.toFixed(3)}</dd>
            </>
          )}
          {(['x', 'y', 'w', 'h'] as const).map((k) => (
            <span key={k} style={{ display: 'contents' }}>
              <dt>{k}</dt>
              <dd data-testid={`sel-${k}`} data-value={String(box[k])}>
                {box[k].toFixed(2)}
              </dd>
            </span>
          ))}
        </dl>
      ) : (
        <p className="hint">{count > 1 ? `${count} boxes selected` : 'Nothing selected'}</p>
      )}
    </section>
  );
}
