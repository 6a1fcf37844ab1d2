import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { METHOD_NAMES, type LoupeEvent, type Reply } from '../app/contract/methods.ts';
import type { Dispatch } from '../app/hosts/dispatcher.ts';
import { channelOf, EVENT_CHANNEL } from './channels.ts';
import { isAppUrl } from './security.ts';

export { CHANNEL_PREFIX, channelOf, EVENT_CHANNEL, MENU_CHANNEL } from './channels.ts';

/** Decides whether an invoke may reach the dispatcher. */
export type TrustCheck = (event: IpcMainInvokeEvent) => boolean;

/**
 * The default sender check: the message must come from the top frame of a page
 * served from loupe://app. A subframe, a page that navigated elsewhere, or a
 * frame already gone is refused.
 */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  try {
    const frame = event.senderFrame;
    if (!frame) return false;
    if (frame.parent !== null) return false;
    return isAppUrl(frame.url);
  } catch {
    // Reading a destroyed frame throws: it can no longer be trusted.
    return false;
  }
}

/** Also require the sender to be one of our own windows' web contents. */
export function trustedIn(contents: () => readonly Pick<WebContents, 'id'>[]): TrustCheck {
  return (event) => isTrustedSender(event) && contents().some((c) => c.id === event.sender?.id);
}

const FORBIDDEN: Reply<never> = {
  ok: false,
  error: { code: 'forbidden', message: 'Refused: this request did not come from the Loupe window.' },
};

/**
 * Register one `ipcMain.handle` per contract method. Each handler checks the
 * sender before anything else; the dispatcher validates the payload itself.
 * Returns a function that removes every handler again.
 */
export function registerContract(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, dispatch: Dispatch, isTrusted: TrustCheck): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(channelOf(method), async (event, payload: unknown): Promise<Reply<unknown>> => {
      if (!isTrusted(event)) return FORBIDDEN;
      return dispatch(method, payload);
    });
  }
  return () => {
    for (const method of METHOD_NAMES) ipcMain.removeHandler(channelOf(method));
  };
}

/** Forward core events to a window's page until it goes away; returns the unsubscribe. */
export function forwardEvents(
  source: { on(listener: (e: LoupeEvent) => void): () => void },
  target: Pick<WebContents, 'send' | 'isDestroyed'>,
): () => void {
  return source.on((e) => {
    if (!target.isDestroyed()) target.send(EVENT_CHANNEL, e);
  });
}
