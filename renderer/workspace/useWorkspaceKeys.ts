import { useEffect, useRef } from 'react';
import type { ActionId } from '../shortcuts/actions.ts';
import { detectPlatform, isEditableTarget, resolve, resolveClassHotkey, type ClassHotkey, type Keymap } from '../shortcuts/keymap.ts';

/** What a key press can do: one handler per action, plus the class hotkeys. */
export type ActionHandlers = Partial<Record<ActionId, (e: KeyboardEvent) => void>>;

interface Options {
  keymap: Keymap;
  handlers: ActionHandlers;
  classHotkeys: readonly (ClassHotkey & { id: number })[];
  onClassKey(classId: number): void;
  boxSelected: boolean;
  /** A dialog owns the keyboard while it is open. */
  suspended: boolean;
}

const platform = detectPlatform();

/** The workspace's one keydown listener: the person's keymap decides the action. */
export function useWorkspaceKeys(o: Options): void {
  const ref = useRef(o);
  ref.current = o;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const q = ref.current;
      if (q.suspended || e.defaultPrevented) return;
      const inTextField = isEditableTarget(e.target);
      if (inTextField) return;
      const action = resolve(q.keymap, e, { platform, boxSelected: q.boxSelected, inTextField });
      const handler = action ? q.handlers[action] : undefined;
      if (handler) {
        e.preventDefault();
        handler(e);
        return;
      }
      const cls = resolveClassHotkey(e, q.classHotkeys);
      if (cls) {
        e.preventDefault();
        q.onClassKey(cls.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
