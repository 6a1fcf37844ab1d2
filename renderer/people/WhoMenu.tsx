import { useEffect, useRef, useState } from 'react';
import { identify, listPeople, ROLE_LABEL, type Identity, type Person, type Role } from './peopleApi.ts';
import { personCounts } from './names.ts';
import './people.css';

interface Props {
  name: string;
  role: Role;
  open: boolean;
  onOpen(open: boolean): void;
  /** The core now records work as this person in this role. */
  onSwitched(id: Identity): void;
  /** Someone not in the list: the identify dialog. */
  onSomeoneElse(): void;
  onError(msg: string): void;
  /** The key that opens this menu, for its tooltip. */
  shortcut: string;
}

/** The top bar's current person and role; a menu switches either. */
export function WhoMenu(p: Props) {
  const [people, setPeople] = useState<Person[]>([]);
  const menu = useRef<HTMLDivElement | null>(null);
  const button = useRef<HTMLButtonElement | null>(null);

  useEffect(() => {
    if (!p.open) return;
    listPeople().then(setPeople, (e: Error) => p.onError(e.message));
  }, [p.open]);

  // Focus the current person's entry when the menu opens; close on a press outside.
  useEffect(() => {
    if (!p.open) return;
    const t = setTimeout(() => (menu.current?.querySelector<HTMLElement>('[aria-checked="true"]') ?? menu.current?.querySelector<HTMLElement>('[role^="menuitem"]'))?.focus(), 0);
    const onDown = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) p.onOpen(false);
    };
    window.addEventListener('mousedown', onDown);
    return () => {
      clearTimeout(t);
      window.removeEventListener('mousedown', onDown);
    };
  }, [p.open, people]);

  const close = () => {
    p.onOpen(false);
    button.current?.focus();
  };
  const become = async (name: string, role: Role) => {
    try {
      p.onSwitched(await identify(name, role));
      close();
    } catch (e) {
      p.onError((e as Error).message);
    }
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = items[(at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length];
      next?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      items[e.key === 'Home' ? 0 : items.length - 1]?.focus();
    }
    // Keys stay with the menu while it is open.
    e.stopPropagation();
  };

  return (
    <span className="who-menu">
      <button
        ref={button}
        type="button"
        className="who"
        aria-haspopup="menu"
        aria-expanded={p.open}
        onClick={() => p.onOpen(!p.open)}
        title={`Every box, edit and done mark is recorded as yours. Switch person or role${p.shortcut ? ` (${p.shortcut})` : ''}`}
        data-testid="who-button"
      >
        <span data-testid="annotator">{p.name}</span>
        <span className={`role-tag ${p.role}`} data-testid="role">
          {ROLE_LABEL[p.role]}
        </span>
        <span aria-hidden="true">▾</span>
      </button>
      {p.open && (
        <div ref={menu} className="menu who-popup" role="menu" aria-label="Switch person or role" data-testid="who-menu" onKeyDown={onKeyDown}>
          <div className="menu-heading">Work as</div>
          {people.map((a) => (
            <button
              key={a.id}
              type="button"
              role="menuitemradio"
              aria-checked={a.name === p.name}
              onClick={() => void become(a.name, p.role)}
              data-testid={`who-person-${a.name}`}
            >
              <span className="check">{a.name === p.name ? '✓' : ''}</span>
              <span className="name">{a.name}</span>
              <span className="muted">{personCounts(a)}</span>
            </button>
          ))}
          <button type="button" role="menuitem" onClick={() => (close(), p.onSomeoneElse())} data-testid="who-someone-else">
            <span className="check" />
            <span className="name">Someone else…</span>
          </button>
          <div className="menu-sep" role="separator" />
          <div className="menu-heading">Role</div>
          {(['annotator', 'lead'] as const).map((r) => (
            <button
              key={r}
              type="button"
              role="menuitemradio"
              aria-checked={r === p.role}
              onClick={() => void become(p.name, r)}
              data-testid={`who-role-${r}`}
            >
              <span className="check">{r === p.role ? '✓' : ''}</span>
              <span className="name">{ROLE_LABEL[r]}</span>
            </button>
          ))}
        </div>
      )}
    </span>
  );
}
