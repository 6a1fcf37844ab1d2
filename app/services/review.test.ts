import { describe, expect, it } from 'vitest';
import { METHODS } from '../contract/methods.ts';
import { addImageRow, newProject, snapshot } from '../../test/unit/fixtures.ts';
import type { Project } from '../store/Project.ts';
import { applyEdit, undoEdit } from './boxEdits.ts';
import { getSetting, listQueue, locateInQueue, nextInQueue, reviewBoxes, setReviewStatus, setSetting } from './review.ts';

const empty = { added: [], updated: [], removed: [] };

/** Five images a–e with predictions, a person's box, a flag and metadata, as a queue test needs. */
function queueProject() {
  const p = newProject();
  const car = p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null });
  const bus = p.classes.insert({ name: 'bus', color: '#00ff00', hotkey: null });
  const model = p.annotators.ensure('det', 'model').id;
  const run = Number(p.db.prepare(`INSERT INTO model_runs (annotator_id, model_hash, name, started_at) VALUES (?, 'h', 'det', 'now')`).run(model).lastInsertRowid);
  const ana = p.annotators.ensure('ana', 'human').id;
  const ids = ['a.png', 'b.png', 'c.png', 'd.png', 'e.png'].map((rel) => addImageRow(p, 100, 100, rel));
  const pred = (imageId: number, classId: number, score: number) =>
    p.boxes.insert({ imageId, annotatorId: model, modelRunId: run, classId, x: 1, y: 1, w: 10, h: 10, score, provenance: 'predicted', sourceBoxId: null });
  pred(ids[0], car, 0.9);
  pred(ids[1], bus, 0.3);
  pred(ids[1], car, 0.6);
  pred(ids[3], car, 0.5);
  p.boxes.insert({ imageId: ids[2], annotatorId: ana, modelRunId: null, classId: bus, x: 0, y: 0, w: 5, h: 5, score: null, provenance: 'drawn', sourceBoxId: null });
  p.db.prepare(`INSERT INTO flags (image_id, reason, score) VALUES (?, 'low-confidence', 0.7), (?, 'drift', 0.9), (?, 'low-confidence', 0.4)`).run(ids[3], ids[3], ids[4]);
  p.images.setMetadata(ids[4], JSON.stringify({ shift: 'night' }));
  return { p, ids, car, bus, ana, model };
}

const list = (p: Project, req: object) => listQueue(p, METHODS['images:list'].request.parse(req));
const paths = (p: Project, req: object) => list(p, req).items.map((i) => i.path);

describe('the review queue', () => {
  it('orders by file, by the least sure prediction, or by flag priority', () => {
    const { p } = queueProject();
    expect(paths(p, {})).toEqual(['a.png', 'b.png', 'c.png', 'd.png', 'e.png']);
    // No prediction first (c, e), then by the best score: d 0.5, b 0.6, a 0.9.
    expect(paths(p, { order: 'score' })).toEqual(['c.png', 'e.png', 'd.png', 'b.png', 'a.png']);
    // d has two flags (1.6), e one (0.4), the rest none.
    expect(paths(p, { order: 'priority' })).toEqual(['d.png', 'e.png', 'a.png', 'b.png', 'c.png']);
  });

  it('filters by status, flag, class, score range, annotator and metadata, and combines them', () => {
    const { p, ids, bus, ana } = queueProject();
    setReviewStatus(p, ids[0], 'done');
    setReviewStatus(p, ids[1], 'skipped');
    expect(paths(p, { filter: { status: ['done'] } })).toEqual(['a.png']);
    expect(paths(p, { filter: { status: ['todo', 'in_progress'] } })).toEqual(['c.png', 'd.png', 'e.png']);
    expect(paths(p, { filter: { flag: 'low-confidence' } })).toEqual(['d.png', 'e.png']);
    expect(paths(p, { filter: { classId: bus } })).toEqual(['b.png', 'c.png']);
    expect(paths(p, { filter: { score: { min: 0.4, max: 0.65 } } })).toEqual(['b.png', 'd.png']);
    expect(paths(p, { filter: { annotatorId: ana } })).toEqual(['c.png']);
    expect(paths(p, { filter: { where: { key: 'shift', value: 'night' } } })).toEqual(['e.png']);
    expect(paths(p, { where: { key: 'shift', value: 'night' } })).toEqual(['e.png']);
    expect(paths(p, { filter: { classId: bus, status: ['todo'] } })).toEqual(['c.png']);
    const page = list(p, { filter: { status: ['todo'] }, limit: 2, offset: 1 });
    expect(page.total).toBe(3);
    expect(page.items.map((i) => i.path)).toEqual(['d.png', 'e.png']);
    expect(page.items[0]).toMatchObject({ status: 'todo', flags: ['drift', 'low-confidence'], boxCount: 1 });
  });

  it('walks next and previous, finds the next unreviewed (wrapping round once) and locates an image', () => {
    const { p, ids } = queueProject();
    const next = (req: object) => nextInQueue(p, METHODS['images:next'].request.parse(req));
    expect(next({ from: -1 })).toMatchObject({ index: 0, item: { path: 'a.png' }, total: 5 });
    expect(next({ from: 2, direction: -1 })).toMatchObject({ index: 1, item: { path: 'b.png' } });
    expect(next({ from: 4 })).toMatchObject({ index: null, item: null });
    setReviewStatus(p, ids[3], 'done');
    setReviewStatus(p, ids[4], 'skipped');
    expect(next({ from: 2, unreviewed: true })).toMatchObject({ index: 0, item: { path: 'a.png' } });
    for (const id of ids) setReviewStatus(p, id, 'done');
    expect(next({ from: 2, unreviewed: true })).toMatchObject({ index: null, item: null });
    expect(locateInQueue(p, METHODS['images:locate'].request.parse({ imageId: ids[3], order: 'priority' }))).toEqual({ index: 0, total: 5 });
    expect(locateInQueue(p, METHODS['images:locate'].request.parse({ imageId: ids[3], filter: { status: ['todo'] } }))).toEqual({ index: null, total: 0 });
  });
});

describe('review status', () => {
  it('the first edit sets in progress; done and skipped are kept by later edits', () => {
    const { p, ids, car } = queueProject();
    const status = (id: number) => list(p, {}).items.find((i) => i.id === id)!.status;
    expect(status(ids[2])).toBe('todo');
    applyEdit(p, ids[2], { ...empty, added: [{ classId: car, x: 1, y: 1, w: 4, h: 4 }] });
    expect(status(ids[2])).toBe('in_progress');
    setReviewStatus(p, ids[2], 'done');
    applyEdit(p, ids[2], { ...empty, added: [{ classId: car, x: 2, y: 2, w: 4, h: 4 }] });
    expect(status(ids[2])).toBe('done');
  });

  it('a status on an image removed meanwhile is refused clearly and writes nothing', () => {
    const { p, ids } = queueProject();
    p.db.prepare('DELETE FROM images WHERE id = ?').run(ids[1]);
    const before = snapshot(p);
    expect(() => setReviewStatus(p, ids[1], 'done')).toThrow(/Image \d+ is not in this project \(it may have been removed\); nothing was changed/);
    expect(() => applyEdit(p, ids[1], { ...empty, added: [{ classId: 1, x: 1, y: 1, w: 4, h: 4 }] })).toThrow(/not in this project/);
    expect(snapshot(p)).toBe(before);
  });
});

describe('predictions in review', () => {
  const predOn = (p: Project, imageId: number) => p.boxes.forImage(imageId).find((b) => b.modelRunId !== null)!;

  it('a rejected prediction is hidden from this person only, kept in the store, and undo brings it back', () => {
    const { p, ids } = queueProject();
    const pred = predOn(p, ids[0]);
    const r = applyEdit(p, ids[0], { ...empty, rejected: [pred.id] });
    expect(r.diff.rejected).toEqual([pred.id]);
    expect(r.boxes.find((b) => b.id === pred.id)).toMatchObject({ rejected: true, score: 0.9 });
    expect(p.boxes.get(pred.id)).toEqual(pred);
    const undone = undoEdit(p, ids[0]);
    expect(undone.boxes.find((b) => b.id === pred.id)?.rejected).toBe(false);
    expect(reviewBoxes(p, ids[0]).every((b) => !b.rejected)).toBe(true);
  });

  it("refuses to reject a person's box, a box of another image, or a prediction twice, and writes nothing", () => {
    const { p, ids } = queueProject();
    const person = p.boxes.forImage(ids[2])[0];
    const pred = predOn(p, ids[0]);
    applyEdit(p, ids[0], { ...empty, rejected: [pred.id] });
    const before = snapshot(p);
    expect(() => applyEdit(p, ids[2], { ...empty, rejected: [person.id] })).toThrow(/not a prediction/);
    expect(() => applyEdit(p, ids[1], { ...empty, rejected: [pred.id] })).toThrow(/not on image/);
    expect(() => applyEdit(p, ids[0], { ...empty, rejected: [pred.id] })).toThrow(/already rejected/);
    expect(() => applyEdit(p, ids[1], { ...empty, restored: [predOn(p, ids[1]).id] })).toThrow(/is not rejected/);
    expect(snapshot(p)).toBe(before);
  });

  it('a prediction taken as drawn is accepted; moved, resized or reclassified it is edited from it, and the prediction never changes', () => {
    const { p, ids, car, bus } = queueProject();
    const pred = predOn(p, ids[1]);
    const other = pred.classId === bus ? car : bus;
    const base = { classId: pred.classId, x: pred.x, y: pred.y, w: pred.w, h: pred.h, sourceBoxId: pred.id };
    const accepted = applyEdit(p, ids[1], { ...empty, added: [base] });
    const reclassed = applyEdit(p, ids[1], { ...empty, added: [{ ...base, classId: other }] });
    const moved = applyEdit(p, ids[1], { ...empty, added: [{ ...base, x: pred.x + 3 }] });
    const prov = (r: typeof accepted) => r.boxes.find((b) => b.id === r.diff.added[0].id)!;
    expect(prov(accepted)).toMatchObject({ provenance: 'accepted', sourceBoxId: pred.id });
    expect(prov(reclassed)).toMatchObject({ provenance: 'edited', sourceBoxId: pred.id, classId: other });
    expect(prov(moved)).toMatchObject({ provenance: 'edited', x: pred.x + 3 });
    expect(p.boxes.get(pred.id)).toEqual(pred);
  });
});

describe('per-person settings', () => {
  it('are kept per person and project, as JSON', () => {
    const { p } = queueProject();
    expect(getSetting(p, 'review.threshold')).toEqual({ value: null });
    setSetting(p, 'review.threshold', 0.4);
    setSetting(p, 'layout', { left: 300 });
    expect(getSetting(p, 'review.threshold')).toEqual({ value: 0.4 });
    expect(getSetting(p, 'layout')).toEqual({ value: { left: 300 } });
    const other = p.annotators.ensure('ben', 'human').id;
    expect(p.review.setting(other, 'review.threshold')).toBeUndefined();
  });
});
