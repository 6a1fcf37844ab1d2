import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';
import type { ShownBox } from '../canvas/boxScene.ts';
import type { QueueQuery } from '../components/ImageList.tsx';
import type { ActionId } from '../shortcuts/actions.ts';
import type { QueueNav } from '../workspace/useQueueNav.ts';
import { roleOf } from './AgreementEntry.tsx';
import { currentReview, onReview, openReview, type ReviewTarget } from './reviewTarget.ts';
import { useDisagreement, type Disagreement } from './useDisagreement.ts';

/** The queue order that lists the worst agreement first. */
export const AGREEMENT_ORDER = 'agreement' as QueueQuery['order'];
const REVIEW_QUERY = { order: AGREEMENT_ORDER, filter: {} } as const;

interface Options {
  project: Res<'project:info'>;
  nav: QueueNav;
  order: QueueQuery['order'];
  setOrder(o: QueueQuery['order']): void;
  setFilter(f: { classId?: number }): void;
  iou?: number;
  /** The current person's role (from the identify step); without it, the role project:info reports. */
  role?: 'annotator' | 'lead';
  /** Each person's colour as the layers panel shows it, so the legend and the layers agree. */
  colors?: ReadonlyMap<number, string> | null;
  /** Reload the open image's boxes (after a resolution). */
  reload(): void;
  onMessage(m: string): void;
}

export interface ReviewMode {
  active: boolean;
  d: Disagreement;
  target: ReviewTarget | null;
  position: { index: number; total: number } | null;
  next(): void;
  prev(): void;
  leave(): void;
  handlers: Partial<Record<ActionId, () => void>>;
  decorate(shown: readonly ShownBox[], all: ReadonlyMap<number, { annotatorId: number }>): readonly ShownBox[];
}

/**
 * The lead's disagreement review inside the workspace: on while the queue is in agreement
 * order or a list of images came from the dashboard; steps through them, and resolves the
 * open image by the legend's digits or the consensus key.
 */
export function useReviewMode(o: Options): ReviewMode {
  const [target, setTarget] = useState<ReviewTarget | null>(currentReview);
  const opts = useRef(o);
  opts.current = o;
  const imageId = o.nav.current?.item.id ?? null;
  const active = (o.role ?? roleOf(o.project)) === 'lead' && (o.order === AGREEMENT_ORDER || target !== null);
  const d = useDisagreement({ imageId, active, iou: o.iou ?? 0.5, colors: o.colors, onResolved: o.reload, onMessage: o.onMessage });

  /** Open an image by id in the agreement order, whatever the list shows at the moment. */
  const openId = useCallback(async (id: number) => {
    try {
      const at = await call('images:locate', { imageId: id, ...REVIEW_QUERY });
      if (at.index === null) return opts.current.onMessage(`Image ${id} is no longer in the project.`);
      const page = await call('images:list', { offset: at.index, limit: 1, ...REVIEW_QUERY });
      const item = page.items[0];
      if (item) opts.current.nav.open(item, at.index);
    } catch (e) {
      opts.current.onMessage((e as Error).message);
    }
  }, []);

  useEffect(() => {
    const take = (t: ReviewTarget | null) => {
      setTarget(t);
      if (!t) return;
      opts.current.setOrder(AGREEMENT_ORDER);
      opts.current.setFilter(t.kind === 'queue' && t.classId !== undefined ? { classId: t.classId } : {});
      if (t.kind === 'images' && t.ids.length) void openId(t.ids[0]);
      else if (t.kind === 'queue') setTimeout(() => void opts.current.nav.openAt(0), 0);
    };
    if (currentReview()) take(currentReview());
    return onReview(take);
  }, [openId]);

  const ids = target?.kind === 'images' ? target.ids : null;
  const listIndex = ids && imageId !== null ? ids.indexOf(imageId) : -1;
  const position = ids ? (listIndex >= 0 ? { index: listIndex, total: ids.length } : null) : o.nav.current ? { index: o.nav.current.index, total: o.nav.total } : null;

  const step = useCallback(
    (by: 1 | -1) => {
      const cur = opts.current.nav.current;
      if (ids) {
        const i = listIndex < 0 ? 0 : listIndex + by;
        if (i >= 0 && i < ids.length) void openId(ids[i]);
        else opts.current.onMessage(by > 0 ? 'That was the last image of this list.' : 'This is the first image of the list.');
      } else if (cur) void opts.current.nav.openAt(cur.index + by);
      else void opts.current.nav.openAt(0);
    },
    [ids, listIndex, openId],
  );

  const leave = useCallback(() => {
    openReview(null);
    opts.current.setOrder('file');
    opts.current.setFilter({});
  }, []);

  const handlers = useMemo(() => {
    if (!active) return {};
    const h: Partial<Record<ActionId, () => void>> = {
      'agreement.next': () => step(1),
      'agreement.prev': () => step(-1),
      'agreement.consensus': () => void d.take('consensus'),
    };
    for (let n = 1; n <= 9; n++) h[`agreement.take${n}` as ActionId] = () => void d.take(n);
    return h;
  }, [active, step, d]);

  return { active, d, target, position, next: () => step(1), prev: () => step(-1), leave, handlers, decorate: d.decorate };
}
