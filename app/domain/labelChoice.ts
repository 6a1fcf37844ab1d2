import { LoupeError } from './errors.ts';

/** Which labels an export takes: the final ones, one person's, or one model's predictions. */
export type LabelChoice = 'final' | { annotator: string } | { model: string };

/** Whose boxes an image exports: one author, and for a model the one run whose predictions count. */
export interface LabelSource {
  annotatorId: number;
  runId: number | null;
}

/** Why an image is left out of an export. */
export type SkipReason = 'unresolved' | 'not_reviewed' | 'no_labels_from_annotator' | 'not_run_by_model';

/** The label source of every image that exports, and the reason for every image that does not. */
export interface LabelPlan {
  sources: Map<number, LabelSource>;
  skipped: Map<number, SkipReason>;
  /** How the choice reads in a summary, e.g. "final" or "annotator:ana". */
  label: string;
}

/** Person-readable wording of each skip reason. */
export const SKIP_WORDING: Record<SkipReason, string> = {
  unresolved: 'several annotators marked it done and there is no consensus yet',
  not_reviewed: 'nobody marked it done',
  no_labels_from_annotator: 'the chosen annotator has no boxes on it and did not mark it done',
  not_run_by_model: 'the chosen model was not run on it',
};

/** `final`, `annotator:NAME` or `model:NAME` as a label choice; anything else is a clear error. */
export function parseLabelChoice(text: string): LabelChoice {
  if (text === 'final') return 'final';
  const m = /^(annotator|model):(.+)$/.exec(text);
  if (!m || !m[2].trim()) throw new LoupeError('bad_request', `labels must be "final", "annotator:NAME" or "model:NAME", got "${text}"`);
  return m[1] === 'annotator' ? { annotator: m[2].trim() } : { model: m[2].trim() };
}

/** The summary spelling of a label choice. */
export function labelChoiceText(c: LabelChoice): string {
  return c === 'final' ? 'final' : 'annotator' in c ? `annotator:${c.annotator}` : `model:${c.model}`;
}
