import { useState } from 'react';
import { FlagsDialog } from './FlagsDialog.tsx';

/** The top bar's "Flags…" button and its dialog; `onChanged` refreshes the queue after flags or weights change. */
export function FlagsEntry({ onChanged }: { onChanged?: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        // Enter is also the review's accept shortcut; on this button it opens the dialog.
        onKeyDown={(e) => {
          if (e.key !== 'Enter') return;
          e.preventDefault();
          e.stopPropagation();
          setOpen(true);
        }}
        data-testid="flags-open"
        title="Compute flags: drift, low confidence, class mix, a monitoring file">
        Flags…
      </button>
      {open && <FlagsDialog onClose={() => setOpen(false)} onDone={() => onChanged?.()} />}
    </>
  );
}
