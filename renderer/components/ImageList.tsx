import { useVirtualizer } from '@tanstack/react-virtual';
import { FlagBadges } from '../flags/FlagBadges.tsx';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Req, Res } from '../../app/contract/methods.ts';
import { call, thumbUrl } from '../api/client.ts';

type Item = Res<'images:list'>['items'][number];
/** The queue's order and filter, as `images:list` takes them. */
export type QueueQuery = Pick<Req<'images:list'>, 'order' | 'filter'>;
const PAGE = 200;
const ROW = 64;
const STATUS_LABEL: Record<string, string> = { todo: 'to do', in_progress: 'in progress', done: 'done', skipped: 'skipped' };

interface Props {
  /** Changes when the list must be reloaded (import finished, boxes changed). */
  version: number;
  selectedId: number | null;
  /** The open image's place in this list, kept in view as the person moves through the queue. */
  selectedIndex?: number | null;
  onOpen(item: Item, index: number): void;
  /** Images picked with Ctrl/Cmd+click, for jobs over a selection. */
  picked: ReadonlySet<number>;
  onPick(id: number): void;
  /** Reports the total and a way to fetch neighbours, for next/previous navigation. */
  onTotal?(total: number): void;
  itemAtRef?: React.RefObject<((index: number) => Promise<Item | null>) | null>;
  /** The queue's order and filters (fixed for the list's life: remount to change it). */
  query: QueueQuery;
  /** Lets the parent correct one row in place (box count, status) after an edit. */
  patchRef?: React.RefObject<((id: number, patch: Partial<Item>) => void) | null>;
}

/** The project's images, virtualised: only visible rows exist, pages of 200 load on demand. */
export function ImageList(p: Props) {
  const [total, setTotal] = useState(0);
  const [pages, setPages] = useState(new Map<number, Item[]>());
  const loading = useRef(new Set<number>());
  const scroller = useRef<HTMLDivElement>(null);
  const versionRef = useRef(p.version);

  const loadPage = useCallback(async (page: number): Promise<Item[] | null> => {
    if (loading.current.has(page)) return null;
    loading.current.add(page);
    const version = versionRef.current;
    try {
      const r = await call('images:list', { offset: page * PAGE, limit: PAGE, ...p.query });
      if (version !== versionRef.current) return null;
      setTotal(r.total);
      p.onTotal?.(r.total);
      setPages((m) => new Map(m).set(page, r.items));
      return r.items;
    } finally {
      loading.current.delete(page);
    }
  }, [p]);

  useEffect(() => {
    versionRef.current = p.version;
    loading.current.clear();
    setPages(new Map());
    void loadPage(0);
  }, [p.version]);

  const pagesRef = useRef(pages);
  pagesRef.current = pages;
  useEffect(() => {
    if (!p.itemAtRef) return;
    p.itemAtRef.current = async (index: number) => {
      if (index < 0) return null;
      const page = Math.floor(index / PAGE);
      const items = pagesRef.current.get(page) ?? (await loadPage(page));
      return items?.[index % PAGE] ?? null;
    };
  }, [p.itemAtRef, loadPage]);

  useEffect(() => {
    if (!p.patchRef) return;
    p.patchRef.current = (id, patch) =>
      setPages((m) => {
        for (const [k, items] of m) {
          const i = items.findIndex((it) => it.id === id);
          if (i >= 0) {
            const next = items.slice();
            next[i] = { ...items[i], ...patch };
            return new Map(m).set(k, next);
          }
        }
        return m;
      });
  }, [p.patchRef]);

  const virt = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 8 });
  const rows = virt.getVirtualItems();

  useEffect(() => {
    const i = p.selectedIndex;
    if (i === null || i === undefined || i < 0 || i >= total) return;
    virt.scrollToIndex(i, { align: 'auto' });
  }, [p.selectedIndex, total]);

  useEffect(() => {
    const needed = new Set(rows.map((r) => Math.floor(r.index / PAGE)));
    for (const page of needed) if (!pages.has(page)) void loadPage(page);
  }, [rows, pages, loadPage]);

  return (
    <div className="image-list" ref={scroller} data-testid="image-list" data-total={total}>
      <div style={{ height: virt.getTotalSize(), position: 'relative' }}>
        {rows.map((r) => {
          const item = pages.get(Math.floor(r.index / PAGE))?.[r.index % PAGE];
          return (
            <div
              key={r.key}
              className={`image-row${item && item.id === p.selectedId ? ' selected' : ''}${item && p.picked.has(item.id) ? ' picked' : ''}`}
              data-status={item?.status}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW, transform: `translateY(${r.start}px)` }}
              onClick={(e) => {
                if (!item) return;
                if (e.ctrlKey || e.metaKey) p.onPick(item.id);
                else p.onOpen(item, r.index);
              }}
              data-testid={item ? `image-row-${item.path}` : undefined}
              title={item?.path}
            >
              {item ? (
                <>
                  <img className="thumb" src={thumbUrl(item.id)} loading="lazy" alt="" width={56} height={56} />
                  <div className="meta">
                    <div className="path">
                      <span className={`status-dot ${item.status}`} title={STATUS_LABEL[item.status]} />
                      {item.path}
                    </div>
                    <div className="sub">
                      <span data-testid={`row-boxes-${item.path}`}>{item.boxCount} {item.boxCount === 1 ? 'box' : 'boxes'}</span> · {STATUS_LABEL[item.status]}
                      {item.flags.length > 0 && <FlagBadges imageId={item.id} reasons={item.flags} />}
                    </div>
                    {item.tags.length > 0 && <div className="tags sub">{item.tags.join(' · ')}</div>}
                  </div>
                </>
              ) : (
                <div className="meta sub">…</div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
