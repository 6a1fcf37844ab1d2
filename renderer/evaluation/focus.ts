/**
 * What the evaluation dashboard asked the workspace to show: the images behind a number
 * (a slice, a class, a confusion cell) and the run and reference to mark on the canvas.
 * One small store, so the dashboard (opened from the top bar) and the workspace need not be
 * wired through the app.
 */
export interface EvalFocus {
  /** What the person clicked, as the workspace names it ("shift = night"). */
  label: string;
  runId: number;
  /** The reference annotator; null for the final labels (then the canvas cannot mark misses). */
  referenceId: number | null;
  /** The images: a queue filter, or a list of image ids. */
  show: { where: { key: string; value: string } } | { flag: string } | { classId: number } | { ids: number[] };
}

type Listener = (f: EvalFocus | null) => void;
let focus: EvalFocus | null = null;
const listeners = new Set<Listener>();

/** Ask the workspace to show these images (null: back to the plain queue). */
export function openEvalFocus(f: EvalFocus | null): void {
  focus = f;
  for (const l of listeners) l(f);
}

/** The focus as of now. */
export function currentEvalFocus(): EvalFocus | null {
  return focus;
}

/** Hear of each new focus; returns the unsubscribe function. */
export function onEvalFocus(l: Listener): () => void {
  listeners.add(l);
  return () => void listeners.delete(l);
}
