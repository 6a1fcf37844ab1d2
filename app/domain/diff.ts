import type { BoxState, NewBox } from './box.ts';

/** One edit of an image's boxes: what was added, changed (before → after) and removed. */
export interface BoxDiff {
  added: NewBox[];
  updated: [BoxState, BoxState][];
  removed: BoxState[];
}

/** The diff that undoes `d`. */
export function invertDiff(d: BoxDiff): BoxDiff {
  return {
    added: d.removed.map((b) => ({ ...b })),
    updated: d.updated.map(([before, after]) => [after, before]),
    removed: d.added.map((b) => {
      if (b.id === undefined) throw new Error('cannot invert a diff whose added boxes have no ids');
      return { id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h };
    }),
  };
}

/** True when the diff changes nothing. */
export function isEmptyDiff(d: BoxDiff): boolean {
  return d.added.length === 0 && d.updated.length === 0 && d.removed.length === 0;
}
