import type { RefObject } from 'react';
import type { CanvasHandle, Tool } from '../canvas/CanvasView.tsx';
import type { ActionId } from '../shortcuts/actions.ts';
import { detectPlatform, formatChord, type Keymap } from '../shortcuts/keymap.ts';

interface Props {
  tool: Tool;
  onTool(t: Tool): void;
  canvas: RefObject<CanvasHandle | null>;
  undo: number;
  redo: number;
  onUndo(): void;
  onRedo(): void;
  threshold: number;
  onThreshold(t: number): void;
  showPredictions: boolean;
  onShowPredictions(v: boolean): void;
  status: string | null;
  onDone(): void;
  onSkip(): void;
  keymap: Keymap;
}

const platform = detectPlatform();
const STATUS_LABEL: Record<string, string> = { todo: 'to do', in_progress: 'in progress', done: 'done', skipped: 'skipped' };

/** Tools, view, layers and the review decision, above the canvas; every button names its key. */
export function Toolbar(p: Props) {
  const key = (id: ActionId) => {
    const c = p.keymap[id]?.[0];
    return c ? ` (${formatChord(c, platform)})` : '';
  };
  return (
    <div className="toolbar" role="toolbar" aria-label="Canvas tools">
      <div className="group">
        <button type="button" className={p.tool === 'select' ? 'on' : ''} onClick={() => p.onTool('select')} title={`Select and move${key('tool.select')}`} data-testid="tool-select">
          Select
        </button>
        <button type="button" className={p.tool === 'box' ? 'on' : ''} onClick={() => p.onTool('box')} title={`Draw boxes${key('tool.box')}`} data-testid="tool-box">
          Box
        </button>
      </div>
      <div className="group">
        <button type="button" onClick={() => p.canvas.current?.fit()} title={`Fit to window${key('view.fit')}`}>
          Fit
        </button>
        <button type="button" onClick={() => p.canvas.current?.oneToOne()} title={`One image pixel per screen pixel${key('view.actualSize')}`}>
          1:1
        </button>
        <button type="button" onClick={p.onUndo} disabled={p.undo === 0} title={`Undo${key('history.undo')}`} data-testid="undo">
          Undo
        </button>
        <button type="button" onClick={p.onRedo} disabled={p.redo === 0} title={`Redo${key('history.redo')}`} data-testid="redo">
          Redo
        </button>
      </div>
      <div className="group layers">
        <label title={`Show the model's predictions at or above the threshold${key('view.togglePredictions')}`}>
          <input type="checkbox" checked={p.showPredictions} onChange={(e) => p.onShowPredictions(e.target.checked)} data-testid="show-predictions" />
          predictions ≥
        </label>
        <input
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={p.threshold}
          onChange={(e) => p.onThreshold(Number(e.target.value))}
          data-testid="score-threshold"
          aria-label="Prediction score threshold"
        />
        <span className="num">{p.threshold.toFixed(2)}</span>
      </div>
      <div className="group review">
        {p.status && (
          <span className={`status-chip ${p.status}`} data-testid="image-status">
            {STATUS_LABEL[p.status] ?? p.status}
          </span>
        )}
        <button type="button" onClick={p.onSkip} disabled={!p.status} title={`Skip this image${key('review.skip')}`} data-testid="skip">
          Skip
        </button>
        <button type="button" className="primary" onClick={p.onDone} disabled={!p.status} title={`Mark done and open the next unreviewed image${key('review.doneNext')}`} data-testid="mark-done">
          Done ›
        </button>
      </div>
    </div>
  );
}
