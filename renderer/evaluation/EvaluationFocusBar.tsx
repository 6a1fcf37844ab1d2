import { FALSE_ALARM_COLOR, MISSED_COLOR } from '../canvas/boxScene.ts';
import type { EvaluationFocus } from './useEvaluationFocus.ts';

/** What the canvas's evaluation marks mean: the reference's boxes the run missed, and the run's boxes that found nothing. */
export function CompareLegend({ missed, falseAlarms }: { missed: number; falseAlarms: number }) {
  return (
    <div className="eval-legend" data-testid="compare-legend" aria-label="Evaluation marks on the canvas">
      <span>
        <i className="eval-key" style={{ borderColor: MISSED_COLOR }} /> missed: reference box the run did not find ({missed})
      </span>
      <span>
        <i className="eval-key dashed" style={{ borderColor: FALSE_ALARM_COLOR }} /> false alarm: run box that found nothing ({falseAlarms})
      </span>
    </div>
  );
}

/** Beside the canvas while the workspace shows the images behind a number of the evaluation dashboard: what they are, where in them, back and forth, and out. */
export function EvaluationFocusBar({ f }: { f: EvaluationFocus }) {
  if (!f.focus) return null;
  return (
    <section className="panel eval-focus" data-testid="eval-focus" aria-label="Images from the evaluation">
      <h3>From the evaluation</h3>
      <div className="eval-focus-label" data-testid="eval-focus-label">
        {f.focus.label}
      </div>
      <div className="muted">
        {f.position ? `image ${f.position.index + 1} of ${f.position.total}` : 'no image open'}
        {f.focus.referenceId === null && ' · misses are not marked against the final labels'}
      </div>
      <div className="row">
        <button type="button" onClick={f.prev} data-testid="eval-focus-prev" aria-label="Previous image">
          ‹ Prev
        </button>
        <button type="button" onClick={f.next} data-testid="eval-focus-next" aria-label="Next image">
          Next ›
        </button>
        <span className="spacer" />
        <button type="button" onClick={f.leave} data-testid="eval-focus-leave" title="Show every image again">
          Done
        </button>
      </div>
    </section>
  );
}
