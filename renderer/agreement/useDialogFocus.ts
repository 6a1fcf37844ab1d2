import { useEffect, useRef, type KeyboardEvent, type RefObject } from 'react';

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])';

/** The dialog's elements that Tab can reach, in document order, leaving out hidden ones. */
function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
}

/**
 * Keyboard focus for a modal dialog: Tab and Shift+Tab go round inside it, and when it closes
 * focus goes back to where it was before it opened (the opener), or to `elsewhere()` when the
 * dialog sent the person somewhere else.
 */
export function useDialogFocus(dialog: RefObject<HTMLElement | null>) {
  const opener = useRef<HTMLElement | null>(null);
  const redirect = useRef<(() => HTMLElement | null) | null>(null);
  if (opener.current === null && typeof document !== 'undefined') opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;

  useEffect(
    () => () => {
      const find = redirect.current;
      const fallback = opener.current;
      // After React has removed the dialog, so the focus is not taken back by its unmount. The
      // place the dialog sent the person to may appear a moment later (the canvas, once the
      // image opens), so it is looked for a few times before the opener takes the focus.
      let tries = 0;
      const attempt = () => {
        const to = find?.();
        if (to?.isConnected) return to.focus();
        if (find && ++tries < 40) return void setTimeout(attempt, 50);
        if (fallback?.isConnected) fallback.focus();
      };
      setTimeout(attempt, 0);
    },
    [],
  );

  /** Keep Tab inside the dialog: from the last element to the first, and back. */
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Tab' || !dialog.current) return;
    const els = focusables(dialog.current);
    if (!els.length) return;
    const first = els[0];
    const last = els[els.length - 1];
    const at = document.activeElement;
    if (e.shiftKey && (at === first || !dialog.current.contains(at))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (at === last || !dialog.current.contains(at))) {
      e.preventDefault();
      first.focus();
    }
  };

  /** On close, focus this element instead of the opener (when it exists then). */
  const returnTo = (el: () => HTMLElement | null) => {
    redirect.current = el;
  };

  return { onKeyDown, returnTo };
}
