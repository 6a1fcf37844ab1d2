import type { Res } from '../contract/methods.ts';
import type { Box } from '../domain/box.ts';
import { LoupeError } from '../domain/errors.ts';
import type { AnnotatorRow } from '../store/AnnotatorRepo.ts';
import type { Project, Role } from '../store/Project.ts';
import type { QueueFilter } from '../store/QueueRepo.ts';

/** Who is working and in which role. */
export type Identity = Res<'session:whoami'>;

/** The setting (kept with the person the project was opened as on this machine) that remembers the last identity. */
export const LAST_IDENTITY_KEY = 'lastIdentity';

const ROLES: readonly Role[] = ['annotator', 'lead'];

/** The current person and role. */
export function whoami(p: Project): Identity {
  return { annotator: { id: p.annotator.id, name: p.annotator.name }, role: p.role };
}

/**
 * A person by name for work recorded as theirs: trimmed, 1–64 characters, created as a
 * human when new. A model's or the consensus author's name is refused, since work
 * recorded under it would pass for predictions or the lead's resolution. Must run
 * inside a transaction when it may create the person.
 */
export function personByName(p: Project, raw: string): AnnotatorRow {
  const name = raw.trim();
  if (name.length === 0) throw new LoupeError('bad_request', 'A person\'s name is empty; give a name of 1–64 characters.');
  if (name.length > 64) throw new LoupeError('bad_request', `A person's name is at most 64 characters; "${name.slice(0, 20)}…" has ${name.length}.`);
  const found = p.annotators.byName(name);
  if (found && found.kind !== 'human') {
    throw new LoupeError('bad_request', `"${name}" is the name of a ${found.kind === 'model' ? "model's" : 'consensus'} author, not a person; choose another name.`);
  }
  return found ?? p.annotators.ensure(name, 'human');
}

/**
 * Become `name` (created if new) in `role` (an annotator when not given, the role
 * with least reach): every box, edit and done mark from now on is theirs. The choice
 * is remembered as the `lastIdentity` setting of the person the project was opened as,
 * so the next opening on this machine can preselect it.
 */
export function identify(p: Project, name: string, role: Role = 'annotator'): Identity {
  if (!ROLES.includes(role)) throw new LoupeError('bad_request', `Role must be annotator or lead, not "${String(role)}".`);
  const row = p.db.transaction(() => {
    const person = personByName(p, name);
    p.review.setSetting(p.defaultAnnotator.id, LAST_IDENTITY_KEY, JSON.stringify({ name: person.name, role }));
    return person;
  })();
  p.setAnnotator(row, role);
  return whoami(p);
}

/** The identity last chosen on this project from this machine, or null. */
export function lastIdentity(p: Project): { name: string; role: Role } | null {
  const v = p.review.setting(p.defaultAnnotator.id, LAST_IDENTITY_KEY);
  if (v === undefined) return null;
  try {
    const o = JSON.parse(v) as { name?: unknown; role?: unknown };
    if (typeof o.name !== 'string') return null;
    return { name: o.name, role: o.role === 'lead' ? 'lead' : 'annotator' };
  } catch {
    return null;
  }
}

/**
 * Blind labelling: an annotator on an image a lead assigned to anyone sees only their own
 * boxes and the model's predictions, never another person's nor the consensus author's.
 * The lead sees everyone's; on images nobody was assigned, everyone sees everything as before.
 */
export function isBlind(p: Project, imageId: number): boolean {
  return p.role === 'annotator' && p.assignments.isAssigned(imageId);
}

/** Whether the current person may see a box on an image that is blind for them. */
export function visibleToMe(p: Project, b: Pick<Box, 'annotatorId' | 'modelRunId'>): boolean {
  return b.annotatorId === p.annotator.id || b.modelRunId !== null;
}

/** The image's boxes the current person may see. */
export function visibleBoxes(p: Project, imageId: number): Box[] {
  const all = p.boxes.forImage(imageId);
  return isBlind(p, imageId) ? all.filter((b) => visibleToMe(p, b)) : all;
}

/** The box count the queue shows for an image: what the current person may see. */
export function visibleBoxCount(p: Project, imageId: number, all: number): number {
  return isBlind(p, imageId) ? p.boxes.countVisible(imageId, p.annotator.id) : all;
}

/**
 * The queue's filters as the current person may use them. An annotator's class filter
 * looks at the boxes they may see (blindFor). An annotator with assigned images works
 * through those only (assignedTo); filtering by another person's work (annotatorId)
 * would show where that person labelled, so it is refused for them.
 */
export function queueFilterFor(p: Project, f: QueueFilter): QueueFilter {
  if (p.role !== 'annotator') return f;
  const blind: QueueFilter = { ...f, blindFor: p.annotator.id };
  if (!p.assignments.hasAssignments(p.annotator.id)) return blind;
  if (f.annotatorId !== undefined && f.annotatorId !== p.annotator.id) {
    throw new LoupeError('forbidden', "An annotator's queue filters by their own work only; switch to the lead role to filter by another person.");
  }
  return { ...blind, assignedTo: p.annotator.id };
}

/** The project's annotators with their counts and how many images are assigned to each. */
export function annotatorViews(p: Project): Res<'annotators:list'> {
  const assigned = p.assignments.assignedCounts();
  return p.annotators.summaries().map((a) => ({ ...a, assigned: assigned.get(a.id) ?? 0 }));
}

/**
 * Record work as an existing person from here on, without changing the remembered
 * identity (the CLI's --annotator). An unknown name is refused rather than created, so a
 * typo cannot start a new person; the message lists the people there are.
 */
export function actAs(p: Project, raw: string): Identity {
  const name = raw.trim();
  const found = p.annotators.byName(name);
  if (!found) {
    const people = p.annotators.list().filter((a) => a.kind === 'human').map((a) => a.name);
    throw new LoupeError('not_found', `No person named "${name}" in this project; people: ${people.join(', ') || 'none'}.`);
  }
  p.setAnnotator(personByName(p, name));
  return whoami(p);
}
