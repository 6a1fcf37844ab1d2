import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ShownBox } from '../canvas/boxScene.ts';
import { agreementImage, resolveImage, type Take } from './api.ts';
import { personColor } from './scale.ts';
import { readImage, type ImageView, type MarkKind } from './types.ts';

/** One person of the open image in the legend: their colour and the digit that takes their labels. */
export interface LegendEntry {
  annotatorId: number;
  name: string;
  color: string;
  /** 1-based: the digit of the take action. */
  n: number;
  boxes: number;
}

export interface Disagreement {
  view: ImageView | null;
  legend: LegendEntry[];
  loading: boolean;
  error: string | null;
  busy: boolean;
  quorum: number | null;
  setQuorum(q: number | null): void;
  /** The boxes to draw: each person's in their colour, with the image's marks; predictions left out. */
  decorate(shown: readonly ShownBox[], annotatorOf: ReadonlyMap<number, { annotatorId: number }>): readonly ShownBox[];
  /** Take the n-th person's labels (1-based), or the consensus; resolves true when stored. */
  take(n: number | 'consensus'): Promise<boolean>;
  /** Read the image's agreement again (after an undo). */
  refresh(): void;
}

interface Options {
  imageId: number | null;
  active: boolean;
  iou: number;
  /** Colours already given to people (the layers panel's); others take the palette by legend position. */
  colors?: ReadonlyMap<number, string> | null;
  /** After a resolution is stored: reload the image's boxes. */
  onResolved(): void;
  onMessage(m: string): void;
}

/**
 * The open image's disagreement for the lead: each person's boxes, the marks (missing on one
 * side, class conflict, low IoU) and the consensus, from agreement:image; and the resolution,
 * one undoable edit through consensus:resolve. Replies for an image no longer open are dropped.
 */
export function useDisagreement(o: Options): Disagreement {
  const [view, setView] = useState<ImageView | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [quorum, setQuorum] = useState<number | null>(null);
  const [version, setVersion] = useState(0);
  const current = useRef(o.imageId);
  current.current = o.imageId;
  const opts = useRef(o);
  opts.current = o;
  // The view being loaded, so that a key pressed before it arrives waits for it.
  const pending = useRef<{ id: number; load: Promise<ImageView | null> } | null>(null);
  const viewRef = useRef<ImageView | null>(null);
  viewRef.current = view;

  useEffect(() => {
    // A refresh of the same image (after an undo, say) keeps the view it has until the new one
    // arrives, so a key pressed meanwhile still acts; another image clears it.
    setView((v) => (v && v.imageId === o.imageId && o.active ? v : null));
    setError(null);
    if (!o.active || o.imageId === null) return;
    const id = o.imageId;
    setLoading(true);
    const load = agreementImage(id, o.iou, quorum).then((v) => {
      const read = readImage(v);
      if (current.current === id) {
        viewRef.current = read;
        setView(read);
      }
      return read;
    });
    pending.current = { id, load: load.catch(() => null) };
    load
      .catch((e: Error) => current.current === id && setError(e.message))
      .finally(() => current.current === id && setLoading(false));
  }, [o.active, o.imageId, o.iou, quorum, version]);

  const legend = useMemo<LegendEntry[]>(
    () => (view?.people ?? []).map((p, i) => ({ annotatorId: p.annotatorId, name: p.name, color: o.colors?.get(p.annotatorId) ?? personColor(i), n: i + 1, boxes: p.boxes.length })),
    [view, o.colors],
  );

  const styleOf = useMemo(() => {
    const colors = new Map(legend.map((l) => [l.annotatorId, l.color]));
    const marks = new Map<number, MarkKind>();
    // A box can carry several marks; the one that matters most to a reviewer wins.
    const rank: Record<MarkKind, number> = { missing: 3, class_conflict: 2, low_iou: 1 };
    for (const m of view?.marks ?? []) {
      const had = marks.get(m.boxId);
      if (!had || rank[m.kind] > rank[had]) marks.set(m.boxId, m.kind);
    }
    return { colors, marks };
  }, [legend, view]);

  const decorate = useCallback(
    (shown: readonly ShownBox[], annotatorOf: ReadonlyMap<number, { annotatorId: number }>) => {
      if (!o.active || !view) return shown;
      const out: ShownBox[] = [];
      for (const b of shown) {
        if (b.kind === 'prediction') continue;
        const who = annotatorOf.get(b.id)?.annotatorId;
        const color = who !== undefined ? styleOf.colors.get(who) : undefined;
        const mark = styleOf.marks.get(b.id);
        out.push(color || mark ? { ...b, personColor: color, mark } : b);
      }
      return out;
    },
    [o.active, view, styleOf],
  );

  const take = useCallback(
    async (n: number | 'consensus') => {
      const id = current.current;
      if (id === null) return false;
      let shown = viewRef.current;
      if ((!shown || shown.imageId !== id) && pending.current?.id === id) shown = await pending.current.load;
      if (!shown || shown.imageId !== id || current.current !== id) return false;
      const people = shown.people;
      let t: Take;
      if (n === 'consensus') t = { consensus: { iou: opts.current.iou, ...(quorum ? { quorum } : {}) } };
      else {
        const person = people[n - 1];
        if (!person) {
          opts.current.onMessage(`No person ${n} on this image: it has ${people.length}.`);
          return false;
        }
        t = { annotator: person.name };
      }
      setBusy(true);
      try {
        await resolveImage(id, t);
        if (current.current !== id) return false;
        opts.current.onResolved();
        setVersion((v) => v + 1);
        return true;
      } catch (e) {
        opts.current.onMessage((e as Error).message);
        return false;
      } finally {
        setBusy(false);
      }
    },
    [quorum],
  );

  const refresh = useCallback(() => setVersion((v) => v + 1), []);

  return { view, legend, loading, error, busy, quorum, setQuorum, decorate, take, refresh };
}
