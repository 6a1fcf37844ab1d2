import { useEffect, useRef } from 'react';
import './people.css';

export type FileAction = 'import-images' | 'import-labels' | 'export' | 'package-export' | 'package-import';

const ITEMS: { action: FileAction; label: string; sep?: true }[] = [
  { action: 'import-images', label: 'Import images…' },
  { action: 'import-labels', label: 'Import labels…' },
  { action: 'export', label: 'Export dataset…' },
  { action: 'package-export', label: 'Export work package…', sep: true },
  { action: 'package-import', label: 'Import work package…' },
];

/** The top bar's File menu: imports, the dataset export and work packages. */
export function FileMenu({ open, onOpen, onAction }: { open: boolean; onOpen(open: boolean): void; onAction(a: FileAction): void }) {
  const menu = useRef<HTMLDivElement | null>(null);
  const button = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const onDown = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) onOpen(false);
    };
    window.addEventListener('mousedown', onDown);
    return () => window.removeEventListener('mousedown', onDown);
  }, [open, onOpen]);
  const onKeyDown = (e: React.KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      onOpen(false);
      button.current?.focus();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      items[(at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length]?.focus();
    }
    e.stopPropagation();
  };
  return (
    <span className="file-menu">
      <button ref={button} type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => onOpen(!open)} data-testid="file-menu">
        File <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div ref={menu} className="menu" role="menu" aria-label="File" data-testid="file-menu-items" onKeyDown={onKeyDown}>
          {ITEMS.map((it) => (
            <span key={it.action} style={{ display: 'contents' }}>
              {it.sep && <div className="menu-sep" role="separator" />}
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  onOpen(false);
                  onAction(it.action);
                }}
                data-testid={`file-${it.action}`}
              >
                <span className="name">{it.label}</span>
              </button>
            </span>
          ))}
        </div>
      )}
    </span>
  );
}
