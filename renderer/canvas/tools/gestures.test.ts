import { describe, expect, it } from 'vitest';
import { cancel, down, move, up, type GestureState, type PointerInput } from './gestures.ts';

const view = { scale: 2, x: 10, y: 20 };
const at = (x: number, y: number, extra: Partial<PointerInput> = {}): PointerInput => ({
  screen: { x, y },
  image: { x: (x - view.x) / view.scale, y: (y - view.y) / view.scale },
  button: 0,
  shift: false,
  space: false,
  tool: 'select',
  view,
  hit: null,
  selection: [],
  ...extra,
});
const idle: GestureState = { kind: 'idle' };

describe('canvas gestures', () => {
  it('Space + drag pans even when it starts on one of the person\'s own boxes', () => {
    const d = down(idle, at(100, 100, { space: true, hit: { id: 7, movable: true } }));
    expect(d.state.kind).toBe('panning');
    expect(d.effects).toEqual([]);
    const m = move(d.state, at(130, 90));
    expect(m.effects).toEqual([{ kind: 'view', view: { scale: 2, x: 40, y: 10 } }]);
    expect(up(m.state, at(130, 90)).effects).toEqual([]);
  });

  it('the middle button pans over a box too', () => {
    expect(down(idle, at(100, 100, { button: 1, hit: { id: 7, movable: true } })).state.kind).toBe('panning');
  });

  it('a press on a box selects it; a drag moves the selection and stores one move on release', () => {
    const d = down(idle, at(100, 100, { hit: { id: 7, movable: true } }));
    expect(d.effects).toEqual([{ kind: 'select', ids: [7] }]);
    const small = move(d.state, at(102, 101));
    expect(small.state.kind).toBe('pointing');
    const m = move(small.state, at(120, 100));
    expect(m.state.kind).toBe('moving');
    expect(m.effects).toEqual([{ kind: 'preview-move', delta: { x: 10, y: 0 } }]);
    expect(up(m.state, at(140, 110)).effects).toEqual([{ kind: 'commit-move', delta: { x: 20, y: 5 } }]);
  });

  it('pressing a box already in a multi-selection keeps the selection, so all of it moves', () => {
    const d = down(idle, at(100, 100, { hit: { id: 7, movable: true }, selection: [3, 7] }));
    expect(d.effects).toEqual([]);
  });

  it('Shift+click toggles a box in the selection and never starts a move', () => {
    const add = down(idle, at(100, 100, { shift: true, hit: { id: 7, movable: true }, selection: [3] }));
    expect(add.effects).toEqual([{ kind: 'select', ids: [3, 7] }]);
    expect(move(add.state, at(150, 150)).state.kind).toBe('pointing');
    const remove = down(idle, at(100, 100, { shift: true, hit: { id: 3, movable: true }, selection: [3, 7] }));
    expect(remove.effects).toEqual([{ kind: 'select', ids: [7] }]);
  });

  it("another person's box can be selected but not dragged", () => {
    const d = down(idle, at(100, 100, { hit: { id: 9, movable: false } }));
    expect(move(d.state, at(160, 160)).state.kind).toBe('pointing');
  });

  it('Shift+drag on empty space draws a rubber band that selects what it encloses', () => {
    const d = down(idle, at(10, 20, { shift: true }));
    expect(d.state.kind).toBe('banding');
    const m = move(d.state, at(50, 60));
    expect(m.effects).toEqual([{ kind: 'band', rect: { x: 0, y: 0, w: 20, h: 20 } }]);
    expect(up(m.state, at(50, 60)).effects).toContainEqual({ kind: 'band-select', rect: { x: 0, y: 0, w: 20, h: 20 }, additive: true });
  });

  it('a click on empty space clears the selection; a drag there pans and keeps it', () => {
    const d = down(idle, at(10, 20));
    expect(up(d.state, at(11, 20)).effects).toEqual([{ kind: 'select', ids: [] }]);
    const m = move(d.state, at(60, 20));
    expect(up(m.state, at(60, 20)).effects).toEqual([]);
  });

  it('the box tool draws from press to release', () => {
    const d = down(idle, at(10, 20, { tool: 'box', hit: { id: 1, movable: true } }));
    expect(d.state.kind).toBe('drawing');
    const u = up(move(d.state, at(50, 40)).state, at(50, 40));
    expect(u.effects).toContainEqual({ kind: 'add', rect: { x: 0, y: 0, w: 20, h: 10 } });
  });

  it('Escape rolls each gesture back and reports whether there was one', () => {
    expect(cancel(idle).cancelled).toBe(false);
    const moving = move(move(down(idle, at(100, 100, { hit: { id: 7, movable: true } })).state, at(130, 100)).state, at(140, 100)).state;
    expect(cancel(moving)).toEqual({ state: idle, effects: [{ kind: 'revert-move' }], cancelled: true });
    const panning = move(down(idle, at(10, 10, { space: true })).state, at(90, 90)).state;
    expect(cancel(panning).effects).toEqual([{ kind: 'view', view }]);
    const drawing = down(idle, at(10, 20, { tool: 'box' })).state;
    expect(cancel(drawing).effects).toEqual([{ kind: 'draw', rect: null }]);
  });

  it('a second press during a gesture changes nothing', () => {
    const d = down(idle, at(10, 20, { tool: 'box' }));
    expect(down(d.state, at(30, 30, { button: 1 })).state).toBe(d.state);
  });
});
