import { useState, type ReactNode } from 'react';

const key = (id: string) => `loupe.fold.${id}`;

function initial(id: string, defaultOpen: boolean): boolean {
  try {
    const v = localStorage.getItem(key(id));
    return v === null ? defaultOpen : v === '1';
  } catch {
    return defaultOpen;
  }
}

/** A side-panel section that opens and closes, and remembers which it was on this machine. */
export function Fold({ id, title, defaultOpen = false, children }: { id: string; title: string; defaultOpen?: boolean; children: ReactNode }) {
  const [open, setOpen] = useState(() => initial(id, defaultOpen));
  return (
    <details
      className="fold"
      open={open}
      data-testid={`fold-${id}`}
      onToggle={(e) => {
        const now = (e.currentTarget as HTMLDetailsElement).open;
        if (now === open) return;
        setOpen(now);
        try {
          localStorage.setItem(key(id), now ? '1' : '0');
        } catch {
          /* storage unavailable: the fold still works for this session */
        }
      }}
    >
      <summary>{title}</summary>
      {children}
    </details>
  );
}
