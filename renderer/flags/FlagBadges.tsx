import { useState } from 'react';
import { createPortal } from 'react-dom';
import './flags.css';
import type { Res } from '../../app/contract/methods.ts';
import { call } from '../api/client.ts';
import { flagDetailLines, flagHeadline } from './flagText.ts';

type Flag = Res<'flags:list'>[number];

/**
 * An image's flag reasons in a queue row; hovering or focusing them (Tab) shows
 * each flag's score, weight and evidence, read when first asked for.
 */
export function FlagBadges({ imageId, reasons }: { imageId: number; reasons: string[] }) {
  const [flags, setFlags] = useState<Flag[] | null>(null);
  const [open, setOpen] = useState<{ left: number; top: number } | null>(null);
  const show = (e: React.SyntheticEvent<HTMLElement>) => {
    // Fixed, below the reasons (above them near the bottom of the window).
    const r = e.currentTarget.getBoundingClientRect();
    setOpen({ left: Math.max(4, Math.min(r.left, window.innerWidth - 370)), top: r.bottom + 4 > window.innerHeight - 240 ? Math.max(4, r.top - 244) : r.bottom + 4 });
    if (flags === null) {
      call('flags:list', { imageId })
        .then(setFlags)
        .catch(() => setFlags([]));
    }
  };
  const tipId = `flag-tip-${imageId}`;
  return (
    <span
      className="flag flag-badges"
      tabIndex={0}
      data-testid={`flags-${imageId}`}
      aria-describedby={open ? tipId : undefined}
      aria-label={`Flags: ${reasons.join(', ')}`}
      onMouseEnter={show}
      onMouseLeave={() => setOpen(null)}
      onFocus={show}
      onBlur={() => setOpen(null)}
      onClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => e.key === 'Escape' && open && (e.stopPropagation(), setOpen(null))}
    >
      {' · '}
      {reasons.join(', ')}
      {open &&
        createPortal(
        <span className="flag-tip" role="tooltip" id={tipId} data-testid="flag-tip" style={open}>
          {flags === null
            ? 'Loading…'
            : flags.map((f) => (
                <span key={f.reason} className="flag-tip-item">
                  <b>{flagHeadline(f)}</b>
                  {flagDetailLines(f).map((l) => (
                    <span key={l} className="flag-tip-line">
                      {l}
                    </span>
                  ))}
                </span>
              ))}
        </span>,
          // In the body: the list's rows are transformed, which would make a fixed tip relative to them.
          document.body,
        )}
    </span>
  );
}
