import type { Box } from '../state/useImageBoxes.ts';

interface Props {
  box: Box | undefined;
  className: string | undefined;
  /** False for another author's box, such as a prediction. */
  editable: boolean;
}

/** The selected box's class and exact pixel geometry, as stored. */
export function Inspector({ box, className, editable }: Props) {
  return (
    <section className="panel" data-testid="inspector">
      <h3>Selection</h3>
      {box ? (
        <dl className="geometry" data-box-id={box.id}>
          <dt>class</dt>
          <dd data-testid="sel-class">{className ?? box.classId}</dd>
          {box.score !== null && (
            <>
              <dt>score</dt>
              <dd data-testid="sel-score">{box.score.toFixed(3)}</dd>
            </>
          )}
          <dt>source</dt>
          <dd data-testid="sel-source">{editable ? box.provenance : 'prediction · Enter accepts'}</dd>
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
        <p className="hint">Nothing selected</p>
      )}
    </section>
  );
}
