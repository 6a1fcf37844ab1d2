import type { Person } from './peopleApi.ts';

/** Counts of a person for the list: what they were assigned and what they have done. */
export function personCounts(p: Person): string {
  const assigned = p.assigned !== undefined ? `${p.assigned} assigned · ` : '';
  return `${assigned}${p.imagesDone} done`;
}

/** Check a typed name the way the core will: trimmed, 1–64 characters. */
export function checkName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new Error('Type your name, or pick yourself from the list.');
  if (name.length > 64) throw new Error(`A name is at most 64 characters; this one has ${name.length}.`);
  return name;
}
