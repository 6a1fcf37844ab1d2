import type { WebContents, WebPreferences } from 'electron';

/** The custom scheme every window page, image and thumbnail is served from. */
export const SCHEME = 'loupe';
/** Host of the renderer's own files; its origin is the only one trusted with IPC. */
export const APP_HOST = 'app';
/** The renderer's entry page. */
export const APP_URL = `${SCHEME}://${APP_HOST}/index.html`;

/** Content-Security-Policy sent with every response of the loupe: scheme. */
export const CSP = [
  "default-src 'self'",
  "img-src 'self' loupe: data: blob:",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Privileges of the loupe: scheme; must be registered before the app is ready.
 * corsEnabled lets the page load images with `crossOrigin` set (loupe://image is
 * another host than loupe://app); image responses name loupe://app as allowed.
 */
export const SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } as const;

/**
 * True when a URL belongs to the renderer's own origin (loupe://app). Parsed by
 * hand because WHATWG `origin` is "null" for custom schemes.
 */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === `${SCHEME}:` && u.host.toLowerCase() === APP_HOST && u.username === '' && u.password === '' && u.port === '';
}

/** webPreferences of every Loupe window: isolated, sandboxed, no Node in the page. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

const hardened = new WeakSet<object>();

/**
 * Lock down a web contents: no popups, no navigation away from the app, no
 * <webview>. Idempotent, because both window creation and the app-wide
 * `web-contents-created` hook call it.
 */
export function hardenWebContents(contents: WebContents): void {
  if (hardened.has(contents)) return;
  hardened.add(contents);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
