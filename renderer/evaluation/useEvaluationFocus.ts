import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { QueueQuery } from '../components/ImageList.tsx';
import { call } from '../api/client.ts';
import type { QueueNav } from '../workspace/useQueueNav.ts';
import { currentEvalFocus, onEvalFocus, openEvalFocus, type EvalFocus } from './focus.ts';

interface Options {
  nav: QueueNav;
  setOrder(o: QueueQuery['order']): void;
  setFilter(f: { classId?: number; flag?: string }): void;
  onWhere(w: { key: string; value: string } | null): void;
  onMessage(m: string): void;
}

export interface EvaluationFocus {
  focus: EvalFocus | null;
  /** The run and reference the canvas marks (misses and false alarms), or null. */
  compare: { runId: number; referenceId: number } | null;
  position: { index: number; total: number } | null;
  next(): void;
  prev(): void;
  leave(): void;
}

/** The queue filter a focus stands for (none for a list of ids: those are stepped through one by one). */
function filterOf(f: EvalFocus): { where?: { key: string; value: string }; flag?: string; classId?: number } {
  const s = f.show;
  if ('where' in s) return { where: s.where };
  if ('flag' in s) return { flag: s.flag };
  if ('classId' in s) return { classId: s.classId };
  return {};
}

/**
 * The evaluation dashboard's way into the workspace: a clicked slice, class or confusion cell
 * becomes the queue's filter (or a list of images to step through), its first image opens,
 * and the canvas marks the run's misses and false alarms against the reference.
 */
export function useEvaluationFocus(o: Options): EvaluationFocus {
  const [focus, setFocus] = useState<EvalFocus | null>(currentEvalFocus);
  const opts = useRef(o);
  opts.current = o;

  /** Open the first image of a filtered queue, or an image by id in the plain queue. */
  const openFirst = useCallback(async (f: EvalFocus) => {
    const filter = filterOf(f);
    try {
      if ('ids' in f.show) {
        const id = f.show.ids[0];
        if (id === undefined) return opts.current.onMessage(`No images behind ${f.label}.`);
        return await openId(id);
      }
      const page = await call('images:list', { offset: 0, limit: 1, order: 'file', filter });
      if (currentEvalFocus() !== f) return;
      const item = page.items[0];
      if (item) opts.current.nav.open(item, 0);
      else opts.current.onMessage(`No images in the project match ${f.label}.`);
    } catch (e) {
      opts.current.onMessage((e as Error).message);
    }
  }, []);

  const openId = useCallback(async (id: number) => {
    const at = await call('images:locate', { imageId: id, order: 'file', filter: {} });
    if (at.index === null) return opts.current.onMessage(`Image ${id} is no longer in the project.`);
    const page = await call('images:list', { offset: at.index, limit: 1, order: 'file', filter: {} });
    const item = page.items[0];
    if (item) opts.current.nav.open(item, at.index);
  }, []);

  useEffect(() => {
    const take = (f: EvalFocus | null) => {
      setFocus(f);
      if (!f) return;
      const { where, ...rest } = filterOf(f);
      opts.current.setOrder('file');
      opts.current.setFilter(rest);
      opts.current.onWhere(where ?? null);
      void openFirst(f);
    };
    if (currentEvalFocus()) take(currentEvalFocus());
    return onEvalFocus(take);
  }, [openFirst]);

  const ids = focus && 'ids' in focus.show ? focus.show.ids : null;
  const imageId = o.nav.current?.item.id ?? null;
  const listIndex = ids && imageId !== null ? ids.indexOf(imageId) : -1;
  const position = !focus ? null : ids ? (listIndex >= 0 ? { index: listIndex, total: ids.length } : null) : o.nav.current ? { index: o.nav.current.index, total: o.nav.total } : null;

  const step = (by: 1 | -1) => {
    const nav = opts.current.nav;
    if (ids) {
      const i = listIndex < 0 ? 0 : listIndex + by;
      if (i >= 0 && i < ids.length) void openId(ids[i]).catch((e: Error) => opts.current.onMessage(e.message));
      else opts.current.onMessage(by > 0 ? 'That was the last image of this list.' : 'This is the first image of the list.');
    } else if (nav.current) void nav.openAt(nav.current.index + by);
    else void nav.openAt(0);
  };

  const leave = useCallback(() => {
    openEvalFocus(null);
    opts.current.setFilter({});
    opts.current.onWhere(null);
  }, []);

  const compare = useMemo(() => (focus && focus.referenceId !== null ? { runId: focus.runId, referenceId: focus.referenceId } : null), [focus]);
  return { focus, compare, position, next: () => step(1), prev: () => step(-1), leave };
}
