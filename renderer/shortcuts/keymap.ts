/**
 * Key chords and keymaps, as pure functions: parsing and formatting chords, reading a chord off a
 * keyboard event, resolving an event to an action, remapping with conflict refusal, resetting,
 * and loading / saving a user's keymap in localStorage.
 *
 * A chord string is canonical when written as chordToString writes it: modifiers in the order
 * Mod, Ctrl, Meta, Alt, Shift, then the key — "Mod+Shift+Z", "Shift+ArrowLeft", "?", "+".
 * `Mod` is the platform's command modifier: Ctrl on Linux and Windows, ⌘ (Meta) on macOS.
 * Letters are upper case; a symbol is the character it types, Shift folded in ("?" is Shift+/ on
 * a US layout, "+" is Shift+=), so a chord means the same on every keyboard layout that can type it.
 */
import { ACTIONS, actionById, isActionId, type ActionDef, type ActionId } from './actions.ts';

export type Platform = 'mac' | 'other';

export interface Chord {
  /** Ctrl on Linux / Windows, ⌘ on macOS. */
  readonly mod: boolean;
  /** The Control key itself (on macOS: ⌃, distinct from Mod). */
  readonly ctrl: boolean;
  /** The Meta key itself (on macOS: ⌘, the same as Mod; elsewhere the Windows / Super key). */
  readonly meta: boolean;
  readonly alt: boolean;
  /** Never set when the key is a symbol: the symbol already says whether Shift was held. */
  readonly shift: boolean;
  /** "A"…"Z", "0"…"9", a symbol ("?", "+", ","), or a named key ("Enter", "ArrowLeft", "F2"). */
  readonly key: string;
}

/** The fields of a KeyboardEvent that chords are read from. */
export interface KeyEventLike {
  readonly key: string;
  readonly code?: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
  readonly isComposing?: boolean;
}

/** Action id → its chords (canonical strings); an empty list leaves the action unbound. */
export type Keymap = Readonly<Record<ActionId, readonly string[]>>;

/** A class hotkey as the class palette stores it: one digit or letter, and the class's name. */
export interface ClassHotkey {
  readonly key: string;
  readonly name: string;
}

export interface ResolveContext {
  readonly platform: Platform;
  /** A box is selected: actions marked `whenBoxSelected` (nudges) take their shared keys. */
  readonly boxSelected: boolean;
  /** Focus is in a text field (see isEditableTarget): no shortcut fires. */
  readonly inTextField?: boolean;
}

export type ConflictReason = 'action' | 'class' | 'reserved' | 'invalid';

export type RemapResult =
  | { readonly ok: true; readonly keymap: Keymap }
  | {
      readonly ok: false;
      /** Who already has the key: an action's label, a class's name, or what the key is reserved for. */
      readonly conflict: string;
      /** A sentence to show, e.g. "D is already used by Next image". */
      readonly message: string;
      readonly reason: ConflictReason;
      /** The action that has the key, when reason is 'action'. */
      readonly actionId?: ActionId;
    };

// ---------------------------------------------------------------------------------------------
// Chords

const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'OS', 'Super', 'Hyper', 'Fn', 'FnLock', 'CapsLock', 'NumLock', 'ScrollLock', 'Symbol', 'SymbolLock']);

/** Named keys and their aliases (lower case) → the KeyboardEvent.key name. */
const NAMED: Record<string, string> = {
  enter: 'Enter',
  return: 'Enter',
  escape: 'Escape',
  esc: 'Escape',
  delete: 'Delete',
  del: 'Delete',
  backspace: 'Backspace',
  tab: 'Tab',
  space: 'Space',
  spacebar: 'Space',
  arrowleft: 'ArrowLeft',
  left: 'ArrowLeft',
  arrowright: 'ArrowRight',
  right: 'ArrowRight',
  arrowup: 'ArrowUp',
  up: 'ArrowUp',
  arrowdown: 'ArrowDown',
  down: 'ArrowDown',
  home: 'Home',
  end: 'End',
  pageup: 'PageUp',
  pagedown: 'PageDown',
  insert: 'Insert',
  ins: 'Insert',
};

/** Names for symbols, accepted when parsing. */
const SYMBOL_NAMES: Record<string, string> = { plus: '+', minus: '-', equal: '=', equals: '=', comma: ',', period: '.', slash: '/', backslash: '\\', question: '?' };

/** A US layout's Shift+symbol, so "Shift+/" can be written for "?". */
const US_SHIFTED: Record<string, string> = {
  '`': '~', '1': '!', '2': '@', '3': '#', '4': '$', '5': '%', '6': '^', '7': '&', '8': '*', '9': '(', '0': ')',
  '-': '_', '=': '+', '[': '{', ']': '}', '\\': '|', ';': ':', "'": '"', ',': '<', '.': '>', '/': '?',
};

/** Where a US layout has its unshifted symbols (KeyboardEvent.code). */
const US_CODE: Record<string, string> = {
  '`': 'Backquote', '-': 'Minus', '=': 'Equal', '[': 'BracketLeft', ']': 'BracketRight', '\\': 'Backslash',
  ';': 'Semicolon', "'": 'Quote', ',': 'Comma', '.': 'Period', '/': 'Slash',
};

const MODIFIER_TOKENS: Record<string, 'mod' | 'ctrl' | 'meta' | 'alt' | 'shift'> = {
  mod: 'mod',
  cmdorctrl: 'mod',
  commandorcontrol: 'mod',
  ctrl: 'ctrl',
  control: 'ctrl',
  meta: 'meta',
  cmd: 'meta',
  command: 'meta',
  super: 'meta',
  win: 'meta',
  alt: 'alt',
  option: 'alt',
  opt: 'alt',
  shift: 'shift',
};

const isAsciiLetter = (s: string) => /^[a-zA-Z]$/.test(s);
const isSingleChar = (s: string) => [...s].length === 1;
/** A single character with upper and lower case (é, ж): treated like a letter. */
const hasCase = (s: string) => s.toUpperCase() !== s.toLowerCase();

/** Normalise a key (a KeyboardEvent.key value or a parsed token); null if it is not a key a chord can end in. */
function normalizeKey(raw: string, shift: boolean, written: boolean): { key: string; shift: boolean } | null {
  if (raw === ' ') return { key: 'Space', shift };
  if (isSingleChar(raw)) {
    if (isAsciiLetter(raw) || (hasCase(raw) && isSingleChar(raw.toUpperCase()))) return { key: raw.toUpperCase(), shift };
    // A symbol: Shift is part of the character. An event's key is already the shifted character;
    // a written "Shift+/" means what Shift+/ types on a US layout.
    return { key: written && shift && US_SHIFTED[raw] ? US_SHIFTED[raw] : raw, shift: false };
  }
  const lower = raw.toLowerCase();
  if (NAMED[lower]) return { key: NAMED[lower], shift };
  if (written && SYMBOL_NAMES[lower]) return normalizeKey(SYMBOL_NAMES[lower], shift, written);
  const f = /^f([1-9]|1[0-9]|2[0-4])$/.exec(lower);
  if (f) return { key: `F${f[1]}`, shift };
  return null;
}

function makeChord(mods: { mod?: boolean; ctrl?: boolean; meta?: boolean; alt?: boolean; shift?: boolean }, rawKey: string, written: boolean): Chord | null {
  const k = normalizeKey(rawKey, !!mods.shift, written);
  if (!k) return null;
  return { mod: !!mods.mod, ctrl: !!mods.ctrl, meta: !!mods.meta, alt: !!mods.alt, shift: k.shift, key: k.key };
}

/**
 * Parse "Mod+Shift+Z", "ctrl+enter", "Shift+/", "+", "Ctrl++", "Esc"; null when it is not a chord
 * (empty, an unknown modifier or key, or modifiers alone).
 */
export function parseChord(text: string): Chord | null {
  const t = text.trim();
  if (!t) return null;
  let keyToken: string;
  let modTokens: string[];
  if (t === '+') {
    keyToken = '+';
    modTokens = [];
  } else if (t.endsWith('++')) {
    keyToken = '+';
    modTokens = t.slice(0, -2).split('+');
  } else {
    const parts = t.split('+');
    keyToken = parts.pop()!.trim();
    modTokens = parts;
  }
  const mods = { mod: false, ctrl: false, meta: false, alt: false, shift: false };
  for (const tok of modTokens) {
    const m = MODIFIER_TOKENS[tok.trim().toLowerCase()];
    if (!m) return null;
    mods[m] = true;
  }
  if (keyToken === '') return null;
  return makeChord(mods, keyToken, true);
}

/** The canonical string of a chord: "Mod+Shift+Z". */
export function chordToString(c: Chord): string {
  const parts: string[] = [];
  if (c.mod) parts.push('Mod');
  if (c.ctrl) parts.push('Ctrl');
  if (c.meta) parts.push('Meta');
  if (c.alt) parts.push('Alt');
  if (c.shift) parts.push('Shift');
  parts.push(c.key);
  return parts.join('+');
}

/** Parse and write back canonically; null when not a chord. */
export function normalizeChord(text: string): string | null {
  const c = parseChord(text);
  return c ? chordToString(c) : null;
}

const asChord = (c: Chord | string): Chord | null => (typeof c === 'string' ? parseChord(c) : c);

/** The physical modifiers of a chord on a platform, Mod resolved: the identity used for matching and conflicts. */
export function concreteChord(c: Chord | string, platform: Platform): string | null {
  const chord = asChord(c);
  if (!chord) return null;
  const ctrl = chord.ctrl || (chord.mod && platform !== 'mac');
  const meta = chord.meta || (chord.mod && platform === 'mac');
  return `${ctrl ? 'C' : '-'}${meta ? 'M' : '-'}${chord.alt ? 'A' : '-'}${chord.shift ? 'S' : '-'}|${chord.key}`;
}

/** Two chords press the same keys on this platform. */
export function sameChord(a: Chord | string, b: Chord | string, platform: Platform): boolean {
  const x = concreteChord(a, platform);
  return x !== null && x === concreteChord(b, platform);
}

const KEY_LABEL_OTHER: Record<string, string> = {
  ArrowLeft: '←',
  ArrowRight: '→',
  ArrowUp: '↑',
  ArrowDown: '↓',
  Escape: 'Esc',
  Delete: 'Del',
  PageUp: 'PgUp',
  PageDown: 'PgDn',
  Insert: 'Ins',
};

const KEY_LABEL_MAC: Record<string, string> = {
  ArrowLeft: '←',
  ArrowRight: '→',
  ArrowUp: '↑',
  ArrowDown: '↓',
  Enter: '↩',
  Escape: '⎋',
  Delete: '⌦',
  Backspace: '⌫',
  Tab: '⇥',
  PageUp: '⇞',
  PageDown: '⇟',
  Home: '↖',
  End: '↘',
};

/**
 * A chord as people read it: "Ctrl+Shift+Z" on Linux / Windows, "⇧⌘Z" on macOS (modifiers in
 * Apple's order ⌃⌥⇧⌘, no separators). An unparseable string is returned as it is.
 */
export function formatChord(c: Chord | string, platform: Platform): string {
  const chord = asChord(c);
  if (!chord) return typeof c === 'string' ? c : '';
  if (platform === 'mac') {
    const key = KEY_LABEL_MAC[chord.key] ?? chord.key;
    return `${chord.ctrl ? '⌃' : ''}${chord.alt ? '⌥' : ''}${chord.shift ? '⇧' : ''}${chord.mod || chord.meta ? '⌘' : ''}${key}`;
  }
  const parts: string[] = [];
  if (chord.mod || chord.ctrl) parts.push('Ctrl');
  if (chord.meta) parts.push('Meta');
  if (chord.alt) parts.push('Alt');
  if (chord.shift) parts.push('Shift');
  parts.push(KEY_LABEL_OTHER[chord.key] ?? chord.key);
  return parts.join('+');
}

/** An action's chords for display, without two that press the same keys on this platform. */
export function formatChords(chords: readonly string[], platform: Platform): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of chords) {
    const id = concreteChord(s, platform);
    if (id === null || seen.has(id)) continue;
    seen.add(id);
    out.push(formatChord(s, platform));
  }
  return out;
}

/**
 * The chord a keydown event presses, with Mod for the platform's command key (Ctrl elsewhere, ⌘
 * on macOS); null for a modifier alone, a dead key, IME composition or an unknown key.
 *
 * The key is read from `key`, so it follows the keyboard layout; `code` is the fallback when Alt
 * (Option on macOS) or a non-Latin layout turns a letter into another character.
 */
export function chordFromEvent(e: KeyEventLike, platform: Platform): Chord | null {
  if (e.isComposing) return null;
  const code = e.code ?? '';
  const codeLetter = /^Key([A-Z])$/.exec(code)?.[1];
  const codeDigit = /^Digit([0-9])$/.exec(code)?.[1];
  let raw = e.key;
  if (!raw || raw === 'Unidentified' || raw === 'Process' || raw === 'Dead') {
    // macOS Option+E and friends are dead keys; the physical letter is what the chord means.
    if (e.altKey && codeLetter) raw = codeLetter;
    else return null;
  }
  if (MODIFIER_KEYS.has(raw)) return null;
  if (isSingleChar(raw) && raw !== ' ' && !isAsciiLetter(raw)) {
    const ascii = /^[\x21-\x7e]$/.test(raw);
    if (codeLetter && (e.altKey || !ascii)) raw = codeLetter;
    else if (codeDigit && e.altKey) raw = codeDigit;
    // With Ctrl or ⌘ some browsers report the unshifted symbol while Shift is held (⌘⇧/ as "/").
    else if (e.shiftKey && (e.ctrlKey || e.metaKey) && US_CODE[raw] === code) raw = US_SHIFTED[raw];
  }
  const mac = platform === 'mac';
  return makeChord(
    {
      mod: mac ? e.metaKey : e.ctrlKey,
      ctrl: mac ? e.ctrlKey : false,
      meta: mac ? false : e.metaKey,
      alt: e.altKey,
      shift: e.shiftKey,
    },
    raw,
    false,
  );
}

export interface NavigatorLike {
  readonly platform?: string;
  readonly userAgent?: string;
  readonly userAgentData?: { readonly platform?: string };
}

/** The platform of a navigator (default: this one's): 'mac' for macOS and iOS, else 'other'. */
export function detectPlatform(nav?: NavigatorLike): Platform {
  const n = nav ?? (globalThis as unknown as { navigator?: NavigatorLike }).navigator;
  if (!n) return 'other';
  const p = n.userAgentData?.platform || n.platform || n.userAgent || '';
  return /mac|iphone|ipad|ipod/i.test(p) ? 'mac' : 'other';
}

/** Focus is where typing goes (text inputs, text areas, selects, contenteditable): shortcuts should stay out. */
export function isEditableTarget(target: unknown): boolean {
  const el = target as { tagName?: string; type?: string; isContentEditable?: boolean } | null;
  if (!el || typeof el !== 'object') return false;
  if (el.isContentEditable) return true;
  const tag = (el.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return !['checkbox', 'radio', 'button', 'submit', 'reset', 'color', 'file'].includes((el.type ?? 'text').toLowerCase());
  return false;
}

// ---------------------------------------------------------------------------------------------
// Keymaps

/** The default keymap: every action with the chords of the table. */
export function defaultKeymap(): Keymap {
  const km = {} as Record<ActionId, readonly string[]>;
  for (const a of ACTIONS) km[a.id] = a.defaults.map((d) => normalizeChord(d) ?? d);
  return km;
}

const chordsOf = (keymap: Keymap, id: ActionId): readonly string[] => keymap[id] ?? [];

/** Whether an action is bound to exactly its defaults. */
export function isDefaultBinding(keymap: Keymap, id: ActionId): boolean {
  const defaults = defaultKeymap()[id];
  const cur = chordsOf(keymap, id);
  return cur.length === defaults.length && cur.every((c, i) => normalizeChord(c) === defaults[i]);
}

/**
 * The action a keydown event triggers, or null. When several actions share the chord, a
 * `whenBoxSelected` action (a nudge) wins while a box is selected and is skipped otherwise;
 * then the first in table order wins.
 */
export function resolve(keymap: Keymap, event: KeyEventLike, context: ResolveContext): ActionId | null {
  if (context.inTextField) return null;
  const chord = chordFromEvent(event, context.platform);
  if (!chord) return null;
  const id = concreteChord(chord, context.platform);
  let fallback: ActionId | null = null;
  for (const a of ACTIONS) {
    if (!chordsOf(keymap, a.id).some((c) => concreteChord(c, context.platform) === id)) continue;
    if (a.whenBoxSelected) {
      if (context.boxSelected) return a.id;
    } else if (fallback === null) {
      fallback = a.id;
      if (!context.boxSelected) return a.id;
    }
  }
  return fallback;
}

/** The class whose hotkey this keydown presses (the key alone, no Ctrl / ⌘ / Alt), or null. Call after resolve. */
export function resolveClassHotkey<T extends ClassHotkey>(event: KeyEventLike, classHotkeys: readonly T[]): T | null {
  if (event.isComposing) return null;
  const chord = chordFromEvent(event, 'other');
  if (!chord || chord.mod || chord.ctrl || chord.meta || chord.alt || chord.shift) return null;
  return classHotkeys.find((h) => parseChord(h.key)?.key === chord.key) ?? null;
}

/** Two actions may share a chord by design: a nudge (box selected) and a navigation that yields to it. */
export function mayShare(a: ActionDef, b: ActionDef): boolean {
  return (!!a.whenBoxSelected && !!b.yieldsToBoxActions) || (!!b.whenBoxSelected && !!a.yieldsToBoxActions);
}

const RESERVED: { chord: string; forWhat: string }[] = [
  { chord: 'Tab', forWhat: 'moving the keyboard focus' },
  { chord: 'Shift+Tab', forWhat: 'moving the keyboard focus' },
  { chord: 'Space', forWhat: 'panning the canvas' },
];

type Refusal = Extract<RemapResult, { ok: false }>;

/**
 * Why `chord` cannot be bound to `actionId` in this keymap, or null when it can: another action
 * has it (unless the pair shares keys by design), a class uses it as its hotkey, or it is reserved.
 */
export function findConflict(
  keymap: Keymap,
  actionId: ActionId,
  chord: Chord | string,
  classHotkeys: readonly ClassHotkey[],
  platform: Platform,
): Refusal | null {
  const c = asChord(chord);
  if (!c) return { ok: false, reason: 'invalid', conflict: String(chord), message: `"${String(chord)}" is not a key combination` };
  const shown = formatChord(c, platform);
  const id = concreteChord(c, platform);
  for (const r of RESERVED) {
    if (concreteChord(r.chord, platform) === id) return { ok: false, reason: 'reserved', conflict: r.forWhat, message: `${shown} is reserved for ${r.forWhat}` };
  }
  const self = actionById(actionId);
  for (const a of ACTIONS) {
    if (a.id === actionId || mayShare(self, a)) continue;
    if (chordsOf(keymap, a.id).some((x) => concreteChord(x, platform) === id)) {
      return { ok: false, reason: 'action', actionId: a.id, conflict: a.label, message: `${shown} is already used by ${a.label}` };
    }
  }
  for (const h of classHotkeys) {
    const hc = parseChord(h.key);
    if (hc && concreteChord({ ...hc, shift: false }, platform) === id) {
      return { ok: false, reason: 'class', conflict: h.name, message: `${shown} is already used by class "${h.name}"` };
    }
  }
  return null;
}

export interface RemapOptions {
  /** Default: this navigator's platform. */
  readonly platform?: Platform;
  /** 'replace' (default): the chord becomes the action's only one; 'add': it joins the others. */
  readonly mode?: 'replace' | 'add';
}

/** Bind `chord` to `actionId`, or refuse, naming who already has the key. */
export function remap(
  keymap: Keymap,
  actionId: ActionId,
  chord: Chord | string,
  classHotkeys: readonly ClassHotkey[] = [],
  options: RemapOptions = {},
): RemapResult {
  const platform = options.platform ?? detectPlatform();
  const refusal = findConflict(keymap, actionId, chord, classHotkeys, platform);
  if (refusal) return refusal;
  const s = chordToString(asChord(chord)!);
  let next: string[];
  if (options.mode === 'add') {
    const cur = [...chordsOf(keymap, actionId)];
    next = cur.some((x) => sameChord(x, s, platform)) ? cur : [...cur, s];
  } else {
    next = [s];
  }
  return { ok: true, keymap: { ...keymap, [actionId]: next } };
}

/** Drop one chord from an action (it may end up unbound). */
export function removeChord(keymap: Keymap, actionId: ActionId, chord: string, platform: Platform = detectPlatform()): Keymap {
  return { ...keymap, [actionId]: chordsOf(keymap, actionId).filter((c) => !sameChord(c, chord, platform)) };
}

/** Put one action back on its defaults, or refuse when another action or a class has since taken one of them. */
export function resetAction(
  keymap: Keymap,
  actionId: ActionId,
  classHotkeys: readonly ClassHotkey[] = [],
  platform: Platform = detectPlatform(),
): RemapResult {
  const defaults = defaultKeymap()[actionId];
  for (const d of defaults) {
    const refusal = findConflict(keymap, actionId, d, classHotkeys, platform);
    if (refusal) return refusal;
  }
  return { ok: true, keymap: { ...keymap, [actionId]: defaults } };
}

/** Every action back on its defaults. */
export function resetAll(): Keymap {
  return defaultKeymap();
}

export interface KeymapConflict {
  /** The chord, canonical. */
  readonly chord: string;
  readonly actionIds: readonly ActionId[];
  readonly className?: string;
  readonly message: string;
}

/**
 * Every chord bound twice in a keymap (other than by design), or shadowing a class hotkey: for a
 * warning in the settings dialog or the class palette. A valid keymap made by remap has none
 * among actions; class hotkeys set later may still collide with a default.
 */
export function findConflicts(keymap: Keymap, classHotkeys: readonly ClassHotkey[], platform: Platform): KeymapConflict[] {
  const out: KeymapConflict[] = [];
  const seen: { id: string; chord: string; action: ActionDef }[] = [];
  for (const a of ACTIONS) {
    const mine = new Set<string>();
    for (const c of chordsOf(keymap, a.id)) {
      const id = concreteChord(c, platform);
      if (id === null || mine.has(id)) continue;
      mine.add(id);
      for (const s of seen) {
        if (s.id === id && !mayShare(s.action, a)) {
          out.push({ chord: s.chord, actionIds: [s.action.id, a.id], message: `${formatChord(c, platform)} is bound to both ${s.action.label} and ${a.label}` });
        }
      }
      seen.push({ id, chord: normalizeChord(c)!, action: a });
    }
  }
  for (const h of classHotkeys) {
    const hc = parseChord(h.key);
    if (!hc) continue;
    const id = concreteChord({ ...hc, shift: false }, platform);
    const hit = seen.find((s) => s.id === id);
    if (hit) {
      out.push({
        chord: hit.chord,
        actionIds: [hit.action.id],
        className: h.name,
        message: `${formatChord(hc, platform)} is the hotkey of class "${h.name}" and of ${hit.action.label}; the action wins`,
      });
    }
  }
  return out;
}

/** The label of the action a would-be class hotkey (one digit or letter) collides with, or null: for the class palette. */
export function classHotkeyConflict(keymap: Keymap, key: string, platform: Platform): string | null {
  const c = parseChord(key);
  if (!c) return null;
  const id = concreteChord({ ...c, shift: false }, platform);
  return ACTIONS.find((a) => chordsOf(keymap, a.id).some((x) => concreteChord(x, platform) === id))?.label ?? null;
}

// ---------------------------------------------------------------------------------------------
// Storage

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const VERSION = 1;

/** The localStorage key of a user's shortcuts. */
export function storageKey(user: string): string {
  return `loupe.shortcuts.v${VERSION}.${user}`;
}

export interface LoadResult {
  readonly keymap: Keymap;
  /** What was wrong with the stored data and ignored (empty when it was fine or absent). */
  readonly problems: readonly string[];
}

/**
 * A user's keymap: the defaults with their stored changes. Never throws: unreadable or corrupt
 * data is ignored (the defaults stand in for it) and said in `problems`.
 */
export function loadKeymap(storage: KeyValueStorage | null | undefined, user: string, platform: Platform = detectPlatform()): LoadResult {
  const keymap = { ...defaultKeymap() } as Record<ActionId, readonly string[]>;
  const problems: string[] = [];
  const key = storageKey(user);
  let raw: string | null;
  try {
    raw = storage ? storage.getItem(key) : null;
  } catch (e) {
    return { keymap, problems: [`Could not read the saved shortcuts (${(e as Error).message}); using the defaults.`] };
  }
  if (raw === null) return { keymap, problems };
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { keymap, problems: [`The saved shortcuts (${key}) are not valid JSON; using the defaults.`] };
  }
  const obj = data as { version?: unknown; bindings?: unknown } | null;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj) || obj.version !== VERSION || !obj.bindings || typeof obj.bindings !== 'object' || Array.isArray(obj.bindings)) {
    return { keymap, problems: [`The saved shortcuts (${key}) are not in the expected form; using the defaults.`] };
  }
  for (const [id, chords] of Object.entries(obj.bindings as Record<string, unknown>)) {
    if (!isActionId(id)) {
      problems.push(`Ignored saved shortcuts for an unknown action "${id}".`);
      continue;
    }
    const label = actionById(id).label;
    if (!Array.isArray(chords) || !chords.every((c) => typeof c === 'string')) {
      problems.push(`Ignored the saved shortcuts of ${label}: not a list of keys.`);
      continue;
    }
    const parsed = chords.map((c: string) => normalizeChord(c));
    const bad = chords.filter((_c: string, i: number) => parsed[i] === null);
    if (bad.length) {
      problems.push(`Ignored the saved shortcuts of ${label}: ${bad.map((b: string) => `"${b}"`).join(', ')} is not a key combination.`);
      continue;
    }
    keymap[id] = parsed as string[];
  }
  for (const c of findConflicts(keymap, [], platform)) problems.push(`${c.message}; the first one wins.`);
  return { keymap, problems };
}

/** Store a user's keymap (only what differs from the defaults; nothing when nothing does). */
export function saveKeymap(storage: KeyValueStorage, user: string, keymap: Keymap): { ok: true } | { ok: false; error: string } {
  const bindings: Record<string, readonly string[]> = {};
  for (const a of ACTIONS) if (!isDefaultBinding(keymap, a.id)) bindings[a.id] = chordsOf(keymap, a.id).map((c) => normalizeChord(c) ?? c);
  try {
    if (Object.keys(bindings).length === 0) storage.removeItem(storageKey(user));
    else storage.setItem(storageKey(user), JSON.stringify({ version: VERSION, bindings }));
    return { ok: true };
  } catch (e) {
    return { ok: false, error: `Could not save the shortcuts: ${(e as Error).message}` };
  }
}
