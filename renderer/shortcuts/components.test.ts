import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SettingsDialog } from '../components/SettingsDialog.tsx';
import { ShortcutsSheet } from '../components/ShortcutsSheet.tsx';
import { ACTIONS, GROUPS } from './actions.ts';
import { filterActions } from './filter.ts';
import { defaultKeymap, remap } from './keymap.ts';

const noop = () => {};

describe('ShortcutsSheet', () => {
  it('lists every action under its group with its keys for the platform', () => {
    const html = renderToStaticMarkup(createElement(ShortcutsSheet, { keymap: defaultKeymap(), platform: 'other', onClose: noop }));
    expect(html).toContain('data-testid="shortcuts-sheet"');
    for (const g of GROUPS) expect(html).toContain(`data-testid="shortcuts-group-${g}"`);
    for (const a of ACTIONS) expect(html).toContain(`data-testid="shortcuts-item-${a.id}"`);
    expect(html).toContain('<kbd class="sc-kbd">Ctrl+Shift+Z</kbd>');
    // Mod+Enter and Ctrl+Enter are one key press off macOS: listed once.
    expect(html.match(/<kbd class="sc-kbd">Ctrl\+Enter<\/kbd>/g)).toHaveLength(1);
  });

  it('uses the macOS symbols on macOS and lists class hotkeys', () => {
    const html = renderToStaticMarkup(
      createElement(ShortcutsSheet, { keymap: defaultKeymap(), platform: 'mac', classHotkeys: [{ key: '1', name: 'car' }], onClose: noop }),
    );
    expect(html).toContain('⇧⌘Z');
    expect(html).toContain('data-testid="shortcuts-group-Classes"');
    expect(html).toContain('car');
  });
});

describe('SettingsDialog', () => {
  it('renders a row with stable test ids for every action', () => {
    const html = renderToStaticMarkup(createElement(SettingsDialog, { keymap: defaultKeymap(), classHotkeys: [], platform: 'other', onChange: noop, onClose: noop }));
    for (const a of ACTIONS) {
      expect(html).toContain(`data-testid="shortcut-row-${a.id}"`);
      expect(html).toContain(`data-testid="shortcut-change-${a.id}"`);
      expect(html).toContain(`data-testid="shortcut-reset-${a.id}"`);
    }
    expect(html).toContain('data-testid="shortcut-reset-all"');
    expect(html).not.toContain('data-testid="shortcut-warnings"');
  });

  it('warns about class hotkeys that an action shadows', () => {
    const html = renderToStaticMarkup(
      createElement(SettingsDialog, { keymap: defaultKeymap(), classHotkeys: [{ key: 'd', name: 'dog' }], platform: 'other', onChange: noop, onClose: noop }),
    );
    expect(html).toContain('data-testid="shortcut-warnings"');
    expect(html).toContain('class &quot;dog&quot; and of Next image');
  });

  it('marks a changed action', () => {
    const r = remap(defaultKeymap(), 'image.next', 'J', [], { platform: 'other' });
    if (!r.ok) throw new Error(r.message);
    const html = renderToStaticMarkup(createElement(SettingsDialog, { keymap: r.keymap, classHotkeys: [], platform: 'other', onChange: noop, onClose: noop }));
    expect(html).toMatch(/data-testid="shortcut-row-image.next"[^>]*data-keys="J"/);
    expect(html).toContain('aria-label="Next image: J (changed). Enter to change."');
  });
});

describe('filterActions', () => {
  const km = defaultKeymap();
  const ids = (q: string, p: 'mac' | 'other' = 'other') => filterActions(km, q, p).map((a) => a.id);

  it('matches words of the label, group and id', () => {
    expect(ids('')).toHaveLength(ACTIONS.length);
    expect(ids('undo')).toEqual(['history.undo']);
    expect(ids('nudge 10')).toEqual(['edit.nudgeLeft10', 'edit.nudgeRight10', 'edit.nudgeUp10', 'edit.nudgeDown10']);
    expect(ids('predictions')).toContain('prediction.accept');
    expect(ids('no such thing')).toEqual([]);
  });

  it('matches keys, however they are written', () => {
    expect(ids('ctrl+z')).toContain('history.undo');
    expect(ids('Mod+Shift+Z')).toContain('history.redo');
    expect(ids('⇧⌘Z', 'mac')).toContain('history.redo');
    expect(ids('shift+/')).toContain('view.shortcuts');
  });
});
