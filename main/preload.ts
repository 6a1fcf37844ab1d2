// Runs in the sandboxed preload: it may require 'electron' and nothing else, so
// everything imported here is bundled (see scripts/build-main.mjs).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { METHOD_NAMES } from '../app/contract/methods.ts';
import type { LoupeBridge, UiEvent } from '../app/contract/bridge.ts';
import { channelOf, EVENT_CHANNEL, MENU_CHANNEL } from './channels.ts';

type Ipc = Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>;

/**
 * The object the page sees as `window.loupe`: one function per contract method,
 * `on` for events, and the image URLs. ipcRenderer itself never crosses over.
 */
export function createBridge(ipc: Ipc): LoupeBridge {
  const api: Record<string, unknown> = {};
  for (const method of METHOD_NAMES) {
    const channel = channelOf(method);
    api[method] = (req?: unknown) => ipc.invoke(channel, req ?? {});
  }
  api.on = (cb: (e: UiEvent) => void): (() => void) => {
    // The IPC event object is dropped: it holds the sender and must not reach the page.
    const onEvent = (_e: IpcRendererEvent, payload: UiEvent) => cb(payload);
    const onMenu = (_e: IpcRendererEvent, action: string) => cb({ type: 'menu', action: String(action) });
    ipc.on(EVENT_CHANNEL, onEvent);
    ipc.on(MENU_CHANNEL, onMenu);
    return () => {
      ipc.removeListener(EVENT_CHANNEL, onEvent);
      ipc.removeListener(MENU_CHANNEL, onMenu);
    };
  };
  api.imageUrl = (id: number) => `loupe://image/${Math.trunc(Number(id))}`;
  api.thumbUrl = (id: number) => `loupe://thumb/${Math.trunc(Number(id))}`;
  return Object.freeze(api) as unknown as LoupeBridge;
}

contextBridge.exposeInMainWorld('loupe', createBridge(ipcRenderer));
