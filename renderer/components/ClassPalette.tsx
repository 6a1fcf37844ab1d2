import { useState } from 'react';
import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';

type ClassDef = Res<'classes:list'>[number];

interface Props {
  classes: ClassDef[];
  activeClassId: number | null;
  onPick(id: number): void;
  onChanged(): void;
  onError(msg: string): void;
}

/** Classes with colour and hotkey; clicking one sets the class of the selection and of new boxes. */
export function ClassPalette(p: Props) {
  const [name, setName] = useState('');
  const add = async () => {
    const n = name.trim();
    if (!n) return;
    try {
      await call('classes:create', { name: n });
      setName('');
      p.onChanged();
    } catch (e) {
      p.onError((e as Error).message);
    }
  };
  const update = async (c: ClassDef, change: { color?: string; hotkey?: string | null; name?: string }) => {
    try {
      await call('classes:update', { id: c.id, ...change });
      p.onChanged();
    } catch (e) {
      p.onError((e as Error).message);
    }
  };
  return (
    <section className="panel" data-testid="class-palette">
      <h3>Classes</h3>
      <ul className="classes">
        {p.classes.map((c) => (
          <li
            key={c.id}
            className={c.id === p.activeClassId ? 'active' : ''}
            onClick={() => p.onPick(c.id)}
            data-testid={`class-${c.name}`}
          >
            <input
              type="color"
              value={c.color}
              onClick={(e) => e.stopPropagation()}
              onChange={(e) => void update(c, { color: e.target.value })}
              aria-label={`Colour of ${c.name}`}
            />
            <span
              className="name"
              title="Double-click to rename"
              onDoubleClick={(e) => {
                e.stopPropagation();
                const name = window.prompt(`Rename "${c.name}" to`, c.name);
                if (name && name.trim() && name.trim() !== c.name) void update(c, { name: name.trim() });
              }}
            >
              {c.name}
            </span>
            <input
              className="hotkey"
              value={c.hotkey ?? ''}
              maxLength={1}
              title="Hotkey: one digit or letter"
              aria-label={`Hotkey of ${c.name}`}
              onClick={(e) => e.stopPropagation()}
              onChange={(e) => {
                const k = e.target.value.trim().toLowerCase();
                void update(c, { hotkey: k === '' ? null : k });
              }}
            />
          </li>
        ))}
      </ul>
      <form
        className="add-class"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="New class" aria-label="New class name" />
        <button type="submit">Add</button>
      </form>
    </section>
  );
}
