import { clampRect, type Box, type BoxState, type NewBox, type Rect } from '../domain/box.ts';
import { invertDiff, isEmptyDiff, type BoxDiff } from '../domain/diff.ts';
import { LoupeError } from '../domain/errors.ts';
import { agreementRepo } from '../store/AgreementRepo.ts';
import type { Project } from '../store/Project.ts';
import { isBlind, visibleToMe } from './people.ts';
import { reviewBoxes } from './review.ts';
import { applyAuthoredDiff, isAuthoredDiff } from './resolve.ts';

/** What the UI needs after an edit: the image's boxes, whose boxes are edited there, and how far undo and redo reach. */
export interface EditResult {
  diff: BoxDiff;
  boxes: (Box & { rejected: boolean })[];
  annotatorId: number;
  undo: number;
  redo: number;
}

/**
 * A lead's edit of a resolved image's final labels: a plain diff of the consensus author's
 * boxes, kept in the lead's history. Its undo and redo check and apply it to that author.
 */
export interface FinalLabelsEdit extends BoxDiff {
  author: number;
  finalLabels: true;
}

function isFinalLabelsEdit(d: BoxDiff): d is FinalLabelsEdit {
  return (d as Partial<FinalLabelsEdit>).finalLabels === true && typeof (d as Partial<FinalLabelsEdit>).author === 'number';
}

const now = () => new Date().toISOString();

/**
 * Whose boxes the current person edits on an image: their own, except for the lead on a
 * resolved image, who edits its final labels (the consensus author's boxes). So a lead who
 * took one person's labels or the consensus can then correct them, and the correction is
 * what the export takes.
 */
export function editingAuthor(project: Project, imageId: number): number {
  if (project.role !== 'lead') return project.annotator.id;
  const repo = agreementRepo(project.db);
  const consensus = repo.consensusAuthor();
  return consensus && repo.isResolved(imageId, consensus.id) ? consensus.id : project.annotator.id;
}

/** Apply a person's edit to one image in one transaction and record it for undo. */
export function applyEdit(project: Project, imageId: number, diff: BoxDiff): EditResult {
  return project.db.transaction(() => {
    const author = editingAuthor(project, imageId);
    const stored = applyDiff(project, imageId, diff, { author });
    if (!isEmptyDiff(stored)) {
      const own = author === project.annotator.id;
      const recorded: BoxDiff | FinalLabelsEdit = own ? stored : { ...stored, author, finalLabels: true };
      project.edits.recordEdit(imageId, project.annotator.id, recorded, now());
      // The first edit starts this person's review of the image.
      if (own) project.assignments.start(imageId, project.annotator.id, now());
    }
    return result(project, imageId, stored);
  })();
}

/** Undo the last applied edit of this image by the current annotator. */
export function undoEdit(project: Project, imageId: number): EditResult {
  return project.db.transaction(() => {
    const edit = project.edits.lastApplied(imageId, project.annotator.id);
    if (!edit) return result(project, imageId, { added: [], updated: [], removed: [] });
    const d = edit.diff;
    const applied = isFinalLabelsEdit(d)
      ? applyDiff(project, imageId, invertDiff(d), { exactIds: true, author: d.author })
      : isAuthoredDiff(d)
        ? applyAuthoredDiff(project, imageId, d, 'undo')
        : applyDiff(project, imageId, invertDiff(d), { exactIds: true });
    project.edits.mark(edit, 'undo', applied, now());
    return result(project, imageId, applied);
  })();
}

/** Redo the most recently undone edit of this image. */
export function redoEdit(project: Project, imageId: number): EditResult {
  return project.db.transaction(() => {
    const edit = project.edits.firstUndone(imageId, project.annotator.id);
    if (!edit) return result(project, imageId, { added: [], updated: [], removed: [] });
    const d = edit.diff;
    const applied = isFinalLabelsEdit(d)
      ? applyDiff(project, imageId, d, { exactIds: true, author: d.author })
      : isAuthoredDiff(d)
        ? applyAuthoredDiff(project, imageId, d, 'redo')
        : applyDiff(project, imageId, d, { exactIds: true });
    project.edits.mark(edit, 'redo', applied, now());
    return result(project, imageId, applied);
  })();
}

function result(project: Project, imageId: number, diff: BoxDiff): EditResult {
  const depth = project.edits.depth(imageId, project.annotator.id);
  return { diff, boxes: reviewBoxes(project, imageId), annotatorId: editingAuthor(project, imageId), undo: depth.undo, redo: depth.redo };
}

/**
 * Check and apply a diff to one author's boxes (the current person's unless `author` says
 * otherwise; rejections stay the current person's); must run inside a transaction. Boxes are clamped to the image; a box with no area left, an
 * unknown class, or a `before` that no longer matches the store throws and the
 * transaction rolls back. Returns the diff as stored (clamped, ids assigned).
 */
function applyDiff(project: Project, imageId: number, diff: BoxDiff, opts: { exactIds?: boolean; author?: number } = {}): BoxDiff {
  const image = project.images.get(imageId);
  if (!image) throw new LoupeError('not_found', `Image ${imageId} is not in this project.`);
  const author = opts.author ?? project.annotator.id;
  const reviewer = project.annotator.id;
  const fit = (r: Rect, what: string): Rect => {
    const c = clampRect(r, image.width, image.height);
    if (!c) throw new LoupeError('invalid_box', `${what} has no area inside the ${image.width}×${image.height} image.`);
    return c;
  };
  const checkClass = (classId: number) => {
    if (!project.classes.get(classId)) throw new LoupeError('not_found', `Class ${classId} does not exist.`);
  };
  const checkCurrent = (b: BoxState, what: string) => {
    const cur = project.boxes.get(b.id);
    if (!cur || cur.imageId !== imageId) throw new LoupeError('conflict', `${what}: box ${b.id} is not on image ${imageId}.`);
    if (cur.annotatorId !== author) throw new LoupeError('forbidden', `${what}: box ${b.id} belongs to another author.`);
    if (cur.x !== b.x || cur.y !== b.y || cur.w !== b.w || cur.h !== b.h || cur.classId !== b.classId) {
      throw new LoupeError('conflict', `${what}: box ${b.id} changed since it was read; reload the image.`);
    }
  };

  const out: BoxDiff = { added: [], updated: [], removed: [] };
  // Rejections hide a prediction from this person's review; the prediction itself is kept for evaluation.
  const prediction = (id: number, what: string) => {
    const b = project.boxes.get(id);
    if (!b || b.imageId !== imageId) throw new LoupeError('conflict', `${what}: box ${id} is not on image ${imageId}.`);
    if (b.modelRunId === null) throw new LoupeError('bad_request', `${what}: box ${id} is not a prediction; delete a person's box instead.`);
  };
  for (const id of new Set(diff.rejected ?? [])) {
    prediction(id, 'Reject');
    if (project.review.isRejected(id, reviewer)) throw new LoupeError('conflict', `Reject: prediction ${id} is already rejected; reload the image.`);
    project.review.reject(id, reviewer);
    (out.rejected ??= []).push(id);
  }
  for (const id of new Set(diff.restored ?? [])) {
    prediction(id, 'Restore');
    if (project.review.restore(id, reviewer) === 0) throw new LoupeError('conflict', `Restore: prediction ${id} is not rejected; reload the image.`);
    (out.restored ??= []).push(id);
  }
  for (const b of diff.removed) {
    checkCurrent(b, 'Remove');
    project.boxes.delete(b.id);
    out.removed.push(pick(b));
  }
  for (const [before, after] of diff.updated) {
    if (before.id !== after.id) throw new LoupeError('bad_request', `Update pairs must keep the box id (${before.id} ≠ ${after.id}).`);
    checkCurrent(before, 'Update');
    checkClass(after.classId);
    const next: BoxState = { id: after.id, classId: after.classId, ...fit(after, `Box ${after.id}`) };
    project.boxes.update(next);
    out.updated.push([pick(before), next]);
  }
  for (const b of diff.added) {
    checkClass(b.classId);
    if (b.id !== undefined && !opts.exactIds) throw new LoupeError('bad_request', 'New boxes get their id from the project.');
    const r = fit(b, 'New box');
    let provenance: 'drawn' | 'accepted' | 'edited' = 'drawn';
    if (b.sourceBoxId !== undefined) {
      const src = project.boxes.get(b.sourceBoxId);
      if (!src || src.imageId !== imageId) throw new LoupeError('conflict', `Box ${b.sourceBoxId} to accept is not on image ${imageId}.`);
      if (isBlind(project, imageId) && !visibleToMe(project, src)) throw new LoupeError('forbidden', `Box ${b.sourceBoxId} belongs to another person; copy a prediction or your own box.`);
      // Taken as the model drew it, or moved, resized or reclassified on the way: "edited from prediction N".
      const same = src.classId === b.classId && src.x === r.x && src.y === r.y && src.w === r.w && src.h === r.h;
      provenance = same ? 'accepted' : 'edited';
    }
    const id = project.boxes.insert({
      id: b.id,
      imageId,
      annotatorId: author,
      modelRunId: null,
      classId: b.classId,
      ...r,
      score: null,
      provenance,
      sourceBoxId: b.sourceBoxId ?? null,
    });
    const stored: NewBox = { id, classId: b.classId, ...r };
    if (b.sourceBoxId !== undefined) stored.sourceBoxId = b.sourceBoxId;
    out.added.push(stored);
  }
  return out;
}

function pick(b: BoxState): BoxState {
  return { id: b.id, classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h };
}
