import type { Point, View } from '../coords.ts';

/**
 * The canvas tools as one small state machine: idle → pointing → moving,
 * idle → panning, idle → banding (rubber band), idle → drawing; each gesture can
 * be cancelled. Pure: the canvas feeds pointer input in and carries out the
 * effects that come back, so every transition is testable without a browser.
 */
export type Tool = 'select' | 'box';

export type GestureState =
  | { kind: 'idle' }
  /** Pressed on a box: a click selects it, a drag moves the selection. */
  | { kind: 'pointing'; start: Point; startImage: Point; hitId: number; canMove: boolean }
  | { kind: 'moving'; startImage: Point; delta: Point }
  | { kind: 'panning'; start: Point; view: View; moved: boolean; clearOnClick: boolean }
  | { kind: 'banding'; start: Point; end: Point; additive: boolean }
  | { kind: 'drawing'; start: Point; end: Point };

/** One pointer event as the machine needs it. */
export interface PointerInput {
  /** Container pixels. */
  screen: Point;
  /** Image pixels under the pointer. */
  image: Point;
  /** 0 left, 1 middle, 2 right. */
  button: number;
  shift: boolean;
  /** Space is held: every drag pans. */
  space: boolean;
  tool: Tool;
  view: View;
  /** The box under the pointer (topmost shown), with whether the person may move it. */
  hit: { id: number; movable: boolean } | null;
  /** The ids selected before this press. */
  selection: readonly number[];
}

export type Effect =
  | { kind: 'select'; ids: number[] }
  | { kind: 'view'; view: View }
  /** The selection follows the pointer by `delta` image pixels (not yet stored). */
  | { kind: 'preview-move'; delta: Point }
  | { kind: 'commit-move'; delta: Point }
  | { kind: 'revert-move' }
  | { kind: 'band'; rect: RectLike | null }
  | { kind: 'band-select'; rect: RectLike; additive: boolean }
  | { kind: 'draw'; rect: RectLike | null }
  | { kind: 'add'; rect: RectLike };

type RectLike = { x: number; y: number; w: number; h: number };

/** A drag shorter than this (screen px) is a click. */
export const CLICK_SLOP = 3;

const rect = (a: Point, b: Point): RectLike => ({ x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(b.x - a.x), h: Math.abs(b.y - a.y) });
const far = (a: Point, b: Point) => Math.abs(a.x - b.x) > CLICK_SLOP || Math.abs(a.y - b.y) > CLICK_SLOP;

/** A press. Middle button or Space always pans, whatever is under the pointer. */
export function down(s: GestureState, e: PointerInput): { state: GestureState; effects: Effect[] } {
  if (s.kind !== 'idle') return { state: s, effects: [] };
  if (e.button === 1 || e.space) return { state: { kind: 'panning', start: e.screen, view: e.view, moved: false, clearOnClick: false }, effects: [] };
  if (e.button !== 0) return { state: s, effects: [] };
  if (e.tool === 'box') return { state: { kind: 'drawing', start: e.image, end: e.image }, effects: [{ kind: 'draw', rect: rect(e.image, e.image) }] };
  if (e.hit) {
    const inSel = e.selection.includes(e.hit.id);
    if (e.shift) {
      const ids = inSel ? e.selection.filter((id) => id !== e.hit!.id) : [...e.selection, e.hit.id];
      return { state: { kind: 'pointing', start: e.screen, startImage: e.image, hitId: e.hit.id, canMove: false }, effects: [{ kind: 'select', ids }] };
    }
    const effects: Effect[] = inSel ? [] : [{ kind: 'select', ids: [e.hit.id] }];
    return { state: { kind: 'pointing', start: e.screen, startImage: e.image, hitId: e.hit.id, canMove: e.hit.movable }, effects };
  }
  if (e.shift) return { state: { kind: 'banding', start: e.image, end: e.image, additive: true }, effects: [] };
  return { state: { kind: 'panning', start: e.screen, view: e.view, moved: false, clearOnClick: true }, effects: [] };
}

/** A move while pressed. */
export function move(s: GestureState, e: Pick<PointerInput, 'screen' | 'image'>): { state: GestureState; effects: Effect[] } {
  switch (s.kind) {
    case 'pointing':
      if (!s.canMove || !far(s.start, e.screen)) return { state: s, effects: [] };
      return move({ kind: 'moving', startImage: s.startImage, delta: { x: 0, y: 0 } }, e);
    case 'moving': {
      const delta = { x: e.image.x - s.startImage.x, y: e.image.y - s.startImage.y };
      return { state: { ...s, delta }, effects: [{ kind: 'preview-move', delta }] };
    }
    case 'panning': {
      const view = { ...s.view, x: s.view.x + e.screen.x - s.start.x, y: s.view.y + e.screen.y - s.start.y };
      return { state: { ...s, moved: s.moved || far(s.start, e.screen) }, effects: [{ kind: 'view', view }] };
    }
    case 'banding':
      return { state: { ...s, end: e.image }, effects: [{ kind: 'band', rect: rect(s.start, e.image) }] };
    case 'drawing':
      return { state: { ...s, end: e.image }, effects: [{ kind: 'draw', rect: rect(s.start, e.image) }] };
    default:
      return { state: s, effects: [] };
  }
}

/** The release: the gesture's one stored outcome, if any. */
export function up(s: GestureState, e: Pick<PointerInput, 'screen' | 'image'>): { state: GestureState; effects: Effect[] } {
  const idle: GestureState = { kind: 'idle' };
  switch (s.kind) {
    case 'moving': {
      const delta = { x: e.image.x - s.startImage.x, y: e.image.y - s.startImage.y };
      return { state: idle, effects: [{ kind: 'commit-move', delta }] };
    }
    case 'panning':
      return { state: idle, effects: !s.moved && !far(s.start, e.screen) && s.clearOnClick ? [{ kind: 'select', ids: [] }] : [] };
    case 'banding':
      return { state: idle, effects: [{ kind: 'band', rect: null }, { kind: 'band-select', rect: rect(s.start, e.image), additive: s.additive }] };
    case 'drawing':
      return { state: idle, effects: [{ kind: 'draw', rect: null }, { kind: 'add', rect: rect(s.start, e.image) }] };
    default:
      return { state: idle, effects: [] };
  }
}

/** Escape: roll the gesture back to its start; nothing is stored and no redo entry is made. */
export function cancel(s: GestureState): { state: GestureState; effects: Effect[]; cancelled: boolean } {
  const idle: GestureState = { kind: 'idle' };
  switch (s.kind) {
    case 'idle':
      return { state: s, effects: [], cancelled: false };
    case 'moving':
      return { state: idle, effects: [{ kind: 'revert-move' }], cancelled: true };
    case 'panning':
      return { state: idle, effects: [{ kind: 'view', view: s.view }], cancelled: true };
    case 'banding':
      return { state: idle, effects: [{ kind: 'band', rect: null }], cancelled: true };
    case 'drawing':
      return { state: idle, effects: [{ kind: 'draw', rect: null }], cancelled: true };
    default:
      return { state: idle, effects: [], cancelled: true };
  }
}
