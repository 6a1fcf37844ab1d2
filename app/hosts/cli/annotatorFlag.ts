import { LoupeError } from '../../domain/errors.ts';
import { actAs } from '../../services/people.ts';
import type { Parsed } from './args.ts';
import { CliError, type CliContext } from './context.ts';

/**
 * `--annotator NAME` for a command that records a person's work (edits, done marks, a
 * resolution): the work is recorded as that existing person instead of the default one
 * ($LOUPE_ANNOTATOR, else the OS user). `loupe import --annotations` has its own
 * --annotator, whose labels they are (created if new).
 */
export const ANNOTATOR_FLAG = {
  kind: 'string',
  value: 'NAME',
  help: 'Record the work as this person (one of the project\'s people; default $LOUPE_ANNOTATOR, else your user name)',
} as const;

/** Act as the person --annotator names, once the project is open; an unknown or non-person name is an error and nothing is written. */
export function applyAnnotatorFlag(ctx: CliContext, a: Parsed): void {
  const name = a.flags.annotator;
  if (name === undefined) return;
  if (typeof name !== 'string' || name.trim() === '') throw new CliError('--annotator needs a person\'s name');
  try {
    actAs(ctx.session.project, name);
  } catch (err) {
    if (err instanceof LoupeError) throw new CliError(`--annotator: ${err.message}`);
    throw err;
  }
}
