import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BoxDiff } from '../domain/diff.ts';
import { LoupeError } from '../domain/errors.ts';
import { Project } from '../store/Project.ts';
import { addImageRow, newProject, snapshot, tempDir, track } from '../../test/unit/fixtures.ts';
import { applyEdit, redoEdit, undoEdit } from './boxEdits.ts';
import { createClass } from './classes.ts';

const EMPTY: BoxDiff = { added: [], updated: [], removed: [] };
const diff = (d: Partial<BoxDiff>): BoxDiff => ({ ...EMPTY, ...d });

function setup(annotator = 'tester') {
  const p = newProject({ annotator });
  const car = createClass(p, { name: 'car' }).id;
  const person = createClass(p, { name: 'person' }).id;
  const imageId = addImageRow(p, 640, 480);
  return { p, car, person, imageId };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LoupeError);
    return (err as LoupeError).code;
  }
  throw new Error('expected the call to throw');
}

const editRows = (p: Project) => (p.db.prepare('SELECT count(*) AS n FROM edits').get() as { n: number }).n;
const state = (b: { id: number; classId: number; x: number; y: number; w: number; h: number }) => ({
  id: b.id,
  classId: b.classId,
  x: b.x,
  y: b.y,
  w: b.w,
  h: b.h,
});

describe('applyEdit', () => {
  it('adds, updates and removes boxes, storing floats exactly', () => {
    const { p, car, person, imageId } = setup();
    const r1 = applyEdit(p, imageId, diff({ added: [{ classId: car, x: 10.25, y: 20.5, w: 30.125, h: 40.0625 }] }));
    expect(r1.boxes).toHaveLength(1);
    const b = r1.boxes[0];
    expect(state(b)).toEqual({ id: b.id, classId: car, x: 10.25, y: 20.5, w: 30.125, h: 40.0625 });
    expect(b.annotatorId).toBe(p.annotator.id);
    expect(b.provenance).toBe('drawn');
    expect(r1.diff.added[0].id).toBe(b.id);
    expect(r1.undo).toBe(1);

    const after = { ...state(b), classId: person, x: 1 / 3 };
    const r2 = applyEdit(p, imageId, diff({ updated: [[state(b), after]] }));
    expect(state(r2.boxes[0])).toEqual(after);
    expect(p.boxes.get(b.id)!.x).toBe(1 / 3);

    const r3 = applyEdit(p, imageId, diff({ removed: [after] }));
    expect(r3.boxes).toEqual([]);
    expect(p.boxes.get(b.id)).toBeUndefined();
    expect(r3.undo).toBe(3);
    expect(r3.redo).toBe(0);
  });

  it('an empty diff records nothing', () => {
    const { p, imageId } = setup();
    const r = applyEdit(p, imageId, EMPTY);
    expect(r.undo).toBe(0);
    expect(editRows(p)).toBe(0);
  });

  it('rolls back a diff whose second box has an unknown class: nothing stored, no edit row', () => {
    const { p, car, imageId } = setup();
    const before = snapshot(p);
    const code = codeOf(() =>
      applyEdit(p, imageId, diff({ added: [{ classId: car, x: 1, y: 1, w: 5, h: 5 }, { classId: 9999, x: 2, y: 2, w: 5, h: 5 }] })),
    );
    expect(code).toBe('not_found');
    expect(p.boxes.forImage(imageId)).toEqual([]);
    expect(editRows(p)).toBe(0);
    expect(snapshot(p)).toBe(before);
  });

  it('rolls back a diff with a stale `before`: the earlier parts are undone too', () => {
    const { p, car, imageId } = setup();
    const [a, b] = applyEdit(p, imageId, diff({ added: [{ classId: car, x: 0, y: 0, w: 10, h: 10 }, { classId: car, x: 50, y: 50, w: 10, h: 10 }] })).boxes;
    const before = snapshot(p);
    const code = codeOf(() =>
      applyEdit(
        p,
        imageId,
        diff({
          removed: [state(a)],
          updated: [[{ ...state(b), x: 49 }, { ...state(b), x: 60 }]],
          added: [{ classId: car, x: 5, y: 5, w: 5, h: 5 }],
        }),
      ),
    );
    expect(code).toBe('conflict');
    expect(snapshot(p)).toBe(before);
    expect(p.boxes.forImage(imageId).map(state)).toEqual([state(a), state(b)]);
    expect(p.edits.depth(imageId, p.annotator.id)).toEqual({ undo: 1, redo: 0 });
  });

  it('refuses to remove a box that is not on this image', () => {
    const { p, car, imageId } = setup();
    const other = addImageRow(p);
    const [b] = applyEdit(p, other, diff({ added: [{ classId: car, x: 0, y: 0, w: 10, h: 10 }] })).boxes;
    expect(codeOf(() => applyEdit(p, imageId, diff({ removed: [state(b)] })))).toBe('conflict');
    expect(p.boxes.get(b.id)).toBeDefined();
  });

  it('refuses an update that changes the box id, and an added box that brings its own id', () => {
    const { p, car, imageId } = setup();
    const [b] = applyEdit(p, imageId, diff({ added: [{ classId: car, x: 0, y: 0, w: 10, h: 10 }] })).boxes;
    expect(codeOf(() => applyEdit(p, imageId, diff({ updated: [[state(b), { ...state(b), id: b.id + 1 }]] })))).toBe('bad_request');
    expect(codeOf(() => applyEdit(p, imageId, diff({ added: [{ id: 500, classId: car, x: 0, y: 0, w: 10, h: 10 }] })))).toBe('bad_request');
    expect(p.boxes.get(500)).toBeUndefined();
  });

  it('refuses an edit on an image that does not exist', () => {
    const { p, car } = setup();
    expect(codeOf(() => applyEdit(p, 12345, diff({ added: [{ classId: car, x: 0, y: 0, w: 10, h: 10 }] })))).toBe('not_found');
  });

  it('clamps boxes dragged past the image edges', () => {
    const { p, car, imageId } = setup(); // 640×480
    const r = applyEdit(
      p,
      imageId,
      diff({ added: [{ classId: car, x: -20, y: -5.5, w: 50, h: 25.5 }, { classId: car, x: 600, y: 450, w: 100, h: 100 }] }),
    );
    expect(r.boxes.map(state)).toEqual([
      { id: r.boxes[0].id, classId: car, x: 0, y: 0, w: 30, h: 20 },
      { id: r.boxes[1].id, classId: car, x: 600, y: 450, w: 40, h: 30 },
    ]);
    expect(r.diff.added.map((b) => [b.x, b.y, b.w, b.h])).toEqual([[0, 0, 30, 20], [600, 450, 40, 30]]);

    const moved = { ...state(r.boxes[1]), x: 630, y: -10, w: 40, h: 30 };
    const r2 = applyEdit(p, imageId, diff({ updated: [[state(r.boxes[1]), moved]] }));
    expect(state(r2.boxes[1])).toEqual({ id: moved.id, classId: car, x: 630, y: 0, w: 10, h: 20 });
  });

  it('refuses zero-area boxes, and boxes wholly outside the image, as invalid_box', () => {
    const { p, car, imageId } = setup();
    for (const bad of [
      { x: 10, y: 10, w: 0, h: 5 },
      { x: 10, y: 10, w: 5, h: 0 },
      { x: 10, y: 10, w: -5, h: 5 },
      { x: 700, y: 10, w: 20, h: 20 },
      { x: -50, y: 10, w: 50, h: 20 },
      { x: Number.NaN, y: 10, w: 5, h: 5 },
    ]) {
      expect(codeOf(() => applyEdit(p, imageId, diff({ added: [{ classId: car, ...bad }] }))), JSON.stringify(bad)).toBe('invalid_box');
    }
    const [b] = applyEdit(p, imageId, diff({ added: [{ classId: car, x: 0, y: 0, w: 10, h: 10 }] })).boxes;
    expect(codeOf(() => applyEdit(p, imageId, diff({ updated: [[state(b), { ...state(b), w: 0 }]] })))).toBe('invalid_box');
    expect(state(p.boxes.get(b.id)!)).toEqual(state(b));
  });

  it("refuses to edit another annotator's boxes (forbidden) and leaves them alone", () => {
    const { p, car, imageId } = setup();
    const other = p.db.transaction(() => p.annotators.ensure('someone else', 'human'))();
    const id = p.db.transaction(() =>
      p.boxes.insert({ imageId, annotatorId: other.id, modelRunId: null, classId: car, x: 1, y: 1, w: 5, h: 5, score: null, provenance: 'drawn', sourceBoxId: null }),
    )();
    const theirs = state(p.boxes.get(id)!);
    const before = snapshot(p);
    expect(codeOf(() => applyEdit(p, imageId, diff({ updated: [[theirs, { ...theirs, x: 2 }]] })))).toBe('forbidden');
    expect(codeOf(() => applyEdit(p, imageId, diff({ removed: [theirs] })))).toBe('forbidden');
    expect(snapshot(p)).toBe(before);
  });
});

describe('undo and redo', () => {
  it('walk back and forward through edits, restoring the same box ids', () => {
    const { p, car, person, imageId } = setup();
    const r1 = applyEdit(p, imageId, diff({ added: [{ classId: car, x: 10, y: 10, w: 20, h: 20 }, { classId: person, x: 100, y: 100, w: 30, h: 60 }] }));
    const [a, b] = r1.boxes.map(state);
    const a2 = { ...a, x: 15 };
    applyEdit(p, imageId, diff({ updated: [[a, a2]] }));
    const r3 = applyEdit(p, imageId, diff({ removed: [b] }));
    expect(r3.boxes.map(state)).toEqual([a2]);
    expect([r3.undo, r3.redo]).toEqual([3, 0]);

    const u1 = undoEdit(p, imageId); // b comes back with its id
    expect(u1.boxes.map(state)).toEqual([a2, b]);
    expect([u1.undo, u1.redo]).toEqual([2, 1]);
    const u2 = undoEdit(p, imageId);
    expect(u2.boxes.map(state)).toEqual([a, b]);
    const u3 = undoEdit(p, imageId);
    expect(u3.boxes).toEqual([]);
    expect([u3.undo, u3.redo]).toEqual([0, 3]);
    const u4 = undoEdit(p, imageId); // nothing left: harmless
    expect(u4.diff).toEqual(EMPTY);
    expect([u4.undo, u4.redo]).toEqual([0, 3]);

    const r = redoEdit(p, imageId);
    expect(r.boxes.map(state)).toEqual([a, b]); // same ids as the originals
    expect(r.diff.added.map((x) => x.id)).toEqual([a.id, b.id]);
    expect(redoEdit(p, imageId).boxes.map(state)).toEqual([a2, b]);
    const last = redoEdit(p, imageId);
    expect(last.boxes.map(state)).toEqual([a2]);
    expect([last.undo, last.redo]).toEqual([3, 0]);
    expect(redoEdit(p, imageId).diff).toEqual(EMPTY);

    const log = p.db.prepare(`SELECT kind, count(*) AS n FROM edits GROUP BY kind ORDER BY kind`).all();
    expect(log).toEqual([
      { kind: 'edit', n: 3 },
      { kind: 'redo', n: 3 },
      { kind: 'undo', n: 3 },
    ]);
  });

  it('a new edit clears redo; an empty edit does not', () => {
    const { p, car, imageId } = setup();
    applyEdit(p, imageId, diff({ added: [{ classId: car, x: 0, y: 0, w: 10, h: 10 }] }));
    applyEdit(p, imageId, diff({ added: [{ classId: car, x: 20, y: 0, w: 10, h: 10 }] }));
    undoEdit(p, imageId);
    expect(applyEdit(p, imageId, EMPTY).redo).toBe(1);
    const r = applyEdit(p, imageId, diff({ added: [{ classId: car, x: 40, y: 0, w: 10, h: 10 }] }));
    expect([r.undo, r.redo]).toEqual([2, 0]);
    expect(redoEdit(p, imageId).diff).toEqual(EMPTY);
    expect(p.boxes.forImage(imageId).map((b) => b.x)).toEqual([0, 40]);
  });

  it('undo and redo are per image and per annotator', () => {
    const { p, car, imageId } = setup();
    const other = addImageRow(p);
    applyEdit(p, imageId, diff({ added: [{ classId: car, x: 0, y: 0, w: 10, h: 10 }] }));
    applyEdit(p, other, diff({ added: [{ classId: car, x: 0, y: 0, w: 10, h: 10 }] }));
    expect(undoEdit(p, imageId).boxes).toEqual([]);
    expect(p.boxes.forImage(other)).toHaveLength(1);

    // a second person on the same file has an empty history on this image
    const file = p.file;
    const q = track(Project.open(file, { annotator: 'second' }));
    expect(undoEdit(q, other).diff).toEqual(EMPTY);
    expect(q.boxes.forImage(other)).toHaveLength(1);
  });

  it('survive closing and reopening the project file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'persist.loupe');
    let p = Project.create(file, { annotator: 'ann' });
    const car = createClass(p, { name: 'car' }).id;
    const imageId = addImageRow(p);
    const [a] = applyEdit(p, imageId, diff({ added: [{ classId: car, x: 1, y: 2, w: 3, h: 4 }] })).boxes.map(state);
    applyEdit(p, imageId, diff({ updated: [[a, { ...a, x: 100 }]] }));
    undoEdit(p, imageId);
    p.close();

    p = track(Project.open(file, { annotator: 'ann' }));
    expect(p.edits.depth(imageId, p.annotator.id)).toEqual({ undo: 1, redo: 1 });
    expect(redoEdit(p, imageId).boxes.map(state)).toEqual([{ ...a, x: 100 }]);
    undoEdit(p, imageId);
    const u = undoEdit(p, imageId);
    expect(u.boxes).toEqual([]);
    p.close();

    p = track(Project.open(file, { annotator: 'ann' }));
    const r = redoEdit(p, imageId);
    expect(r.boxes.map(state)).toEqual([a]);
    expect(r.boxes[0].id).toBe(a.id);
  });

  it('a re-added box keeps its id even after newer boxes were created', () => {
    const { p, car, imageId } = setup();
    const [a] = applyEdit(p, imageId, diff({ added: [{ classId: car, x: 0, y: 0, w: 10, h: 10 }] })).boxes;
    const other = addImageRow(p);
    undoEdit(p, imageId);
    const [n] = applyEdit(p, other, diff({ added: [{ classId: car, x: 0, y: 0, w: 10, h: 10 }] })).boxes;
    expect(n.id).not.toBe(a.id); // ids are never reused
    expect(redoEdit(p, imageId).boxes[0].id).toBe(a.id);
  });
});

describe('accepting predictions', () => {
  it('adds an accepted copy that names its source, which undo removes and leaves the prediction alone', () => {
    const p = newProject();
    const imageId = addImageRow(p);
    const classId = p.classes.insert({ name: 'crack', color: '#ff0000', hotkey: '1' });
    const model = p.db.transaction(() => p.annotators.ensure('demo-detector', 'model'))();
    const predId = p.boxes.insert({
      imageId, annotatorId: model.id, modelRunId: null, classId, x: 10, y: 20, w: 30, h: 40, score: 0.9, provenance: 'predicted', sourceBoxId: null,
    });
    const r = applyEdit(p, imageId, { added: [{ classId, x: 10, y: 20, w: 30, h: 40, sourceBoxId: predId }], updated: [], removed: [] });
    const accepted = r.boxes.find((b) => b.annotatorId === p.annotator.id)!;
    expect(accepted).toMatchObject({ provenance: 'accepted', sourceBoxId: predId, x: 10, y: 20, w: 30, h: 40 });
    undoEdit(p, imageId);
    expect(p.boxes.forImage(imageId).map((b) => b.id)).toEqual([predId]);
  });

  it('refuses to accept a box from another image', () => {
    const p = newProject();
    const a = addImageRow(p);
    const b = addImageRow(p);
    const classId = p.classes.insert({ name: 'crack', color: '#ff0000', hotkey: '1' });
    const model = p.db.transaction(() => p.annotators.ensure('m', 'model'))();
    const predId = p.boxes.insert({
      imageId: b, annotatorId: model.id, modelRunId: null, classId, x: 1, y: 1, w: 5, h: 5, score: 0.5, provenance: 'predicted', sourceBoxId: null,
    });
    expect(() => applyEdit(p, a, { added: [{ classId, x: 1, y: 1, w: 5, h: 5, sourceBoxId: predId }], updated: [], removed: [] })).toThrow(/not on image/);
  });
});
