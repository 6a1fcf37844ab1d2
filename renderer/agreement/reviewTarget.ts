/**
 * What the dashboard asked the workspace to open: the disagreement queue filtered to a class,
 * or a list of images (a histogram bin, a pair). One small store, so the dashboard (opened from
 * the top bar) and the workspace need not be wired through the app.
 */
export type ReviewTarget =
  | { kind: 'queue'; classId?: number; label: string }
  | { kind: 'images'; ids: number[]; label: string };

type Listener = (t: ReviewTarget | null) => void;
let target: ReviewTarget | null = null;
const listeners = new Set<Listener>();

/** Ask the workspace to review these images (null: back to the plain queue). */
export function openReview(t: ReviewTarget | null): void {
  target = t;
  for (const l of listeners) l(t);
}

/** The target as of now. */
export function currentReview(): ReviewTarget | null {
  return target;
}

/** Hear of each new target; returns the unsubscribe function. */
export function onReview(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
