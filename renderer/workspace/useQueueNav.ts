import { useCallback, useEffect, useRef, useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { call, imageUrl } from '../api/client.ts';
import { loadImage, prefetchImages } from '../canvas/imageCache.ts';
import type { QueueQuery } from '../components/ImageList.tsx';

export type Item = Res<'images:list'>['items'][number];
export type Status = Item['status'];
export type Current = { item: Item; index: number } | null;

export interface QueueNav {
  current: Current;
  /** The open image as of now (for async work that must check it did not change meanwhile). */
  currentRef: React.RefObject<Current>;
  total: number;
  setTotal(n: number): void;
  /** Filled by the list: the item at an index of the queue (loading its page when needed). */
  itemAt: React.RefObject<((index: number) => Promise<Item | null>) | null>;
  /** Filled by the list: correct one row in place. */
  patchRow: React.RefObject<((id: number, patch: Partial<Item>) => void) | null>;
  open(item: Item, index: number): void;
  openAt(index: number): Promise<void>;
  nextUnreviewed(): Promise<void>;
  /** Record the person's status for the open image; false (and a message) when it failed. */
  setStatus(status: Status): Promise<boolean>;
  /** Done or skipped: record it, then open the next unreviewed image. */
  decide(status: 'done' | 'skipped'): Promise<void>;
  /** The first edit of a to-do image: the row and the toolbar say in progress (the core records the same). */
  markStarted(imageId: number): void;
}

/** Which image of the queue is open, moving through it, and the person's status for it. */
export function useQueueNav(query: QueueQuery, o: { onOpened(): void; onMessage(m: string): void; onNotice(m: string): void }): QueueNav {
  const [current, setCurrent] = useState<Current>(null);
  const [total, setTotal] = useState(0);
  const itemAt = useRef<((index: number) => Promise<Item | null>) | null>(null);
  const patchRow = useRef<((id: number, patch: Partial<Item>) => void) | null>(null);
  const currentRef = useRef<Current>(current);
  currentRef.current = current;
  const opts = useRef(o);
  opts.current = o;

  const open = useCallback((item: Item, index: number) => {
    setCurrent({ item, index });
    opts.current.onOpened();
  }, []);

  const openAt = useCallback(
    async (index: number) => {
      if (index < 0) return;
      const item = await itemAt.current?.(index);
      if (item) open(item, index);
    },
    [open],
  );

  // Prefetch the neighbours so the next key press shows pixels at once; only once the open
  // image is on screen, since receiving a 12-megapixel file busies the page's main thread.
  useEffect(() => {
    if (!current) return;
    let live = true;
    const i = current.index;
    void loadImage(imageUrl(current.item.id))
      .catch(() => {})
      .then(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))))
      .then(() => (live ? Promise.all([itemAt.current?.(i + 1), itemAt.current?.(i - 1), itemAt.current?.(i + 2)]) : ([] as (Item | null | undefined)[])))
      .then((items) => live && prefetchImages(items.filter((x): x is Item => !!x).map((x) => imageUrl(x.id))));
    return () => {
      live = false;
    };
  }, [current]);

  const patchCurrent = (id: number, status: Status) => {
    patchRow.current?.(id, { status });
    const cur = currentRef.current;
    if (cur?.item.id === id) setCurrent({ item: { ...cur.item, status }, index: cur.index });
  };

  const setStatus = useCallback(async (status: Status): Promise<boolean> => {
    const cur = currentRef.current;
    if (!cur) return false;
    try {
      await call('review:set', { imageId: cur.item.id, status });
      patchCurrent(cur.item.id, status);
      return true;
    } catch (e) {
      opts.current.onMessage((e as Error).message);
      return false;
    }
  }, []);

  const nextUnreviewed = useCallback(async () => {
    const from = currentRef.current?.index ?? -1;
    try {
      const r = await call('images:next', { from, direction: 1, unreviewed: true, ...query });
      if (r.item && r.index !== null) open(r.item, r.index);
      else opts.current.onNotice('Every image in this queue is reviewed.');
    } catch (e) {
      opts.current.onMessage((e as Error).message);
    }
  }, [query, open]);

  const decide = useCallback(
    async (status: 'done' | 'skipped') => {
      if (await setStatus(status)) await nextUnreviewed();
    },
    [setStatus, nextUnreviewed],
  );

  const markStarted = useCallback((imageId: number) => {
    if (currentRef.current?.item.id === imageId && currentRef.current.item.status === 'todo') patchCurrent(imageId, 'in_progress');
  }, []);

  return { current, currentRef, total, setTotal, itemAt, patchRow, open, openAt, nextUnreviewed, setStatus, decide, markStarted };
}
