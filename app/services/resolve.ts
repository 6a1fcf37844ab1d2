import type { ParsedReq } from '../contract/methods.ts';
import type { BoxState, NewBox } from '../domain/box.ts';
import { invertDiff, type BoxDiff } from '../domain/diff.ts';
import { LoupeError } from '../domain/errors.ts';
import { consensusMerge, defaultQuorum, type ABox } from '../metrics/agreement/index.ts';
import { checkQuorum } from '../metrics/agreement/consensus.ts';
import { checkThreshold } from '../metrics/agreement/match.ts';
import { agreementRepo, CONSENSUS_NAME } from '../store/AgreementRepo.ts';
import type { AnnotatorRow } from '../store/AnnotatorRepo.ts';
import type { AssignmentStatus } from '../store/AssignmentRepo.ts';
import { mergeRepo, type ResolutionBoxRow } from '../store/MergeRepo.ts';
import type { Project } from '../store/Project.ts';
import type { EditResult } from './boxEdits.ts';
import { reviewBoxes } from './review.ts';

/** How an image was resolved: one person's labels taken, or the automatic consensus. */
export type Resolution = { by: 'annotator'; annotatorId: number; annotator: string } | { by: 'consensus'; iou: number; quorum: number };

/**
 * An edit of another author's boxes, recorded in the edit history of the person who made
 * it (the lead): the diff of the consensus author's boxes, how the image was resolved,
 * and the consensus author's status before and after. Older diffs have none of these
 * fields, so the format stays readable both ways.
 */
export interface AuthoredDiff extends BoxDiff {
  author: number;
  resolution: Resolution;
  status: { before: AssignmentStatus | null; after: AssignmentStatus | null };
}

/** True for a diff that changed another author's boxes (a resolution). */
export function isAuthoredDiff(d: BoxDiff): d is AuthoredDiff {
  return typeof (d as Partial<AuthoredDiff>).author === 'number';
}

const now = () => new Date().toISOString();

/** The project's consensus author, created (kind consensus) if it has none; inside a transaction. */
export function ensureConsensusAuthor(project: Project): AnnotatorRow {
  const found = agreementRepo(project.db).consensusAuthor();
  if (found) return found;
  let name = CONSENSUS_NAME;
  for (let k = 2; project.annotators.byName(name); k++) name = `${CONSENSUS_NAME} ${k}`;
  return project.annotators.ensure(name, 'consensus');
}

/** Only the lead resolves images. */
export function checkLead(project: Project): void {
  if (project.role !== 'lead') {
    throw new LoupeError('forbidden', `Only the lead resolves images; ${project.annotator.name} works as an annotator. Switch to the lead role first.`);
  }
}

/** The boxes a take chooses on an image, and how; throws (nothing written) on a bad take. */
function chosenBoxes(project: Project, imageId: number, take: ParsedReq<'consensus:resolve'>['take']): { boxes: { box: ABox; classId: number; source: number }[]; resolution: Resolution } {
  const repo = agreementRepo(project.db);
  if ('annotator' in take) {
    const name = take.annotator.trim();
    const person = project.annotators.byName(name);
    if (!person || person.kind !== 'human') {
      const people = project.annotators.list().filter((a) => a.kind === 'human').map((a) => a.name);
      throw new LoupeError('not_found', `No person named "${name}" in this project to take labels from; people: ${people.join(', ') || 'none'}.`);
    }
    const boxes = repo.boxesOf(imageId, person.id);
    if (boxes.length === 0 && project.assignments.get(imageId, person.id) !== 'done') {
      throw new LoupeError('bad_request', `${person.name} has no boxes on image ${imageId} and has not marked it done, so there is nothing to take.`);
    }
    return { boxes: boxes.map((b) => ({ box: b, classId: b.classId, source: b.id })), resolution: { by: 'annotator', annotatorId: person.id, annotator: person.name } };
  }
  const iou = take.consensus.iou ?? 0.5;
  checkThreshold(iou);
  if (take.consensus.quorum !== undefined) checkQuorum(take.consensus.quorum);
  const byPerson = repo.peopleOn(imageId);
  if (byPerson.size < 2) {
    throw new LoupeError('bad_request', `Image ${imageId} has done work from ${byPerson.size === 0 ? 'nobody' : 'one person'}; a consensus needs two or more people who marked it done.`);
  }
  const quorum = take.consensus.quorum ?? defaultQuorum(byPerson.size);
  const merged = consensusMerge(byPerson, iou, quorum);
  return { boxes: merged.map((c) => ({ box: c.box, classId: c.classId, source: c.box.id })), resolution: { by: 'consensus', iou, quorum } };
}

/**
 * Replace the consensus author's boxes on an image with `chosen` and mark it done for
 * them, recorded as one edit of the current person; inside a transaction.
 */
export function writeResolution(project: Project, imageId: number, author: AnnotatorRow, chosen: { box: ABox; classId: number; source: number }[], resolution: Resolution): AuthoredDiff {
  const at = now();
  const removed: (BoxState & { sourceBoxId?: number })[] = [];
  for (const b of project.boxes.forImage(imageId, author.id)) {
    if (b.modelRunId !== null) continue;
    project.boxes.delete(b.id);
    const s: BoxState & { sourceBoxId?: number } = { id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h };
    if (b.sourceBoxId !== null) s.sourceBoxId = b.sourceBoxId;
    removed.push(s);
  }
  // New ids as AUTOINCREMENT would give them, in one multi-row insert per few dozen boxes.
  const merge = mergeRepo(project.db);
  let next = chosen.length > 0 ? merge.nextBoxId() : 0;
  const rows: ResolutionBoxRow[] = chosen.map(({ box, classId, source }) => ({ id: next++, classId, x: box.x, y: box.y, w: box.w, h: box.h, sourceBoxId: source }));
  merge.insertResolutionBoxes(imageId, author.id, rows);
  const added: NewBox[] = rows.map((r) => ({ id: r.id, classId: r.classId, x: r.x, y: r.y, w: r.w, h: r.h, sourceBoxId: r.sourceBoxId }));
  const before = project.assignments.get(imageId, author.id) ?? null;
  project.assignments.set(imageId, author.id, 'done', at);
  const diff: AuthoredDiff = { added, updated: [], removed, author: author.id, resolution, status: { before, after: 'done' } };
  project.edits.recordEdit(imageId, project.annotator.id, diff, at);
  return diff;
}

/**
 * writeResolution for an image the consensus author has no boxes on (it is not resolved),
 * with the edit's `added` list already as text (addedJson: `#` for each new id), so many
 * images are written without turning their numbers into text on this thread. Stores the
 * same rows and the same edit text as writeResolution; inside a transaction.
 */
export function writeMergedResolution(project: Project, imageId: number, author: AnnotatorRow, chosen: { box: ABox; classId: number; source: number }[], added: string, resolution: Resolution): void {
  const at = now();
  const merge = mergeRepo(project.db);
  const first = chosen.length > 0 ? merge.nextBoxId() : 0;
  let next = first;
  const rows: ResolutionBoxRow[] = chosen.map(({ box, classId, source }) => ({ id: next++, classId, x: box.x, y: box.y, w: box.w, h: box.h, sourceBoxId: source }));
  merge.insertResolutionBoxes(imageId, author.id, rows);
  const before = project.assignments.get(imageId, author.id) ?? null;
  project.assignments.set(imageId, author.id, 'done', at);
  let id = first;
  const addedText = added.replace(/#/g, () => String(id++));
  if (id !== next) throw new LoupeError('internal', `The consensus of image ${imageId} has ${chosen.length} boxes but its edit text ${id - first}.`);
  const status: AuthoredDiff['status'] = { before, after: 'done' };
  const text = `{"added":[${addedText}],"updated":[],"removed":[],"author":${author.id},"resolution":${JSON.stringify(resolution)},"status":${JSON.stringify(status)}}`;
  project.edits.recordEditText(imageId, project.annotator.id, text, at);
}

/** The plain box diff of an authored one, as replies carry it. */
export function plainDiff(d: BoxDiff): BoxDiff {
  return {
    added: d.added.map((b) => ({ id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h, ...(b.sourceBoxId !== undefined ? { sourceBoxId: b.sourceBoxId } : {}) })),
    updated: d.updated.map(([a, b]) => [pick(a), pick(b)]),
    removed: d.removed.map(pick),
  };
}

function pick(b: BoxState): BoxState {
  return { id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h };
}

function result(project: Project, imageId: number, diff: AuthoredDiff): EditResult {
  const depth = project.edits.depth(imageId, project.annotator.id);
  // Resolved now, so the lead's next edits there go to the final labels.
  return { diff: plainDiff(diff), boxes: reviewBoxes(project, imageId), annotatorId: diff.author, undo: depth.undo, redo: depth.redo };
}

/**
 * `consensus:resolve`: the lead takes one person's labels or the automatic consensus as
 * the image's final labels. The consensus author's boxes there are replaced and it is
 * marked done, as one edit in the lead's history that records the resolution; edits:undo
 * on the image puts back what was there before.
 */
export function resolveImage(project: Project, req: ParsedReq<'consensus:resolve'>): EditResult {
  checkLead(project);
  if (!project.images.get(req.imageId)) throw new LoupeError('not_found', `Image ${req.imageId} is not in this project.`);
  return project.db.transaction(() => {
    const { boxes, resolution } = chosenBoxes(project, req.imageId, req.take);
    const author = ensureConsensusAuthor(project);
    const diff = writeResolution(project, req.imageId, author, boxes, resolution);
    return result(project, req.imageId, diff);
  })();
}

/**
 * Undo or redo an authored diff (a resolution); inside a transaction. The author's boxes
 * must be as the edit left them, else it is a conflict and nothing changes. Returns the
 * plain diff applied.
 */
export function applyAuthoredDiff(project: Project, imageId: number, d: AuthoredDiff, direction: 'undo' | 'redo'): BoxDiff {
  const step = direction === 'undo' ? invertDiff(d) : d;
  for (const b of step.removed) {
    const cur = project.boxes.get(b.id);
    if (!cur || cur.imageId !== imageId || cur.annotatorId !== d.author || cur.x !== b.x || cur.y !== b.y || cur.w !== b.w || cur.h !== b.h || cur.classId !== b.classId) {
      throw new LoupeError('conflict', `The resolution of image ${imageId} was changed since (box ${b.id}); it cannot be ${direction === 'undo' ? 'undone' : 'redone'}.`);
    }
    project.boxes.delete(b.id);
  }
  for (const b of step.added) {
    if (b.id === undefined) throw new LoupeError('internal', `A recorded resolution of image ${imageId} has a box without an id.`);
    if (project.boxes.get(b.id)) throw new LoupeError('conflict', `Box ${b.id} of the resolution of image ${imageId} exists already; it cannot be ${direction === 'undo' ? 'undone' : 'redone'}.`);
    project.boxes.insert({
      id: b.id,
      imageId,
      annotatorId: d.author,
      modelRunId: null,
      classId: b.classId,
      x: b.x,
      y: b.y,
      w: b.w,
      h: b.h,
      score: null,
      provenance: b.sourceBoxId !== undefined ? 'accepted' : 'drawn',
      sourceBoxId: b.sourceBoxId ?? null,
    });
  }
  agreementRepo(project.db).restoreStatus(imageId, d.author, direction === 'undo' ? d.status.before : d.status.after, now());
  return plainDiff(step);
}
