import type { AssignRequest } from './peopleApi.ts';

/** What the assignment dialog holds, as typed. */
export interface AssignForm {
  people: readonly string[];
  overlap: string;
  fraction: string;
  filter: { kind: 'none' } | { kind: 'where'; text: string } | { kind: 'flag'; text: string } | { kind: 'run'; runId: number | null };
  seed: string;
}

/** The form as an `assign:run` request; throws an Error that says which field is wrong and why. */
export function assignRequest(f: AssignForm): AssignRequest {
  const people = [...new Set(f.people.map((p) => p.trim()).filter(Boolean))];
  if (people.length === 0) throw new Error('Choose at least one person to assign images to.');
  const overlap = Number(f.overlap);
  if (!/^\s*\d+\s*$/.test(f.overlap) || !Number.isInteger(overlap) || overlap < 1) throw new Error(`Overlap must be a whole number of people per image, 1 or more; got "${f.overlap}".`);
  if (overlap > people.length) throw new Error(`Overlap ${overlap} needs at least ${overlap} people; ${people.length} chosen.`);
  const req: AssignRequest = { annotators: people, overlap };
  if (f.fraction.trim()) {
    const x = Number(f.fraction);
    if (!Number.isFinite(x) || x <= 0 || x > 1) throw new Error(`Fraction must be a number above 0 and at most 1 (the share of images given to ${overlap} people); got "${f.fraction}".`);
    req.fraction = x;
  }
  if (f.filter.kind === 'where') {
    const m = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/.exec(f.filter.text);
    if (!m || !m[1]) throw new Error(`A metadata filter is key=value, e.g. camera=line2; got "${f.filter.text}".`);
    req.where = [{ key: m[1], value: m[2] }];
  } else if (f.filter.kind === 'flag') {
    if (!f.filter.text.trim()) throw new Error('Type the flag reason whose images to assign.');
    req.flag = f.filter.text.trim();
  } else if (f.filter.kind === 'run') {
    if (f.filter.runId === null) throw new Error('Choose the model run whose images to assign.');
    req.runId = f.filter.runId;
  }
  if (f.seed.trim()) {
    const s = Number(f.seed);
    if (!/^\s*\d+\s*$/.test(f.seed) || !Number.isSafeInteger(s)) throw new Error(`Seed must be a whole number ≥ 0; got "${f.seed}".`);
    req.seed = s;
  }
  return req;
}
