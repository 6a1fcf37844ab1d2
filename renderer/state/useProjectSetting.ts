import { useEffect, useRef, useState } from 'react';
import { call } from '../api/client.ts';

/**
 * A value kept per person and project in the project file (`settings:get` / `settings:set`),
 * read when the project opens and saved a moment after it stops changing (a slider being dragged).
 */
export function useProjectSetting<T extends number | string | boolean>(key: string, initial: T, projectFile: string, delayMs = 300): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(initial);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    call('settings:get', { key })
      .then((r) => typeof r.value === typeof initial && setValue(r.value as T))
      .catch(() => {});
  }, [key, projectFile]);
  const pending = useRef<{ v: T } | null>(null);
  const flush = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const p = pending.current;
    pending.current = null;
    if (p) void call('settings:set', { key, value: p.v }).catch(() => {});
  };
  // Leaving the workspace saves a change still waiting for its moment.
  useEffect(() => flush, []);
  const change = (v: T) => {
    setValue(v);
    pending.current = { v };
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(flush, delayMs);
  };
  return [value, change];
}
