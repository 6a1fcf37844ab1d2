import { useEffect, useRef, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { actionsByGroup } from '../shortcuts/actions.ts';
import { chordFromEvent, detectPlatform, formatChord, formatChords, parseChord, sameChord, type ClassHotkey, type Keymap, type Platform } from '../shortcuts/keymap.ts';
import '../shortcuts/shortcuts.css';
import { Modal } from './Modal.tsx';

interface Props {
  keymap: Keymap;
  /** Listed in their own group when given. */
  classHotkeys?: readonly ClassHotkey[];
  /** Default: this machine's. */
  platform?: Platform;
  onClose(): void;
  /** Opens the keyboard-shortcuts settings from the sheet's footer, when given. */
  onCustomize?(): void;
}

/** One action's keys as <kbd>s. */
export function Keys({ chords, platform }: { chords: readonly string[]; platform: Platform }) {
  const shown = formatChords(chords, platform);
  if (shown.length === 0) return <span className="sc-unbound">not set</span>;
  return (
    <span className="sc-keys">
      {shown.map((k, i) => (
        <span key={k}>
          {i > 0 && <span className="sc-or"> or </span>}
          <kbd className="sc-kbd">{k}</kbd>
        </span>
      ))}
    </span>
  );
}

/**
 * The cheat sheet: every action by group with its current keys, in as many columns as fit.
 * Escape, the close button or the sheet's own key ("?" by default) closes it.
 */
export function ShortcutsSheet({ keymap, classHotkeys = [], platform: given, onClose, onCustomize }: Props) {
  const platform = given ?? detectPlatform();
  const root = useRef<HTMLDivElement>(null);

  // Take the focus so the keys come here, and give it back on close.
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    root.current?.focus();
    return () => before?.focus?.();
  }, []);

  // Escape closes even when focus is elsewhere (the Modal lets Escape through).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const onKeyDown = (e: ReactKeyboardEvent) => {
    const chord = chordFromEvent(e, platform);
    if (chord && (keymap['view.shortcuts'] ?? []).some((c) => sameChord(c, chord, platform))) {
      e.preventDefault();
      onClose();
    }
  };

  const notes = new Map<string, number>();
  const groups = actionsByGroup().filter((g) => g.actions.length > 0);
  for (const g of groups) for (const a of g.actions) if (a.note && !notes.has(a.note)) notes.set(a.note, notes.size + 1);
  const marks = ['*', '†', '‡'];
  const hotkeys = classHotkeys.filter((h) => parseChord(h.key));

  return (
    <Modal title="Keyboard shortcuts" testId="shortcuts-sheet" onClose={onClose}>
      <div className="sc-root" ref={root} tabIndex={-1} onKeyDown={onKeyDown}>
        <div className="sc-sheet">
          {groups.map((g) => (
            <section className="sc-group" key={g.group} data-testid={`shortcuts-group-${g.group}`}>
              <h3>{g.group}</h3>
              <ul className="sc-list">
                {g.actions.map((a) => (
                  <li className="sc-item" key={a.id} data-testid={`shortcuts-item-${a.id}`}>
                    <span className="sc-label">
                      {a.label}
                      {a.note && <span className="sc-mark">{marks[(notes.get(a.note)! - 1) % marks.length]}</span>}
                    </span>
                    <Keys chords={keymap[a.id] ?? []} platform={platform} />
                  </li>
                ))}
              </ul>
            </section>
          ))}
          {hotkeys.length > 0 && (
            <section className="sc-group" data-testid="shortcuts-group-Classes">
              <h3>Classes</h3>
              <ul className="sc-list">
                {hotkeys.map((h) => (
                  <li className="sc-item" key={h.key}>
                    <span className="sc-label">{h.name}</span>
                    <kbd className="sc-kbd">{formatChord(h.key, platform)}</kbd>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>
        {[...notes].map(([note, n]) => (
          <p className="sc-footnote" key={note}>
            {marks[(n - 1) % marks.length]} {note}
          </p>
        ))}
        <div className="sc-footer">
          <span>
            Press <kbd className="sc-kbd">{formatChords(keymap['view.shortcuts'] ?? [], platform)[0] ?? '?'}</kbd> or{' '}
            <kbd className="sc-kbd">{formatChord('Escape', platform)}</kbd> to close
          </span>
          {onCustomize && (
            <button type="button" className="sc-button" onClick={onCustomize} data-testid="shortcuts-customize">
              Customize…
            </button>
          )}
        </div>
      </div>
    </Modal>
  );
}
