import { describe, expect, it } from 'vitest';
import { LoupeError } from '../domain/errors.ts';
import { addImageRow, newProject, snapshot } from '../../test/unit/fixtures.ts';
import { applyEdit, undoEdit } from './boxEdits.ts';
import { createClass, deleteClass, PALETTE, updateClass } from './classes.ts';

function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LoupeError);
    return { code: (err as LoupeError).code, message: (err as LoupeError).message };
  }
  throw new Error('expected the call to throw');
}

describe('classes', () => {
  it('creates classes with palette colours, the next free digit hotkey and increasing positions', () => {
    const p = newProject();
    const a = createClass(p, { name: 'car' });
    const b = createClass(p, { name: 'person', hotkey: '5' });
    const c = createClass(p, { name: 'bike' });
    const d = createClass(p, { name: 'none', hotkey: null, color: '#123456' });
    expect([a, b, c, d].map((x) => [x.name, x.hotkey, x.position, x.color])).toEqual([
      ['car', '1', 0, PALETTE[0]],
      ['person', '5', 1, PALETTE[1]],
      ['bike', '2', 2, PALETTE[2]],
      ['none', null, 3, '#123456'],
    ]);
    expect(p.classes.list().map((x) => x.name)).toEqual(['car', 'person', 'bike', 'none']);
  });

  it('runs out of digit hotkeys gracefully', () => {
    const p = newProject();
    for (let i = 0; i < 10; i++) createClass(p, { name: `c${i}` });
    expect(p.classes.list().map((c) => c.hotkey)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '0']);
    expect(createClass(p, { name: 'eleventh' }).hotkey).toBeNull();
    expect(createClass(p, { name: 'twelfth' }).hotkey).toBeNull(); // two classes without a hotkey are fine
  });

  it('refuses a duplicate name or hotkey with conflict and writes nothing', () => {
    const p = newProject();
    createClass(p, { name: 'car', hotkey: 'c' });
    const before = snapshot(p);
    const dupName = failure(() => createClass(p, { name: 'car' }));
    expect(dupName).toEqual({ code: 'conflict', message: 'A class named "car" already exists.' });
    const dupKey = failure(() => createClass(p, { name: 'cat', hotkey: 'c' }));
    expect(dupKey).toEqual({ code: 'conflict', message: 'Hotkey c is already used by "car".' });
    expect(snapshot(p)).toBe(before);
  });

  it('updates name, colour, hotkey and position, refusing clashes with other classes', () => {
    const p = newProject();
    const car = createClass(p, { name: 'car' });
    const bus = createClass(p, { name: 'bus' });
    expect(updateClass(p, { id: car.id, name: 'vehicle', color: '#abcdef', hotkey: 'v', position: 5 })).toEqual({
      id: car.id,
      name: 'vehicle',
      color: '#abcdef',
      hotkey: 'v',
      position: 5,
    });
    expect(updateClass(p, { id: car.id })).toMatchObject({ name: 'vehicle', hotkey: 'v' }); // nothing given, nothing changed
    expect(updateClass(p, { id: car.id, hotkey: null }).hotkey).toBeNull();
    expect(updateClass(p, { id: car.id, name: 'vehicle' }).name).toBe('vehicle'); // its own name is no clash
    const before = snapshot(p);
    expect(failure(() => updateClass(p, { id: car.id, name: 'bus' })).code).toBe('conflict');
    expect(failure(() => updateClass(p, { id: car.id, hotkey: bus.hotkey })).code).toBe('conflict');
    expect(failure(() => updateClass(p, { id: 999, name: 'x' })).code).toBe('not_found');
    expect(snapshot(p)).toBe(before);
    expect(p.classes.list().map((c) => c.name)).toEqual(['bus', 'vehicle']); // ordered by position
  });

  it('refuses to delete a class that boxes use, allows it once they are gone', () => {
    const p = newProject();
    const car = createClass(p, { name: 'car' });
    const imageId = addImageRow(p);
    applyEdit(p, imageId, { added: [{ classId: car.id, x: 0, y: 0, w: 5, h: 5 }, { classId: car.id, x: 9, y: 9, w: 5, h: 5 }], updated: [], removed: [] });
    const before = snapshot(p);
    expect(failure(() => deleteClass(p, car.id))).toEqual({ code: 'conflict', message: `Class ${car.id} is used by 2 boxes; relabel them first.` });
    expect(snapshot(p)).toBe(before);
    undoEdit(p, imageId);
    expect(deleteClass(p, car.id)).toEqual({ deleted: true });
    expect(p.classes.get(car.id)).toBeUndefined();
    expect(failure(() => deleteClass(p, car.id)).code).toBe('not_found');
  });

  it('the schema itself refuses a box of a missing class', () => {
    const p = newProject();
    const imageId = addImageRow(p);
    expect(() =>
      p.boxes.insert({ imageId, annotatorId: p.annotator.id, modelRunId: null, classId: 42, x: 0, y: 0, w: 1, h: 1, score: null, provenance: 'drawn', sourceBoxId: null }),
    ).toThrow(/FOREIGN KEY/);
  });
});

describe('reserved hotkeys', () => {
  it('refuses a class hotkey that a canvas tool uses, naming the tool', async () => {
    const { createDispatcher } = await import('../hosts/dispatcher.ts');
    const { newSession, tempDir } = await import('../../test/unit/fixtures.ts');
    const path = await import('node:path');
    const s = newSession();
    const d = createDispatcher(s);
    await d('project:create', { file: path.join(tempDir(), 'h.loupe') });
    const r = await d('classes:create', { name: 'bolt', hotkey: 'b' });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(!r.ok && r.error.message).toContain('box tool');
    expect(s.project.classes.list()).toEqual([]);
  });
});
