import type { ParsedReq, Res } from '../contract/methods.ts';
import { planAssignment, type ExistingRow } from '../domain/assignPlan.ts';
import { LoupeError } from '../domain/errors.ts';
import type { AnnotatorRow } from '../store/AnnotatorRepo.ts';
import type { Project } from '../store/Project.ts';

/** The seed an assignment uses when none is given, so the same request gives the same plan. */
export const DEFAULT_ASSIGN_SEED = 0;

/**
 * Assign images to people (`assign:run`, lead only): the images matching every filter
 * given (all images without one), each to `overlap` of the listed people, or with
 * `fraction` f, round(f·N) of them to `overlap` people and the rest to one; seeded and
 * balanced (app/domain/assignPlan.ts). New names are created as people.
 *
 * Assigning again never drops work: on the chosen images, a listed person's row that is
 * in progress, done or skipped, or that their work or a label import made (no
 * assigned_at), is kept, counts towards the image's overlap, and becomes assigned. Only
 * the untouched todo rows an earlier assignment made, of the listed people on the chosen
 * images, may move: the plan is made afresh and those it does not choose again are
 * removed. Rows of people not listed, and rows on images not chosen, are left as they are.
 *
 * Everything is checked before anything is written, and the plan is written in one
 * transaction, so a refused request changes nothing.
 */
export function runAssign(p: Project, req: ParsedReq<'assign:run'>): Res<'assign:run'> {
  if (p.role !== 'lead') throw new LoupeError('forbidden', 'Only the QA lead assigns images; identify as the lead first.');
  const names = req.annotators.map((n) => n.trim());
  if (names.length === 0) throw new LoupeError('bad_request', 'Name at least one annotator to assign images to.');
  const seen = new Set<string>();
  for (const n of names) {
    if (n.length === 0 || n.length > 64) throw new LoupeError('bad_request', `An annotator name must be 1–64 characters; got "${n}".`);
    if (seen.has(n)) throw new LoupeError('bad_request', `"${n}" is listed twice; name each annotator once.`);
    seen.add(n);
    const found = p.annotators.byName(n);
    if (found && found.kind !== 'human') throw new LoupeError('bad_request', `"${n}" is the name of a ${found.kind} author, not a person; assign images to people only.`);
  }
  if (!Number.isInteger(req.overlap) || req.overlap < 1 || req.overlap > names.length) {
    throw new LoupeError('bad_request', `Overlap must be between 1 and the number of annotators (${names.length}); got ${req.overlap}.`);
  }
  if (req.fraction !== undefined && !(req.fraction > 0 && req.fraction <= 1)) {
    throw new LoupeError('bad_request', `Fraction must be in (0, 1]; got ${req.fraction}.`);
  }
  if (req.runId !== undefined && !p.models.runs().some((r) => r.id === req.runId)) {
    throw new LoupeError('not_found', `Model run ${req.runId} is not in this project; see the runs list for the ids.`);
  }
  const seed = req.seed ?? DEFAULT_ASSIGN_SEED;
  const imageIds = p.assignments.candidates({ where: req.where, flag: req.flag, runId: req.runId });

  return p.db.transaction(() => {
    const people: AnnotatorRow[] = names.map((n) => p.annotators.byName(n) ?? p.annotators.ensure(n, 'human'));
    const index = new Map(people.map((a, i) => [a.id, i]));
    const rows = p.assignments.rowsOn(imageIds).filter((r) => index.has(r.annotatorId));
    const existing: ExistingRow[] = rows.map((r) => ({
      imageId: r.imageId,
      person: index.get(r.annotatorId)!,
      locked: r.status !== 'todo' || r.assignedAt === null,
    }));
    const plan = planAssignment({ imageIds, people: people.length, overlap: req.overlap, fraction: req.fraction, seed, existing });

    const before = new Map(rows.map((r) => [`${r.imageId}:${r.annotatorId}`, r]));
    const stats = people.map((a) => ({ name: a.name, assigned: 0, added: 0, kept: 0 }));
    const add: { imageId: number; annotatorId: number }[] = [];
    const chosen = new Set<string>();
    for (const [imageId, who] of plan.byImage) {
      for (const i of who) {
        const key = `${imageId}:${people[i].id}`;
        chosen.add(key);
        stats[i].assigned++;
        const prior = before.get(key);
        // A row already assigned and kept as it is counts as kept; a row the person's work made becomes assigned.
        if (prior && prior.assignedAt !== null) stats[i].kept++;
        else if (prior) {
          stats[i].kept++;
          add.push({ imageId, annotatorId: people[i].id });
        } else {
          stats[i].added++;
          add.push({ imageId, annotatorId: people[i].id });
        }
      }
    }
    const drop = rows.filter((r) => r.status === 'todo' && r.assignedAt !== null && !chosen.has(`${r.imageId}:${r.annotatorId}`));
    p.assignments.applyPlan(add, drop, new Date().toISOString());
    return { images: imageIds.length, seed, perPerson: stats };
  })();
}
