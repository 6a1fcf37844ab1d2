import type { Res } from '../../app/contract/methods.ts';
import type { Point, View } from '../canvas/coords.ts';
import { useLive, type LiveValue } from '../state/viewStore.ts';
import { JobBar } from './JobBar.tsx';

type Job = Res<'jobs:list'>[number];

interface Props {
  position: { index: number; total: number } | null;
  path: string | null;
  size: { w: number; h: number } | null;
  cursor: LiveValue<Point | null>;
  view: LiveValue<View | null>;
  boxCount: number;
  undo: number;
  redo: number;
  jobs: Job[];
  notice: string | null;
  error: string | null;
  onDismissError(): void;
}

function Cursor({ cursor }: { cursor: LiveValue<Point | null> }) {
  const c = useLive(cursor);
  return <span className="num cursor" data-testid="cursor">{c ? `${c.x.toFixed(1)}, ${c.y.toFixed(1)}` : '–'}</span>;
}

function Zoom({ view }: { view: LiveValue<View | null> }) {
  const v = useLive(view);
  return <span className="num" data-testid="zoom">{v ? `${Math.round(v.scale * 100)}%` : ''}</span>;
}

/** Image n of N, zoom, cursor in image pixels, counts, job progress and messages, on one fixed-height line. */
export function StatusBar(p: Props) {
  return (
    <footer className="statusbar" data-testid="status">
      <span data-testid="position">{p.position ? `image ${p.position.index + 1} of ${p.position.total}` : ''}</span>
      <span className="path">{p.path ?? ''}</span>
      <span className="num">{p.size ? `${p.size.w}×${p.size.h}` : ''}</span>
      <Zoom view={p.view} />
      <Cursor cursor={p.cursor} />
      <span data-testid="box-count">{p.boxCount} boxes</span>
      <span>
        undo {p.undo} · redo {p.redo}
      </span>
      {p.notice && (
        <span className="notice" data-testid="notice">
          {p.notice}
        </span>
      )}
      {p.error && (
        <span className="error" data-testid="error" onClick={p.onDismissError} title="Click to dismiss">
          {p.error}
        </span>
      )}
      <span className="spacer" />
      <JobBar jobs={p.jobs} />
    </footer>
  );
}
