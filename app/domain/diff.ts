import type { BoxState, NewBox } from './box.ts';

/**
 * One edit of an image's boxes: what was added, changed (before → after) and
 * removed, and which predictions the person rejected (hid from the review) or
 * brought back. Predictions are never changed or deleted by a person's edit.
 */
export interface BoxDiff {
  added: NewBox[];
  updated: [BoxState, BoxState][];
  removed: BoxState[];
  rejected?: number[];
  restored?: number[];
}

/** The diff that undoes `d`. */
export function invertDiff(d: BoxDiff): BoxDiff {
  const out: BoxDiff = {
    added: d.removed.map((b) => ({ ...b })),
    updated: d.updated.map(([before, after]) => [after, before]),
    removed: d.added.map((b) => {
      if (b.id === undefined) throw new Error('cannot invert a diff whose added boxes have no ids');
      return { id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h };
    }),
  };
  if (d.restored?.length) out.rejected = [...d.restored];
  if (d.rejected?.length) out.restored = [...d.rejected];
  return out;
}

/** True when the diff changes nothing. */
export function isEmptyDiff(d: BoxDiff): boolean {
  return d.added.length === 0 && d.updated.length === 0 && d.removed.length === 0 && !d.rejected?.length && !d.restored?.length;
}
