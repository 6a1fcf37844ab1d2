/**
 * Every keyboard action of the review workspace, in one table: its stable id, the label people
 * read (in the shortcuts sheet, the settings dialog and conflict messages), its group and its
 * default key chords.
 *
 * Chords are written in the canonical form of keymap.ts: modifiers in the order
 * Mod, Ctrl, Meta, Alt, Shift, then the key. `Mod` is Ctrl on Linux and Windows and ⌘ (Meta)
 * on macOS. Letters are upper case ("D"), a symbol is written as the character it types
 * ("?" rather than "Shift+/", "+" rather than "Shift+="), and named keys use the
 * KeyboardEvent.key names (Enter, Escape, Delete, Backspace, ArrowLeft …).
 *
 * Class hotkeys (digits 0–9 and letters, one per class) are not in this table: the class palette
 * owns them, and keymap.ts takes them as an input so that no action can be mapped onto one.
 *
 * Context-dependent keys, by design: the arrow keys nudge the selected box when a box is
 * selected (`whenBoxSelected`) and change image otherwise (`yieldsToBoxActions` on previous and
 * next image). The conflict checker allows exactly that kind of sharing — an action that only
 * fires with a box selected may share a chord with one that yields to it — and refuses any other.
 */

export const GROUPS = ['Navigation', 'Review', 'Predictions', 'Editing', 'Tools', 'View', 'History', 'Disagreement'] as const;
export type Group = (typeof GROUPS)[number];

interface ActionSpec {
  readonly id: string;
  readonly label: string;
  readonly group: Group;
  readonly defaults: readonly string[];
  /** Fires only while a box is selected; otherwise the chord falls through to other actions. */
  readonly whenBoxSelected?: true;
  /** Gives way to a `whenBoxSelected` action on a shared chord while a box is selected. */
  readonly yieldsToBoxActions?: true;
  /** One line for the sheet and the settings dialog, e.g. about a shared key. */
  readonly note?: string;
}

const ARROWS_NOTE = 'Arrow keys nudge the selected box; with no box selected they change image.';

const SPECS = [
  // Navigation
  { id: 'image.next', label: 'Next image', group: 'Navigation', defaults: ['D', 'ArrowRight'], yieldsToBoxActions: true, note: ARROWS_NOTE },
  { id: 'image.prev', label: 'Previous image', group: 'Navigation', defaults: ['A', 'ArrowLeft'], yieldsToBoxActions: true, note: ARROWS_NOTE },
  { id: 'image.nextUnreviewed', label: 'Next unreviewed image', group: 'Navigation', defaults: ['N'] },

  // Review
  // Ctrl+Enter works on every platform; on macOS ⌘↩ (Mod+Enter) does too.
  { id: 'review.doneNext', label: 'Mark done and open next unreviewed', group: 'Review', defaults: ['Mod+Enter', 'Ctrl+Enter'] },
  // Alt+Enter: next to "done" (Mod+Enter) in the Enter family, and free in browsers and Electron,
  // unlike Ctrl+Shift+S (Firefox's screenshot, "Save As" on macOS).
  { id: 'review.skip', label: 'Skip image', group: 'Review', defaults: ['Alt+Enter'] },

  // Predictions
  { id: 'prediction.accept', label: 'Accept selected prediction', group: 'Predictions', defaults: ['Enter'] },
  { id: 'prediction.acceptAll', label: 'Accept all shown predictions', group: 'Predictions', defaults: ['Shift+Enter'] },
  { id: 'prediction.reject', label: 'Reject selected prediction', group: 'Predictions', defaults: ['R'] },
  { id: 'prediction.rejectBelow', label: 'Reject predictions below threshold', group: 'Predictions', defaults: ['Shift+R'] },
  { id: 'prelabel.image', label: 'Pre-label image', group: 'Predictions', defaults: ['P'] },
  { id: 'prelabel.again', label: 'Pre-label image again', group: 'Predictions', defaults: ['Shift+P'] },

  // Editing
  { id: 'edit.delete', label: 'Delete selection', group: 'Editing', defaults: ['Delete', 'Backspace'] },
  { id: 'edit.duplicate', label: 'Duplicate selection', group: 'Editing', defaults: ['Mod+D'] },
  { id: 'edit.copyPrevious', label: "Copy previous image's boxes", group: 'Editing', defaults: ['Mod+Shift+V'] },
  { id: 'edit.selectAll', label: 'Select all boxes', group: 'Editing', defaults: ['Mod+A'] },
  { id: 'edit.nudgeLeft', label: 'Nudge left 1 px', group: 'Editing', defaults: ['ArrowLeft'], whenBoxSelected: true, note: ARROWS_NOTE },
  { id: 'edit.nudgeRight', label: 'Nudge right 1 px', group: 'Editing', defaults: ['ArrowRight'], whenBoxSelected: true, note: ARROWS_NOTE },
  { id: 'edit.nudgeUp', label: 'Nudge up 1 px', group: 'Editing', defaults: ['ArrowUp'], whenBoxSelected: true },
  { id: 'edit.nudgeDown', label: 'Nudge down 1 px', group: 'Editing', defaults: ['ArrowDown'], whenBoxSelected: true },
  { id: 'edit.nudgeLeft10', label: 'Nudge left 10 px', group: 'Editing', defaults: ['Shift+ArrowLeft'], whenBoxSelected: true },
  { id: 'edit.nudgeRight10', label: 'Nudge right 10 px', group: 'Editing', defaults: ['Shift+ArrowRight'], whenBoxSelected: true },
  { id: 'edit.nudgeUp10', label: 'Nudge up 10 px', group: 'Editing', defaults: ['Shift+ArrowUp'], whenBoxSelected: true },
  { id: 'edit.nudgeDown10', label: 'Nudge down 10 px', group: 'Editing', defaults: ['Shift+ArrowDown'], whenBoxSelected: true },
  { id: 'edit.widen', label: 'Widen selection 1 px (right edge)', group: 'Editing', defaults: ['Mod+ArrowRight'], whenBoxSelected: true },
  { id: 'edit.narrow', label: 'Narrow selection 1 px (right edge)', group: 'Editing', defaults: ['Mod+ArrowLeft'], whenBoxSelected: true },
  { id: 'edit.taller', label: 'Make selection 1 px taller (bottom edge)', group: 'Editing', defaults: ['Mod+ArrowDown'], whenBoxSelected: true },
  { id: 'edit.shorter', label: 'Make selection 1 px shorter (bottom edge)', group: 'Editing', defaults: ['Mod+ArrowUp'], whenBoxSelected: true },
  { id: 'edit.widen10', label: 'Widen selection 10 px', group: 'Editing', defaults: ['Mod+Shift+ArrowRight'], whenBoxSelected: true },
  { id: 'edit.narrow10', label: 'Narrow selection 10 px', group: 'Editing', defaults: ['Mod+Shift+ArrowLeft'], whenBoxSelected: true },
  { id: 'edit.taller10', label: 'Make selection 10 px taller', group: 'Editing', defaults: ['Mod+Shift+ArrowDown'], whenBoxSelected: true },
  { id: 'edit.shorter10', label: 'Make selection 10 px shorter', group: 'Editing', defaults: ['Mod+Shift+ArrowUp'], whenBoxSelected: true },
  // Tab stays with the keyboard focus; brackets walk the boxes, as in several editors.
  { id: 'select.nextBox', label: 'Select next box', group: 'Editing', defaults: [']'] },
  { id: 'select.prevBox', label: 'Select previous box', group: 'Editing', defaults: ['['] },
  { id: 'edit.cancel', label: 'Cancel gesture / clear selection', group: 'Editing', defaults: ['Escape'] },

  // Tools
  { id: 'tool.box', label: 'Box tool', group: 'Tools', defaults: ['B'] },
  { id: 'tool.select', label: 'Select tool', group: 'Tools', defaults: ['V'] },

  // View
  { id: 'view.fit', label: 'Fit image to window', group: 'View', defaults: ['F'] },
  { id: 'view.actualSize', label: 'Zoom to 1:1', group: 'View', defaults: ['Z'] },
  { id: 'view.zoomIn', label: 'Zoom in', group: 'View', defaults: ['+', '='] },
  { id: 'view.zoomOut', label: 'Zoom out', group: 'View', defaults: ['-'] },
  { id: 'view.zoomSelection', label: 'Zoom to selection', group: 'View', defaults: ['S'] },
  { id: 'view.toggleLabels', label: 'Show / hide box labels', group: 'View', defaults: ['L'] },
  { id: 'view.togglePredictions', label: 'Show / hide predictions', group: 'View', defaults: ['H'] },
  { id: 'view.shortcuts', label: 'Keyboard shortcuts sheet', group: 'View', defaults: ['?'] },
  { id: 'view.settings', label: 'Settings', group: 'View', defaults: ['Mod+,'] },
  { id: 'session.switch', label: 'Switch person or role', group: 'View', defaults: ['Mod+Shift+U'] },
  { id: 'assign.open', label: 'Assign images (QA lead)', group: 'View', defaults: ['Mod+Shift+G'] },
  { id: 'evaluation.open', label: 'Evaluation dashboard', group: 'View', defaults: ['Alt+E'] },
  { id: 'monitoring.open', label: 'Monitoring dashboard (the model over time)', group: 'View', defaults: ['Alt+M'] },

  // History
  { id: 'history.undo', label: 'Undo', group: 'History', defaults: ['Mod+Z'] },
  { id: 'history.redo', label: 'Redo', group: 'History', defaults: ['Mod+Shift+Z', 'Mod+Y'] },

  // Disagreement review (the lead). Brackets already walk the boxes and digits are class hotkeys,
  // so the braces step through disagreements and Alt with a digit takes a person's labels.
  { id: 'agreement.next', label: 'Next disagreement', group: 'Disagreement', defaults: ['}'] },
  { id: 'agreement.prev', label: 'Previous disagreement', group: 'Disagreement', defaults: ['{'] },
  { id: 'agreement.open', label: 'Agreement dashboard (QA lead)', group: 'Disagreement', defaults: ['Alt+A'] },
  { id: 'agreement.consensus', label: 'Take the consensus', group: 'Disagreement', defaults: ['Alt+C'] },
  ...([1, 2, 3, 4, 5, 6, 7, 8, 9] as const).map((n) => ({ id: `agreement.take${n}` as const, label: `Take person ${n}'s labels`, group: 'Disagreement' as const, defaults: [`Alt+${n}`] })),
] as const satisfies readonly ActionSpec[];

export type ActionId = (typeof SPECS)[number]['id'];

export interface ActionDef extends ActionSpec {
  readonly id: ActionId;
}

/** Every action, in display order (grouped, then as listed). */
export const ACTIONS: readonly ActionDef[] = SPECS;

export const ACTION_IDS: readonly ActionId[] = ACTIONS.map((a) => a.id);

const BY_ID = new Map<string, ActionDef>(ACTIONS.map((a) => [a.id, a]));

export function isActionId(id: string): id is ActionId {
  return BY_ID.has(id);
}

export function actionById(id: ActionId): ActionDef {
  return BY_ID.get(id)!;
}

/** The actions of each group, groups in GROUPS order. */
export function actionsByGroup(): { group: Group; actions: ActionDef[] }[] {
  return GROUPS.map((group) => ({ group, actions: ACTIONS.filter((a) => a.group === group) }));
}
