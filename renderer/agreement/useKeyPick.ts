import { useState, type KeyboardEvent } from 'react';

/**
 * A chart's bars by keyboard: the chart takes focus, the arrow keys move a highlight over
 * its bars and Enter opens the highlighted one, as a click would.
 */
export function useKeyPick(count: number, onPick: (i: number) => void, vertical: boolean) {
  const [active, setActive] = useState<number | null>(null);
  const onKeyDown = (e: KeyboardEvent) => {
    const back = vertical ? 'ArrowUp' : 'ArrowLeft';
    const fwd = vertical ? 'ArrowDown' : 'ArrowRight';
    if (e.key === fwd || e.key === back) {
      e.preventDefault();
      const d = e.key === fwd ? 1 : -1;
      setActive((a) => (count === 0 ? null : a === null ? (d > 0 ? 0 : count - 1) : Math.min(count - 1, Math.max(0, a + d))));
    } else if (e.key === 'Enter' && active !== null) {
      e.preventDefault();
      onPick(active);
    }
  };
  return { active, props: { tabIndex: 0, onKeyDown, onBlur: () => setActive(null) } };
}
