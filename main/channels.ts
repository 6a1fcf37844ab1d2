/** Prefix of every contract channel: `loupe:images:list` carries `images:list`. */
export const CHANNEL_PREFIX = 'loupe:';
/** Channel of core events (job progress, project changes) pushed to the renderer. */
export const EVENT_CHANNEL = 'loupe:event';
/** Channel of native menu commands pushed to the renderer. */
export const MENU_CHANNEL = 'loupe:menu';

/** The IPC channel of a contract method. */
export function channelOf(method: string): string {
  return CHANNEL_PREFIX + method;
}
