import { useCallback, useEffect, useRef, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';

export type Box = Res<'boxes:list'>['boxes'][number];
type BoxState = { id: number; classId: number; x: number; y: number; w: number; h: number };
type RectLike = { x: number; y: number; w: number; h: number };

/**
 * A person's operation on the open image; its diff is built when it runs, from the
 * boxes as stored by then, so it is one undo entry whatever it touches.
 */
export interface BoxOp {
  /** New boxes; with `sourceBoxId` they accept (or, reshaped, edit) that prediction. */
  add?: { classId: number; rect: RectLike; sourceBoxId?: number }[];
  update?: { id: number; rect?: RectLike; classId?: number }[];
  remove?: number[];
  /** Predictions to hide from the review (kept for evaluation), or to bring back. */
  reject?: number[];
  restore?: number[];
}

export interface ImageBoxes {
  boxes: Box[];
  annotatorId: number | null;
  undo: number;
  redo: number;
  error: string | null;
  loading: boolean;
  /** Resolves with the stored edit (ids assigned), or null when it failed or the image changed. */
  apply(op: BoxOp): Promise<Res<'boxes:apply'> | null>;
  undoEdit(): Promise<void>;
  redoEdit(): Promise<void>;
  /** Read the image's boxes again (after a pre-label run added predictions). */
  reload(): Promise<void>;
}

const stateOf = (b: Box): BoxState => ({ id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h });

/**
 * The boxes of the open image and its edit queue. Edits run one at a time so each
 * diff's `before` is what the store holds; replies for an image no longer open are dropped.
 */
export function useImageBoxes(imageId: number | null): ImageBoxes {
  const [state, setState] = useState({ boxes: [] as Box[], annotatorId: null as number | null, undo: 0, redo: 0 });
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const current = useRef(imageId);
  const boxesRef = useRef<Box[]>([]);
  const chain = useRef<Promise<void>>(Promise.resolve());
  current.current = imageId;

  const take = useCallback((forImage: number, r: { boxes: Box[]; undo: number; redo: number; annotatorId?: number }) => {
    if (current.current !== forImage) return;
    boxesRef.current = r.boxes;
    setState((s) => ({ boxes: r.boxes, annotatorId: r.annotatorId ?? s.annotatorId, undo: r.undo, redo: r.redo }));
  }, []);

  useEffect(() => {
    boxesRef.current = [];
    setState((s) => ({ ...s, boxes: [], undo: 0, redo: 0 }));
    setError(null);
    if (imageId === null) return;
    setLoading(true);
    call('boxes:list', { imageId })
      .then((r) => take(imageId, r))
      .catch((e: Error) => current.current === imageId && setError(e.message))
      .finally(() => current.current === imageId && setLoading(false));
  }, [imageId, take]);

  const enqueue = useCallback(<T,>(run: (imageId: number) => Promise<T>): Promise<T | null> => {
    const id = current.current;
    if (id === null) return Promise.resolve(null);
    const next = chain.current.then(() =>
      run(id).catch((e: Error) => {
        if (current.current === id) setError(e.message);
        return null;
      }),
    );
    chain.current = next.then(() => undefined);
    return next;
  }, []);

  const apply = useCallback(
    (op: BoxOp) =>
      enqueue(async (id) => {
        const byId = new Map(boxesRef.current.map((b) => [b.id, b]));
        const diff = {
          added: [] as (Omit<BoxState, 'id'> & { sourceBoxId?: number })[],
          updated: [] as [BoxState, BoxState][],
          removed: [] as BoxState[],
          rejected: [] as number[],
          restored: [] as number[],
        };
        for (const a of op.add ?? []) diff.added.push({ classId: a.classId, ...a.rect, ...(a.sourceBoxId !== undefined ? { sourceBoxId: a.sourceBoxId } : {}) });
        for (const u of op.update ?? []) {
          const cur = byId.get(u.id);
          if (cur) diff.updated.push([stateOf(cur), { ...stateOf(cur), ...(u.rect ?? {}), classId: u.classId ?? cur.classId }]);
        }
        for (const rid of op.remove ?? []) {
          const cur = byId.get(rid);
          if (cur) diff.removed.push(stateOf(cur));
        }
        for (const rid of op.reject ?? []) if (byId.has(rid)) diff.rejected.push(rid);
        for (const rid of op.restore ?? []) if (byId.has(rid)) diff.restored.push(rid);
        if (!diff.added.length && !diff.updated.length && !diff.removed.length && !diff.rejected.length && !diff.restored.length) return null;
        setError(null);
        const r = await call('boxes:apply', { imageId: id, diff });
        take(id, r);
        return current.current === id ? r : null;
      }),
    [enqueue, take],
  );
  const undoEdit = useCallback(async () => {
    await enqueue(async (id) => take(id, await call('edits:undo', { imageId: id })));
  }, [enqueue, take]);
  const redoEdit = useCallback(async () => {
    await enqueue(async (id) => take(id, await call('edits:redo', { imageId: id })));
  }, [enqueue, take]);

  const reload = useCallback(async () => {
    await enqueue(async (id) => take(id, await call('boxes:list', { imageId: id })));
  }, [enqueue, take]);

  return { ...state, error, loading, apply, undoEdit, redoEdit, reload };
}
