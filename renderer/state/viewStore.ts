import { useSyncExternalStore } from 'react';

/**
 * Values that change with every pointer move (cursor position, zoom). They live
 * outside React state so that only the few components showing them re-render,
 * never the canvas or the workspace around it.
 */
export class LiveValue<T> {
  private listeners = new Set<() => void>();
  constructor(private value: T) {}
  get = (): T => this.value;
  set(v: T): void {
    if (v === this.value) return;
    this.value = v;
    for (const l of this.listeners) l();
  }
  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
}

/** Subscribe a component to a live value. */
export function useLive<T>(v: LiveValue<T>): T {
  return useSyncExternalStore(v.subscribe, v.get);
}
