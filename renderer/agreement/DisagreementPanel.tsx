import './agreement.css';
import type { Disagreement } from './useDisagreement.ts';
import type { ReviewTarget } from './reviewTarget.ts';
import { pct } from './scale.ts';
import { plural } from '../plural.ts';

interface Props {
  d: Disagreement;
  /** The images under review when they came from the dashboard (a bin, a pair, a person). */
  target: ReviewTarget | null;
  position: { index: number; total: number } | null;
  /** The key chord shown for an action, e.g. " (Alt+1)". */
  keyOf(actionId: string): string;
  onPrev(): void;
  onNext(): void;
  onLeave(): void;
}


/** Beside the canvas in the disagreement review: who labelled the image (the legend), what disagrees, and the resolution. */
export function DisagreementPanel({ d, target, position, keyOf, onPrev, onNext, onLeave }: Props) {
  const v = d.view;
  const chord = (id: string) => keyOf(id).trim().replace(/^\(|\)$/g, '');
  const count = (k: string) => v?.marks.filter((m) => m.kind === k).length ?? 0;
  return (
    <section className="disagreement" data-testid="disagreement" aria-label="Disagreement">
      <header>
        <h3>Disagreement</h3>
        <span className="muted" data-testid="disagreement-position">
          {target?.kind === 'images' ? target.label : target?.kind === 'queue' ? target.label : 'worst first'}
          {position ? ` · ${position.index + 1}/${position.total}` : ''}
        </span>
      </header>
      <div className="row">
        <button type="button" onClick={onPrev} title={`Previous disagreement${keyOf('agreement.prev')}`} data-testid="disagreement-prev">
          ‹ Prev
        </button>
        <button type="button" onClick={onNext} title={`Next disagreement${keyOf('agreement.next')}`} data-testid="disagreement-next">
          Next ›
        </button>
        <span className="spacer" />
        <button type="button" onClick={onLeave} title="Back to the plain queue" data-testid="disagreement-leave">
          Leave
        </button>
      </div>
      {d.error && (
        <p className="error" data-testid="disagreement-error">
          {d.error}
        </p>
      )}
      {d.loading && !v && <p className="muted">Loading…</p>}
      {v && (
        <>
          <p className="agreement-line">
            agreement <strong data-testid="image-agreement">{pct(v.agreement)}</strong>
            <span className="muted">
              {' '}
              · {count('missing')} missing · {plural(count('class_conflict'), 'class conflict')} · {count('low_iou')} low IoU
            </span>
          </p>
          <ol className="legend" data-testid="legend">
            {d.legend.map((p) => (
              <li key={p.annotatorId}>
                <span className="swatch" style={{ background: p.color }} aria-hidden />
                <span className="name">{p.name}</span>
                <span className="muted">{p.boxes} boxes</span>
                <button type="button" disabled={d.busy} onClick={() => void d.take(p.n)} title={`Take ${p.name}'s labels as the final ones${keyOf(`agreement.take${p.n}`)}`} data-testid={`take-${p.name}`}>
                  Take <kbd>{chord(`agreement.take${p.n}`) || p.n}</kbd>
                </button>
              </li>
            ))}
          </ol>
          <div className="row consensus-row">
            <button type="button" className="primary" disabled={d.busy || !v.people.length} onClick={() => void d.take('consensus')} title={`Take the automatic consensus${keyOf('agreement.consensus')}`} data-testid="take-consensus">
              Take consensus ({v.consensus.length})
            </button>
            <label title="Votes a consensus box needs (blank: half the people, rounded up)">
              quorum
              <input
                type="number"
                min={1}
                max={Math.max(1, v.people.length)}
                step={1}
                placeholder="auto"
                value={d.quorum ?? ''}
                data-testid="consensus-quorum"
                onChange={(e) => {
                  const q = e.target.value === '' ? null : Number(e.target.value);
                  if (q === null || (Number.isInteger(q) && q >= 1)) d.setQuorum(q);
                }}
              />
            </label>
          </div>
          <p className="muted key-hint">
            <span className="mark-key dashed" /> missing on the other side <span className="mark-key badge">≠</span> class conflict <span className="mark-key thin" /> IoU under 0.8
          </p>
        </>
      )}
    </section>
  );
}
