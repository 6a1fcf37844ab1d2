import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { actionById, type ActionId } from '../shortcuts/actions.ts';
import { filterActions } from '../shortcuts/filter.ts';
import {
  chordFromEvent,
  chordToString,
  detectPlatform,
  findConflicts,
  formatChord,
  formatChords,
  isDefaultBinding,
  remap,
  removeChord,
  resetAction,
  resetAll,
  sameChord,
  type ClassHotkey,
  type Keymap,
  type Platform,
} from '../shortcuts/keymap.ts';
import '../shortcuts/shortcuts.css';
import { Modal } from './Modal.tsx';

interface Props {
  keymap: Keymap;
  classHotkeys: readonly ClassHotkey[];
  /** A new keymap to use and persist (saveKeymap): the dialog keeps none of its own. */
  onChange(keymap: Keymap): void;
  onClose(): void;
  /** Default: this machine's. */
  platform?: Platform;
}

/** An action's chords without two that press the same keys on this platform (Mod+Enter and Ctrl+Enter off macOS). */
function distinct(chords: readonly string[], platform: Platform): string[] {
  const out: string[] = [];
  for (const c of chords) if (!out.some((o) => sameChord(o, c, platform))) out.push(c);
  return out;
}

type Capture = { id: ActionId; mode: 'replace' | 'add' };

/**
 * Keyboard shortcuts settings: a filterable list of actions with their keys. "Change" (or Enter
 * on a row) listens for the next chord and applies it, or shows inline who already has it;
 * Escape cancels listening, and closes the dialog otherwise. "Add" adds a chord instead of
 * replacing, × removes one, "Reset" restores an action's defaults, "Reset all" every action's.
 *
 * Keyboard: Tab moves filter → the current row → its buttons → Reset all → Done; ↑/↓ (Home/End) move
 * between rows; Enter on a row changes it; Delete or Backspace on a row resets it.
 */
export function SettingsDialog({ keymap, classHotkeys, onChange, onClose, platform: given }: Props) {
  const platform = given ?? detectPlatform();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState<ActionId | null>(null);
  const [capture, setCapture] = useState<Capture | null>(null);
  const [error, setError] = useState<{ id: ActionId; message: string } | null>(null);
  const [status, setStatus] = useState('');
  const rows = useRef(new Map<ActionId, HTMLLIElement>());
  const changeButtons = useRef(new Map<ActionId, HTMLButtonElement>());
  const filterRef = useRef<HTMLInputElement>(null);

  const shown = useMemo(() => filterActions(keymap, query, platform), [keymap, query, platform]);
  const current = active && shown.some((a) => a.id === active) ? active : (shown[0]?.id ?? null);
  const warnings = useMemo(() => findConflicts(keymap, classHotkeys, platform), [keymap, classHotkeys, platform]);
  const label = (id: ActionId) => actionById(id).label;
  const keysText = (km: Keymap, id: ActionId) => formatChords(km[id] ?? [], platform).join(' or ') || 'no keys';

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    filterRef.current?.focus();
    return () => before?.focus?.();
  }, []);

  const focusRow = (id: ActionId | null) => {
    if (!id) return;
    setActive(id);
    rows.current.get(id)?.focus();
  };

  const start = (id: ActionId, mode: Capture['mode'] = 'replace') => {
    setActive(id);
    setError(null);
    setStatus(`Press the new keys for ${label(id)}; Escape cancels.`);
    setCapture({ id, mode });
  };

  const apply = useCallback(
    (c: Capture, chordText: string) => {
      const r = remap(keymap, c.id, chordText, classHotkeys, { platform, mode: c.mode });
      if (r.ok) {
        onChange(r.keymap);
        setError(null);
        setStatus(`${actionById(c.id).label}: ${formatChords(r.keymap[c.id], platform).join(' or ')}`);
      } else {
        setError({ id: c.id, message: r.message });
        setStatus(r.message);
      }
    },
    [keymap, classHotkeys, platform, onChange],
  );

  // While listening, every key goes here first (capture phase on window), before the dialog,
  // the workspace or the browser act on it.
  useEffect(() => {
    if (!capture) return;
    const done = () => {
      setCapture(null);
      // Back to the button that started it, after React re-renders the row.
      queueMicrotask(() => changeButtons.current.get(capture.id)?.focus());
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Tab' && !e.ctrlKey && !e.metaKey && !e.altKey) {
        // Let Tab move the focus as usual; listening stops.
        setCapture(null);
        setStatus('');
        return;
      }
      e.preventDefault();
      e.stopPropagation();
      e.stopImmediatePropagation();
      if (e.key === 'Escape' && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
        setStatus('Change cancelled.');
        done();
        return;
      }
      const chord = chordFromEvent(e, platform);
      if (!chord) return; // a modifier on its own: wait for the key
      apply(capture, chordToString(chord));
      done();
    };
    // The keyup of the chord must not reach the workspace either.
    const swallow = (e: KeyboardEvent) => {
      e.stopPropagation();
    };
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('keyup', swallow, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      window.removeEventListener('keyup', swallow, true);
    };
  }, [capture, platform, apply]);

  // Escape closes the dialog when not listening (focus may have fallen back to the page).
  useEffect(() => {
    if (capture) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [capture, onClose]);

  const reset = (id: ActionId) => {
    const r = resetAction(keymap, id, classHotkeys, platform);
    if (r.ok) {
      onChange(r.keymap);
      setError(null);
      setStatus(`${label(id)} reset to ${keysText(r.keymap, id)}.`);
    } else {
      setError({ id, message: `Cannot reset: ${r.message}` });
      setStatus(`Cannot reset: ${r.message}`);
    }
  };

  const remove = (id: ActionId, chord: string) => {
    const next = removeChord(keymap, id, chord, platform);
    onChange(next);
    setError(null);
    setStatus(`${label(id)}: ${keysText(next, id)}.`);
    queueMicrotask(() => changeButtons.current.get(id)?.focus());
  };

  const onRowKeyDown = (e: ReactKeyboardEvent<HTMLLIElement>, id: ActionId) => {
    if (capture) return;
    const i = shown.findIndex((a) => a.id === id);
    const onRow = e.target === e.currentTarget;
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        focusRow(shown[Math.min(i + 1, shown.length - 1)]?.id ?? null);
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (i === 0) filterRef.current?.focus();
        else focusRow(shown[i - 1]?.id ?? null);
        break;
      case 'Home':
        e.preventDefault();
        focusRow(shown[0]?.id ?? null);
        break;
      case 'End':
        e.preventDefault();
        focusRow(shown[shown.length - 1]?.id ?? null);
        break;
      case 'Enter':
        if (onRow) {
          e.preventDefault();
          start(id);
        }
        break;
      case 'Delete':
      case 'Backspace':
        if (onRow) {
          e.preventDefault();
          reset(id);
        }
        break;
    }
  };

  return (
    <Modal title="Keyboard shortcuts" testId="settings-dialog" onClose={onClose}>
      <div className="sc-root sc-settings" data-testid="shortcut-settings">
        <div className="sc-toolbar">
          <input
            ref={filterRef}
            className="sc-filter"
            type="search"
            placeholder="Filter by name or keys (e.g. undo, Ctrl+Z)"
            aria-label="Filter shortcuts"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowDown' || (e.key === 'Enter' && shown.length > 0)) {
                e.preventDefault();
                focusRow(current);
              }
            }}
            data-testid="shortcut-filter"
          />
        </div>

        {warnings.length > 0 && (
          <ul className="sc-warnings" data-testid="shortcut-warnings">
            {warnings.map((w) => (
              <li key={`${w.chord}-${w.actionIds.join()}-${w.className ?? ''}`}>{w.message}</li>
            ))}
          </ul>
        )}

        <ul className="sc-table" role="list" aria-label="Shortcuts">
          {shown.length === 0 && <li className="sc-empty">No action matches “{query}”.</li>}
          {shown.map((a) => {
            const isCurrent = a.id === current;
            const listening = capture?.id === a.id;
            const chords = keymap[a.id] ?? [];
            const shownChords = formatChords(chords, platform);
            const modified = !isDefaultBinding(keymap, a.id);
            const rowError = error?.id === a.id ? error.message : null;
            const tab = isCurrent ? 0 : -1;
            return (
              <li
                key={a.id}
                ref={(el) => {
                  if (el) rows.current.set(a.id, el);
                  else rows.current.delete(a.id);
                }}
                className={`sc-row${isCurrent ? ' sc-active' : ''}${listening ? ' sc-capturing' : ''}`}
                tabIndex={tab}
                aria-label={`${a.label}: ${shownChords.join(' or ') || 'no keys'}${modified ? ' (changed)' : ''}. Enter to change.`}
                onFocus={() => setActive(a.id)}
                onKeyDown={(e) => onRowKeyDown(e, a.id)}
                data-testid={`shortcut-row-${a.id}`}
                data-keys={chords.join(' ')}
              >
                <span className="sc-label">
                  {a.label}
                  {modified && (
                    <span className="sc-modified" title="Changed from the default">
                      •
                    </span>
                  )}
                  <span className="sc-group-tag">{a.group}</span>
                </span>
                {listening ? (
                  <span className="sc-prompt" data-testid="shortcut-capturing">
                    Press keys… <kbd className="sc-kbd">{formatChord('Escape', platform)}</kbd> cancels
                  </span>
                ) : (
                  <span className="sc-keys" data-testid={`shortcut-keys-${a.id}`}>
                    {shownChords.length === 0 && <span className="sc-unbound">not set</span>}
                    {distinct(chords, platform).map((c, i) => {
                      const text = formatChord(c, platform);
                      return (
                        <span key={c}>
                          <kbd className="sc-kbd">{text}</kbd>
                          <button
                            type="button"
                            className="sc-remove"
                            tabIndex={tab}
                            aria-label={`Remove ${text} from ${a.label}`}
                            title="Remove this key"
                            onClick={() => remove(a.id, c)}
                            data-testid={`shortcut-remove-${a.id}-${i}`}
                          >
                            ×
                          </button>
                        </span>
                      );
                    })}
                  </span>
                )}
                <span className="sc-actions">
                  <button
                    type="button"
                    className="sc-button sc-primary"
                    tabIndex={tab}
                    ref={(el) => {
                      if (el) changeButtons.current.set(a.id, el);
                      else changeButtons.current.delete(a.id);
                    }}
                    onClick={() => start(a.id)}
                    aria-pressed={listening}
                    data-testid={`shortcut-change-${a.id}`}
                  >
                    {listening && capture?.mode === 'replace' ? 'Listening…' : 'Change'}
                  </button>
                  <button
                    type="button"
                    className="sc-button"
                    tabIndex={tab}
                    onClick={() => start(a.id, 'add')}
                    aria-label={`Add a key to ${a.label}`}
                    title="Add another key"
                    data-testid={`shortcut-add-${a.id}`}
                  >
                    {listening && capture?.mode === 'add' ? 'Listening…' : 'Add'}
                  </button>
                  <button
                    type="button"
                    className="sc-button"
                    tabIndex={tab}
                    onClick={() => reset(a.id)}
                    disabled={!modified}
                    aria-label={`Reset ${a.label} to its default`}
                    title={`Default: ${formatChords(a.defaults, platform).join(' or ')}`}
                    data-testid={`shortcut-reset-${a.id}`}
                  >
                    Reset
                  </button>
                </span>
                {rowError ? (
                  <p className="sc-error" role="alert" data-testid="shortcut-error">
                    {rowError}
                  </p>
                ) : (
                  a.note && isCurrent && <p className="sc-note">{a.note}</p>
                )}
              </li>
            );
          })}
        </ul>
        <div className="sc-footer">
          <div className="sc-status" role="status" aria-live="polite" data-testid="shortcut-status">
            {status}
          </div>
          <button
            type="button"
            className="sc-button"
            onClick={() => {
              onChange(resetAll());
              setError(null);
              setStatus('Every shortcut is back to its default.');
            }}
            data-testid="shortcut-reset-all"
          >
            Reset all
          </button>
          <button type="button" className="sc-button sc-primary" onClick={onClose} data-testid="shortcut-done">
            Done
          </button>
        </div>
      </div>
    </Modal>
  );
}
