import type { ReactNode } from 'react';

interface Props {
  title: string;
  testId: string;
  onClose(): void;
  children: ReactNode;
}

/** A dialog over the app: a title bar with a close button; keys other than Escape stay inside it. */
export function Modal({ title, testId, onClose, children }: Props) {
  return (
    <div className="modal-backdrop" onKeyDown={(e) => e.key !== 'Escape' && e.stopPropagation()}>
      <div className="modal" role="dialog" aria-label={title} data-testid={testId}>
        <header>
          <h2>{title}</h2>
          <button type="button" onClick={onClose} aria-label="Close">
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}
