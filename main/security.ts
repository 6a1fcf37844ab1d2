import type { WebContents } from 'electron';

/** The custom scheme every window page, image and thumbnail is served from. */
export const SCHEME = 'loupe';
/** Host of the renderer's own files; its origin is the only one trusted with IPC. */
export const APP_HOST = 'app';
/** The renderer's entry page. */
export const APP_URL = `${SCHEME}://${APP_HOST}/index.html`;

/**
 * Content-Security-Policy sent with every response of the loupe: scheme. As a
 * header from the protocol handler, not a meta tag or onHeadersReceived, so
 * electronegativity reports "no CSP" (CSP_GLOBAL_CHECK, accepted in
 * main/electronegativity.test.ts); main/security.test.ts checks it is strict.
 */
export const CSP = [
  "default-src 'self'",
  "img-src 'self' loupe: data: blob:",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
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

const hardened = new WeakSet<object>();

/**
 * Lock down a web contents: no popups, no navigation away from the app (of the
 * page or of a frame in it), no <webview>. Idempotent, because both window creation and the app-wide
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
  // will-navigate covers the top frame only; frames inside the page navigate through this one.
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
