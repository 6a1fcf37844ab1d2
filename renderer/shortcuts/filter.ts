import { ACTIONS, type ActionDef } from './actions.ts';
import { formatChords, parseChord, sameChord, type Keymap, type Platform } from './keymap.ts';

/**
 * The actions a settings filter shows: every word of the query must appear in the action's
 * label, group or id, or the query must name one of its keys ("ctrl+z", "⌘Z", "shift+/").
 */
export function filterActions(keymap: Keymap, query: string, platform: Platform): ActionDef[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...ACTIONS];
  const asChord = parseChord(query);
  const words = q.split(/\s+/);
  return ACTIONS.filter((a) => {
    const chords = keymap[a.id] ?? [];
    const shown = formatChords(chords, platform).map((s) => s.toLowerCase());
    if (shown.includes(q)) return true;
    if (asChord && chords.some((c) => sameChord(c, asChord, platform))) return true;
    const hay = `${a.label} ${a.group} ${a.id} ${shown.join(' ')}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}
