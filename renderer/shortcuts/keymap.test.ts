import { describe, expect, it } from 'vitest';
import { ACTIONS, ACTION_IDS, GROUPS, actionById, actionsByGroup, type ActionId } from './actions.ts';
import {
  chordFromEvent,
  chordToString,
  classHotkeyConflict,
  defaultKeymap,
  detectPlatform,
  findConflicts,
  formatChord,
  formatChords,
  isDefaultBinding,
  isEditableTarget,
  loadKeymap,
  normalizeChord,
  parseChord,
  remap,
  removeChord,
  resetAction,
  resetAll,
  resolve,
  resolveClassHotkey,
  saveKeymap,
  storageKey,
  type KeyEventLike,
  type Keymap,
  type KeyValueStorage,
  type Platform,
} from './keymap.ts';

/** A keydown as a browser reports it; `code` defaults to the US-layout physical key of `key`. */
function ev(key: string, mods: Partial<Omit<KeyEventLike, 'key'>> = {}): KeyEventLike {
  const guessCode = /^[a-z]$/i.test(key) ? `Key${key.toUpperCase()}` : /^[0-9]$/.test(key) ? `Digit${key}` : key;
  return { key, code: mods.code ?? guessCode, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods };
}

const both: Platform[] = ['mac', 'other'];
const other = { platform: 'other' as const, boxSelected: false };
const mac = { platform: 'mac' as const, boxSelected: false };

class MemoryStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(k: string) {
    return this.map.has(k) ? this.map.get(k)! : null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

describe('the action table', () => {
  it('has unique ids, labels and a known group for every action, and defaults that parse canonically', () => {
    expect(new Set(ACTION_IDS).size).toBe(ACTIONS.length);
    expect(new Set(ACTIONS.map((a) => a.label)).size).toBe(ACTIONS.length);
    for (const a of ACTIONS) {
      expect(GROUPS).toContain(a.group);
      expect(a.defaults.length).toBeGreaterThan(0);
      for (const d of a.defaults) expect(normalizeChord(d), `${a.id} ${d}`).toBe(d);
    }
    expect(actionsByGroup().flatMap((g) => g.actions)).toHaveLength(ACTIONS.length);
  });

  it('has no conflicts among the defaults on either platform, except the arrows shared by design', () => {
    for (const p of both) expect(findConflicts(defaultKeymap(), [], p)).toEqual([]);
  });

  it('carries the defaults the workspace documents', () => {
    const km = defaultKeymap();
    expect(km['image.next']).toEqual(['D', 'ArrowRight']);
    expect(km['image.prev']).toEqual(['A', 'ArrowLeft']);
    expect(km['review.doneNext']).toEqual(['Mod+Enter', 'Ctrl+Enter']);
    expect(km['view.zoomIn']).toEqual(['+', '=']);
    expect(km['view.shortcuts']).toEqual(['?']);
    expect(km['history.redo']).toEqual(['Mod+Shift+Z', 'Mod+Y']);
    expect(km['edit.delete']).toEqual(['Delete', 'Backspace']);
  });
});

describe('parseChord / chordToString', () => {
  it('writes modifiers in canonical order, whatever the input order and case', () => {
    expect(normalizeChord('shift+mod+z')).toBe('Mod+Shift+Z');
    expect(normalizeChord('Ctrl+Alt+Shift+Meta+k')).toBe('Ctrl+Meta+Alt+Shift+K');
    expect(normalizeChord(' Mod + Enter ')).toBe('Mod+Enter');
    expect(normalizeChord('CmdOrCtrl+,')).toBe('Mod+,');
  });

  it('accepts aliases for modifiers and named keys', () => {
    expect(normalizeChord('Control+Esc')).toBe('Ctrl+Escape');
    expect(normalizeChord('Cmd+Return')).toBe('Meta+Enter');
    expect(normalizeChord('Option+Left')).toBe('Alt+ArrowLeft');
    expect(normalizeChord('Del')).toBe('Delete');
    expect(normalizeChord('space')).toBe('Space');
    expect(normalizeChord('f5')).toBe('F5');
    expect(normalizeChord('Mod+Plus')).toBe('Mod++');
  });

  it('folds Shift into symbols: Shift+/ is ?, Shift+= is +', () => {
    expect(normalizeChord('Shift+/')).toBe('?');
    expect(normalizeChord('?')).toBe('?');
    expect(normalizeChord('Shift+?')).toBe('?');
    expect(normalizeChord('Shift+=')).toBe('+');
    expect(normalizeChord('Ctrl+Shift+/')).toBe('Ctrl+?');
    // …but not into letters or named keys.
    expect(normalizeChord('Shift+r')).toBe('Shift+R');
    expect(normalizeChord('Shift+ArrowLeft')).toBe('Shift+ArrowLeft');
  });

  it('reads the + key itself, alone or after modifiers', () => {
    expect(parseChord('+')).toMatchObject({ key: '+', mod: false, shift: false });
    expect(parseChord('Mod++')).toMatchObject({ key: '+', mod: true });
    expect(normalizeChord('Ctrl+Shift++')).toBe('Ctrl++');
  });

  it('refuses what is not a chord', () => {
    for (const bad of ['', '   ', 'Shift', 'Ctrl+', 'Hyper+A', 'Ctrl+Shift', 'NotAKey', 'Mod+Foo', 'F25']) {
      expect(parseChord(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('round-trips every canonical chord', () => {
    for (const a of ACTIONS) for (const d of a.defaults) expect(chordToString(parseChord(d)!)).toBe(d);
  });
});

describe('formatChord', () => {
  it('spells chords out on Linux and Windows', () => {
    expect(formatChord('Mod+Shift+Z', 'other')).toBe('Ctrl+Shift+Z');
    expect(formatChord('Mod+,', 'other')).toBe('Ctrl+,');
    expect(formatChord('Shift+ArrowLeft', 'other')).toBe('Shift+←');
    expect(formatChord('Escape', 'other')).toBe('Esc');
    expect(formatChord('?', 'other')).toBe('?');
    expect(formatChord('Mod++', 'other')).toBe('Ctrl++');
  });

  it('uses the macOS symbols, in Apple’s modifier order', () => {
    expect(formatChord('Mod+Shift+Z', 'mac')).toBe('⇧⌘Z');
    expect(formatChord('Mod+Enter', 'mac')).toBe('⌘↩');
    expect(formatChord('Ctrl+Enter', 'mac')).toBe('⌃↩');
    expect(formatChord('Alt+Enter', 'mac')).toBe('⌥↩');
    expect(formatChord('Backspace', 'mac')).toBe('⌫');
    expect(formatChord('Delete', 'mac')).toBe('⌦');
  });

  it('lists an action’s chords once per distinct key press on the platform', () => {
    expect(formatChords(['Mod+Enter', 'Ctrl+Enter'], 'other')).toEqual(['Ctrl+Enter']);
    expect(formatChords(['Mod+Enter', 'Ctrl+Enter'], 'mac')).toEqual(['⌘↩', '⌃↩']);
  });
});

describe('chordFromEvent', () => {
  it('reads letters in upper case, with Shift kept and caps lock ignored', () => {
    expect(chordToString(chordFromEvent(ev('d'), 'other')!)).toBe('D');
    expect(chordToString(chordFromEvent(ev('D', { shiftKey: true }), 'other')!)).toBe('Shift+D');
    // Caps lock on: key "D" without Shift is still plain D.
    expect(chordToString(chordFromEvent(ev('D'), 'other')!)).toBe('D');
  });

  it('reads Shift+/ as ? and Shift+= as +, = alone as =', () => {
    expect(chordToString(chordFromEvent(ev('?', { code: 'Slash', shiftKey: true }), 'other')!)).toBe('?');
    expect(chordToString(chordFromEvent(ev('+', { code: 'Equal', shiftKey: true }), 'other')!)).toBe('+');
    expect(chordToString(chordFromEvent(ev('=', { code: 'Equal' }), 'other')!)).toBe('=');
    expect(chordToString(chordFromEvent(ev('-', { code: 'Minus' }), 'other')!)).toBe('-');
  });

  it('reads ⌘⇧/ as ⌘? even when the browser reports the unshifted "/"', () => {
    expect(chordToString(chordFromEvent(ev('/', { code: 'Slash', shiftKey: true, metaKey: true }), 'mac')!)).toBe('Mod+?');
    // A German layout types / with Shift+7: that stays /.
    expect(chordToString(chordFromEvent(ev('/', { code: 'Digit7', shiftKey: true, metaKey: true }), 'mac')!)).toBe('Mod+/');
  });

  it('keeps Shift on named keys and arrows', () => {
    expect(chordToString(chordFromEvent(ev('ArrowLeft', { shiftKey: true }), 'other')!)).toBe('Shift+ArrowLeft');
    expect(chordToString(chordFromEvent(ev('Enter', { shiftKey: true }), 'other')!)).toBe('Shift+Enter');
    expect(chordToString(chordFromEvent(ev(' ', { code: 'Space' }), 'other')!)).toBe('Space');
    expect(chordToString(chordFromEvent(ev('Esc'), 'other')!)).toBe('Escape');
  });

  it('reads Mod as Ctrl on Linux / Windows and as ⌘ on macOS', () => {
    expect(chordToString(chordFromEvent(ev('z', { ctrlKey: true }), 'other')!)).toBe('Mod+Z');
    expect(chordToString(chordFromEvent(ev('z', { metaKey: true }), 'mac')!)).toBe('Mod+Z');
    expect(chordToString(chordFromEvent(ev('z', { ctrlKey: true }), 'mac')!)).toBe('Ctrl+Z');
    expect(chordToString(chordFromEvent(ev('z', { metaKey: true }), 'other')!)).toBe('Meta+Z');
  });

  it('ignores modifiers alone, dead keys and IME composition', () => {
    for (const k of ['Shift', 'Control', 'Alt', 'Meta', 'CapsLock', 'Dead', 'Unidentified', 'Process']) expect(chordFromEvent(ev(k), 'other'), k).toBeNull();
    expect(chordFromEvent(ev('a', { isComposing: true }), 'other')).toBeNull();
  });

  it('falls back to the physical key when Option or a non-Latin layout changes the character', () => {
    expect(chordToString(chordFromEvent(ev('å', { code: 'KeyA', altKey: true }), 'mac')!)).toBe('Alt+A');
    expect(chordToString(chordFromEvent(ev('Dead', { code: 'KeyE', altKey: true }), 'mac')!)).toBe('Alt+E');
    expect(chordToString(chordFromEvent(ev('¡', { code: 'Digit1', altKey: true }), 'mac')!)).toBe('Alt+1');
    expect(chordToString(chordFromEvent(ev('в', { code: 'KeyD' }), 'other')!)).toBe('D');
  });

  it('needs no numpad, and the numpad works too', () => {
    // Zoom in on a laptop: = without Shift; on a numpad: NumpadAdd types +.
    expect(resolve(defaultKeymap(), ev('=', { code: 'Equal' }), other)).toBe('view.zoomIn');
    expect(resolve(defaultKeymap(), ev('+', { code: 'NumpadAdd' }), other)).toBe('view.zoomIn');
    expect(resolve(defaultKeymap(), ev('-', { code: 'NumpadSubtract' }), other)).toBe('view.zoomOut');
    expect(resolve(defaultKeymap(), ev('Enter', { code: 'NumpadEnter' }), other)).toBe('prediction.accept');
  });
});

describe('resolve', () => {
  const km = defaultKeymap();

  it('finds actions by their default keys', () => {
    expect(resolve(km, ev('d'), other)).toBe('image.next');
    expect(resolve(km, ev('a'), other)).toBe('image.prev');
    expect(resolve(km, ev('n'), other)).toBe('image.nextUnreviewed');
    expect(resolve(km, ev('Enter'), other)).toBe('prediction.accept');
    expect(resolve(km, ev('Enter', { shiftKey: true }), other)).toBe('prediction.acceptAll');
    expect(resolve(km, ev('R', { shiftKey: true }), other)).toBe('prediction.rejectBelow');
    expect(resolve(km, ev('r'), other)).toBe('prediction.reject');
    expect(resolve(km, ev('P', { shiftKey: true }), other)).toBe('prelabel.again');
    expect(resolve(km, ev('Backspace'), other)).toBe('edit.delete');
    expect(resolve(km, ev('Delete'), other)).toBe('edit.delete');
    expect(resolve(km, ev('Escape'), other)).toBe('edit.cancel');
    expect(resolve(km, ev('?', { code: 'Slash', shiftKey: true }), other)).toBe('view.shortcuts');
    expect(resolve(km, ev(',', { code: 'Comma', ctrlKey: true }), other)).toBe('view.settings');
    expect(resolve(km, ev('Enter', { altKey: true }), other)).toBe('review.skip');
    expect(resolve(km, ev('x'), other)).toBeNull();
  });

  it('matches Mod as Ctrl off macOS and as ⌘ on macOS', () => {
    expect(resolve(km, ev('z', { ctrlKey: true }), other)).toBe('history.undo');
    expect(resolve(km, ev('Z', { ctrlKey: true, shiftKey: true }), other)).toBe('history.redo');
    expect(resolve(km, ev('y', { ctrlKey: true }), other)).toBe('history.redo');
    expect(resolve(km, ev('z', { metaKey: true }), mac)).toBe('history.undo');
    expect(resolve(km, ev('z', { metaKey: true, shiftKey: true }), mac)).toBe('history.redo');
    // Ctrl+Z on a Mac is not ⌘Z; ⌘Z (the Windows key) elsewhere is not Ctrl+Z.
    expect(resolve(km, ev('z', { ctrlKey: true }), mac)).toBeNull();
    expect(resolve(km, ev('z', { metaKey: true }), other)).toBeNull();
  });

  it('marks done with Ctrl+Enter everywhere and with ⌘↩ on macOS', () => {
    expect(resolve(km, ev('Enter', { ctrlKey: true }), other)).toBe('review.doneNext');
    expect(resolve(km, ev('Enter', { ctrlKey: true }), mac)).toBe('review.doneNext');
    expect(resolve(km, ev('Enter', { metaKey: true }), mac)).toBe('review.doneNext');
    expect(resolve(km, ev('Enter', { metaKey: true }), other)).toBeNull();
  });

  it('gives the arrows to the nudges while a box is selected and to navigation otherwise', () => {
    const sel = { platform: 'other' as const, boxSelected: true };
    expect(resolve(km, ev('ArrowRight'), other)).toBe('image.next');
    expect(resolve(km, ev('ArrowLeft'), other)).toBe('image.prev');
    expect(resolve(km, ev('ArrowUp'), other)).toBeNull();
    expect(resolve(km, ev('ArrowRight'), sel)).toBe('edit.nudgeRight');
    expect(resolve(km, ev('ArrowLeft'), sel)).toBe('edit.nudgeLeft');
    expect(resolve(km, ev('ArrowUp'), sel)).toBe('edit.nudgeUp');
    expect(resolve(km, ev('ArrowDown', { shiftKey: true }), sel)).toBe('edit.nudgeDown10');
    expect(resolve(km, ev('ArrowLeft', { shiftKey: true }), other)).toBeNull();
    // D still changes image with a box selected.
    expect(resolve(km, ev('d'), sel)).toBe('image.next');
  });

  it('stays out of text fields', () => {
    expect(resolve(km, ev('d'), { ...other, inTextField: true })).toBeNull();
    expect(isEditableTarget({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isEditableTarget({ tagName: 'INPUT', type: 'range' })).toBe(true);
    expect(isEditableTarget({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(isEditableTarget({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isEditableTarget({ tagName: 'DIV', isContentEditable: true })).toBe(true);
    expect(isEditableTarget({ tagName: 'BUTTON' })).toBe(false);
    expect(isEditableTarget(null)).toBe(false);
  });

  it('follows a remapped key', () => {
    const r = remap(km, 'image.next', 'J', [], { platform: 'other' });
    if (!r.ok) throw new Error(r.message);
    expect(resolve(r.keymap, ev('j'), other)).toBe('image.next');
    expect(resolve(r.keymap, ev('d'), other)).toBeNull();
    expect(resolve(r.keymap, ev('ArrowRight'), other)).toBeNull();
  });
});

describe('class hotkeys', () => {
  const classes = [
    { key: '1', name: 'car' },
    { key: 'q', name: 'person' },
  ];

  it('resolve the key alone to its class', () => {
    expect(resolveClassHotkey(ev('1'), classes)?.name).toBe('car');
    expect(resolveClassHotkey(ev('q'), classes)?.name).toBe('person');
    expect(resolveClassHotkey(ev('Q', { shiftKey: true }), classes)).toBeNull();
    expect(resolveClassHotkey(ev('1', { ctrlKey: true }), classes)).toBeNull();
    // An AZERTY keyboard types 1 with Shift: still the digit.
    expect(resolveClassHotkey(ev('1', { code: 'Digit1', shiftKey: true }), classes)?.name).toBe('car');
    expect(resolveClassHotkey(ev('2'), classes)).toBeNull();
  });

  it('cannot be taken by an action, and the refusal names the class', () => {
    const r = remap(defaultKeymap(), 'tool.box', 'Q', classes, { platform: 'other' });
    expect(r).toMatchObject({ ok: false, reason: 'class', conflict: 'person', message: 'Q is already used by class "person"' });
    const d = remap(defaultKeymap(), 'tool.box', '1', classes, { platform: 'mac' });
    expect(d).toMatchObject({ ok: false, conflict: 'car' });
    // A modified chord on the same key is free.
    expect(remap(defaultKeymap(), 'tool.box', 'Shift+Q', classes, { platform: 'other' }).ok).toBe(true);
    expect(remap(defaultKeymap(), 'tool.box', 'Ctrl+Alt+1', classes, { platform: 'other' }).ok).toBe(true);
  });

  it('that shadow an action are reported, and a would-be hotkey names the action', () => {
    const c = findConflicts(defaultKeymap(), [{ key: 'd', name: 'dog' }], 'other');
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ actionIds: ['image.next'], className: 'dog' });
    expect(classHotkeyConflict(defaultKeymap(), 'd', 'other')).toBe('Next image');
    expect(classHotkeyConflict(defaultKeymap(), '3', 'other')).toBeNull();
  });
});

describe('remap', () => {
  const km = defaultKeymap();

  it('refuses a key another action uses, naming that action', () => {
    const r = remap(km, 'tool.box', 'D', [], { platform: 'other' });
    expect(r).toEqual({ ok: false, reason: 'action', actionId: 'image.next', conflict: 'Next image', message: 'D is already used by Next image' });
    const z = remap(km, 'tool.box', 'Mod+Shift+Z', [], { platform: 'mac' });
    expect(z).toMatchObject({ ok: false, conflict: 'Redo', message: '⇧⌘Z is already used by Redo' });
    expect(remap(km, 'tool.box', 'Shift+/', [], { platform: 'other' })).toMatchObject({ ok: false, conflict: 'Keyboard shortcuts sheet' });
  });

  it('compares the keys pressed on the platform, not the spelling', () => {
    // Ctrl+Z is Mod+Z on Linux …
    expect(remap(km, 'tool.box', 'Ctrl+Z', [], { platform: 'other' })).toMatchObject({ ok: false, conflict: 'Undo' });
    // … and a different chord on macOS.
    expect(remap(km, 'tool.box', 'Ctrl+Z', [], { platform: 'mac' }).ok).toBe(true);
    expect(remap(km, 'tool.box', 'Meta+Z', [], { platform: 'mac' })).toMatchObject({ ok: false, conflict: 'Undo' });
  });

  it('allows the arrow keys shared by nudges and navigation, and nothing else', () => {
    // Known pair: nudge left ↔ previous image.
    expect(remap(km, 'edit.nudgeLeft', 'ArrowLeft', [], { platform: 'other' }).ok).toBe(true);
    const nav = remap(km, 'image.prev', 'ArrowUp', [], { platform: 'other' });
    expect(nav.ok).toBe(true);
    // Two nudges never share, nor do two global actions.
    expect(remap(km, 'edit.nudgeLeft', 'ArrowUp', [], { platform: 'other' })).toMatchObject({ ok: false, conflict: 'Nudge up 1 px' });
    expect(remap(km, 'view.fit', 'ArrowLeft', [], { platform: 'other' })).toMatchObject({ ok: false, conflict: 'Previous image' });
  });

  it('replaces the chords by default and can add one instead', () => {
    const r = remap(km, 'image.next', 'J', [], { platform: 'other' });
    expect(r.ok && r.keymap['image.next']).toEqual(['J']);
    const a = remap(km, 'image.next', 'Shift+J', [], { platform: 'other', mode: 'add' });
    expect(a.ok && a.keymap['image.next']).toEqual(['D', 'ArrowRight', 'Shift+J']);
    const same = remap(km, 'image.next', 'd', [], { platform: 'other', mode: 'add' });
    expect(same.ok && same.keymap['image.next']).toEqual(['D', 'ArrowRight']);
    // The original keymap is not changed.
    expect(km['image.next']).toEqual(['D', 'ArrowRight']);
  });

  it('lets an action keep its own key, and frees a key that was moved away', () => {
    expect(remap(km, 'image.next', 'D', [], { platform: 'other' }).ok).toBe(true);
    const moved = remap(km, 'image.next', 'J', [], { platform: 'other' });
    if (!moved.ok) throw new Error(moved.message);
    const taken = remap(moved.keymap, 'edit.duplicate', 'D', [], { platform: 'other' });
    expect(taken.ok && taken.keymap['edit.duplicate']).toEqual(['D']);
  });

  it('refuses reserved keys and non-chords', () => {
    expect(remap(km, 'tool.box', 'Space', [], { platform: 'other' })).toMatchObject({ ok: false, reason: 'reserved', message: 'Space is reserved for panning the canvas' });
    expect(remap(km, 'tool.box', 'Tab', [], { platform: 'other' })).toMatchObject({ ok: false, reason: 'reserved' });
    expect(remap(km, 'tool.box', 'Shift', [], { platform: 'other' })).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('accepts a chord read off an event', () => {
    const chord = chordFromEvent(ev('k', { ctrlKey: true }), 'other')!;
    const r = remap(km, 'tool.box', chord, [], { platform: 'other' });
    expect(r.ok && r.keymap['tool.box']).toEqual(['Mod+K']);
  });

  it('removes one chord', () => {
    expect(removeChord(km, 'image.next', 'ArrowRight', 'other')['image.next']).toEqual(['D']);
    expect(removeChord(km, 'review.doneNext', 'Ctrl+Enter', 'other')['review.doneNext']).toEqual([]);
    expect(removeChord(km, 'review.doneNext', 'Ctrl+Enter', 'mac')['review.doneNext']).toEqual(['Mod+Enter']);
  });
});

describe('reset', () => {
  it('puts one action back on its defaults', () => {
    const r = remap(defaultKeymap(), 'image.next', 'J', [], { platform: 'other' });
    if (!r.ok) throw new Error(r.message);
    expect(isDefaultBinding(r.keymap, 'image.next')).toBe(false);
    const back = resetAction(r.keymap, 'image.next', [], 'other');
    expect(back.ok && back.keymap['image.next']).toEqual(['D', 'ArrowRight']);
    expect(back.ok && isDefaultBinding(back.keymap, 'image.next')).toBe(true);
  });

  it('refuses when another action took a default key since, naming it', () => {
    let km: Keymap = defaultKeymap();
    for (const [id, chord] of [
      ['image.next', 'J'],
      ['edit.duplicate', 'D'],
    ] as [ActionId, string][]) {
      const r = remap(km, id, chord, [], { platform: 'other' });
      if (!r.ok) throw new Error(r.message);
      km = r.keymap;
    }
    expect(resetAction(km, 'image.next', [], 'other')).toMatchObject({ ok: false, conflict: 'Duplicate selection', message: 'D is already used by Duplicate selection' });
    expect(resetAction(km, 'image.next', [{ key: 'd', name: 'dog' }], 'other')).toMatchObject({ ok: false });
  });

  it('puts every action back', () => {
    expect(resetAll()).toEqual(defaultKeymap());
    for (const id of ACTION_IDS) expect(isDefaultBinding(resetAll(), id)).toBe(true);
  });
});

describe('storage', () => {
  it('uses a versioned key per user', () => {
    expect(storageKey('ana')).toBe('loupe.shortcuts.v1.ana');
  });

  it('round-trips a keymap, storing only the changes', () => {
    const s = new MemoryStorage();
    const r = remap(defaultKeymap(), 'image.next', 'J', [], { platform: 'other' });
    if (!r.ok) throw new Error(r.message);
    expect(saveKeymap(s, 'ana', r.keymap)).toEqual({ ok: true });
    expect(JSON.parse(s.getItem('loupe.shortcuts.v1.ana')!)).toEqual({ version: 1, bindings: { 'image.next': ['J'] } });
    const loaded = loadKeymap(s, 'ana', 'other');
    expect(loaded.problems).toEqual([]);
    expect(loaded.keymap).toEqual(r.keymap);
    // Another user has their own.
    expect(loadKeymap(s, 'ben', 'other')).toEqual({ keymap: defaultKeymap(), problems: [] });
    // Saving the defaults clears the entry.
    saveKeymap(s, 'ana', defaultKeymap());
    expect(s.getItem('loupe.shortcuts.v1.ana')).toBeNull();
  });

  it('keeps an action deliberately left without keys', () => {
    const s = new MemoryStorage();
    saveKeymap(s, 'ana', { ...defaultKeymap(), 'tool.box': [] });
    expect(loadKeymap(s, 'ana', 'other').keymap['tool.box']).toEqual([]);
  });

  it('ignores and reports corrupt data instead of throwing', () => {
    const cases: [string, RegExp][] = [
      ['{not json', /not valid JSON/],
      ['null', /expected form/],
      ['[]', /expected form/],
      ['"D"', /expected form/],
      ['{"version":2,"bindings":{}}', /expected form/],
      ['{"version":1}', /expected form/],
      ['{"version":1,"bindings":[]}', /expected form/],
    ];
    for (const [raw, msg] of cases) {
      const s = new MemoryStorage();
      s.setItem(storageKey('ana'), raw);
      const r = loadKeymap(s, 'ana', 'other');
      expect(r.keymap, raw).toEqual(defaultKeymap());
      expect(r.problems, raw).toHaveLength(1);
      expect(r.problems[0], raw).toMatch(msg);
    }
  });

  it('keeps the good entries of partly corrupt data and reports the rest', () => {
    const s = new MemoryStorage();
    s.setItem(
      storageKey('ana'),
      JSON.stringify({ version: 1, bindings: { 'image.next': ['J'], 'tool.box': 'B', 'view.fit': ['Ctrl+'], 'no.such': ['X'], 'tool.select': [1] } }),
    );
    const r = loadKeymap(s, 'ana', 'other');
    expect(r.keymap['image.next']).toEqual(['J']);
    expect(r.keymap['tool.box']).toEqual(['B']);
    expect(r.keymap['view.fit']).toEqual(['F']);
    expect(r.keymap['tool.select']).toEqual(['V']);
    expect(r.problems).toHaveLength(4);
    expect(r.problems.join('\n')).toMatch(/unknown action "no.such"/);
    expect(r.problems.join('\n')).toMatch(/Box tool/);
    expect(r.problems.join('\n')).toMatch(/"Ctrl\+" is not a key combination/);
  });

  it('reports stored keys that collide', () => {
    const s = new MemoryStorage();
    s.setItem(storageKey('ana'), JSON.stringify({ version: 1, bindings: { 'tool.box': ['D'] } }));
    const r = loadKeymap(s, 'ana', 'other');
    expect(r.problems).toEqual(['D is bound to both Next image and Box tool; the first one wins.']);
    expect(resolve(r.keymap, ev('d'), other)).toBe('image.next');
  });

  it('survives a storage that throws', () => {
    const broken: KeyValueStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {},
    };
    const r = loadKeymap(broken, 'ana', 'other');
    expect(r.keymap).toEqual(defaultKeymap());
    expect(r.problems[0]).toMatch(/SecurityError/);
    const w = saveKeymap(broken, 'ana', { ...defaultKeymap(), 'tool.box': ['J'] });
    expect(w).toEqual({ ok: false, error: 'Could not save the shortcuts: QuotaExceededError' });
    expect(loadKeymap(null, 'ana', 'other').keymap).toEqual(defaultKeymap());
  });
});

describe('detectPlatform', () => {
  it('tells macOS from the rest', () => {
    expect(detectPlatform({ platform: 'MacIntel' })).toBe('mac');
    expect(detectPlatform({ userAgentData: { platform: 'macOS' } })).toBe('mac');
    expect(detectPlatform({ platform: 'Win32' })).toBe('other');
    expect(detectPlatform({ platform: 'Linux x86_64' })).toBe('other');
    expect(detectPlatform({})).toBe('other');
  });
});

describe('actionById', () => {
  it('finds the label used in messages', () => {
    expect(actionById('image.next').label).toBe('Next image');
  });
});
