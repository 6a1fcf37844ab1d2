// The release checklist's window rules, each as a test against the real host
// code (main/app.ts, main/security.ts, main/protocol.ts) through the electron
// test double: what app.test.ts does not already pin down.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startApp, type LoupeApp } from './app.ts';
import { CSP, isAppUrl } from './security.ts';
import { app, FakeBrowserWindow, FakeEvent, protocol, resetFake, session } from './testing/fakeElectron.ts';
import { cspProblems, parseCsp } from '../test/unit/csp.ts';
import { tempDir } from './testing/tempProject.ts';

vi.mock('electron', () => import('./testing/fakeElectron.ts'));

describe('the Electron CSP', () => {
  it('is strict: no remote origins, no eval, no inline script, nothing framed or posted', () => {
    expect(cspProblems(CSP, ['loupe:', 'data:', 'blob:'])).toEqual([]);
    expect(parseCsp(CSP).get('img-src')).toEqual(["'self'", 'loupe:', 'data:', 'blob:']);
  });

  it('the strictness check itself catches each kind of loosening', () => {
    const loosen = (from: string, to: string) => cspProblems(CSP.replace(from, to), ['loupe:', 'data:', 'blob:']);
    expect(loosen("script-src 'self'", "script-src 'self' 'unsafe-eval'")).toEqual(["script-src allows 'unsafe-eval'"]);
    expect(loosen("script-src 'self'", "script-src 'self' 'unsafe-inline'")).toEqual(["script-src allows 'unsafe-inline'"]);
    expect(loosen("connect-src 'self'", "connect-src 'self' https://api.example")).toEqual(['connect-src allows https://api.example']);
    expect(loosen("img-src 'self'", "img-src * 'self'")).toEqual(['img-src allows *']);
    expect(loosen("object-src 'none'", "object-src 'self'")).toEqual(["object-src is not 'none'"]);
    expect(loosen("form-action 'none'", '')).toEqual(["form-action is not 'none'"]);
  });
});

describe('the main window', () => {
  let appDir: string;
  let started: LoupeApp | null = null;

  beforeEach(() => {
    resetFake();
    appDir = tempDir('loupe-sec-');
    fs.mkdirSync(path.join(appDir, 'dist', 'renderer'), { recursive: true });
    fs.writeFileSync(path.join(appDir, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Loupe</title>');
  });
  afterEach(async () => {
    await started?.session.close();
    started = null;
    fs.rmSync(appDir, { recursive: true, force: true });
  });

  const open = async () => {
    started = startApp({ argv: ['electron', '.'], env: {}, appPath: appDir, nativeBinding: null });
    return (await started.ready) as unknown as FakeBrowserWindow;
  };

  it('runs with every web preference of the checklist, and no Node in workers, frames or webviews', async () => {
    const prefs = (await open()).options.webPreferences as Record<string, unknown>;
    expect(prefs).toEqual({
      preload: path.join(appDir, 'dist', 'main', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
    });
  });

  it('loads nothing but the app: its one page is loupe://app, and the protocol serves no other origin', async () => {
    const win = await open();
    expect(win.loadedUrl).toBe('loupe://app/index.html');
    expect(isAppUrl(win.loadedUrl)).toBe(true);
    const handler = protocol.handlers.get('loupe')!;
    for (const url of ['loupe://evil.example/index.html', 'loupe://app.evil/index.html', 'loupe://remote/https://evil.example/']) {
      expect((await handler(new Request(url))).status, url).toBe(404);
    }
  });

  it('treats only loupe://app as the app: look-alike hosts, credentials, ports and other schemes are foreign', () => {
    for (const url of [
      'loupe://app.evil.example/index.html',
      'loupe://evil.example/app',
      'loupe://user@app/index.html',
      'loupe://app:8080/index.html',
      'https://app/index.html',
      'file:///app/index.html',
      'javascript:alert(1)',
      'data:text/html,<script>1</script>',
      '',
      'not a url',
    ]) {
      expect(isAppUrl(url), url).toBe(false);
    }
    expect(isAppUrl('LOUPE://APP/index.html')).toBe(true);
  });

  it('denies a frame inside the page navigating away from the app', async () => {
    const wc = (await open()).webContents;
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'loupe://image/1']) {
      const e = new FakeEvent(url);
      wc.emit('will-frame-navigate', e);
      expect(e.defaultPrevented, url).toBe(true);
    }
    const own = new FakeEvent('loupe://app/index.html#/review');
    wc.emit('will-frame-navigate', own);
    expect(own.defaultPrevented).toBe(false);
  });

  it('denies every permission a page can ask for, requested or checked, from any origin', async () => {
    await open();
    const permissions = [
      'clipboard-read',
      'clipboard-sanitized-write',
      'display-capture',
      'fullscreen',
      'geolocation',
      'idle-detection',
      'media',
      'mediaKeySystem',
      'midi',
      'midiSysex',
      'notifications',
      'pointerLock',
      'keyboardLock',
      'openExternal',
      'speaker-selection',
      'storage-access',
      'top-level-storage-access',
      'window-management',
      'unknown',
      'fileSystem',
      'hid',
      'serial',
      'usb',
    ];
    const answers: boolean[] = [];
    for (const p of permissions) session.defaultSession.permissionRequest?.(null, p, (ok) => answers.push(ok));
    expect(answers).toEqual(permissions.map(() => false));
    for (const p of permissions) expect(session.defaultSession.permissionCheck?.(null, p, 'loupe://app', {}), p).toBe(false);
  });

  it('hardens web contents created later (a devtools or a frame host) the same way, once', async () => {
    await open();
    const other = new FakeBrowserWindow({}).webContents;
    app.emit('web-contents-created', new FakeEvent(), other);
    expect(other.listenerCount('will-frame-navigate')).toBe(1);
    expect(other.navigate('https://evil.example/')).toBe(true);
    expect(other.windowOpenHandler?.({ url: 'loupe://app/index.html' })).toEqual({ action: 'deny' });
  });
});

describe('the renderer', () => {
  it('names no remote resource: no http(s), protocol-relative or ws URL in its sources', () => {
    const root = path.resolve(import.meta.dirname, '..', 'renderer');
    const found: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const f = path.join(d, e.name);
        if (e.isDirectory()) walk(f);
        else if (/\.(tsx?|html|css)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) {
          fs.readFileSync(f, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              // The SVG namespace is a name, never fetched.
              const code = line.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '');
              if (/\b(https?|wss?):\/\/|["'`(]\/\/[a-z0-9]/i.test(code) && !/^\s*(\/\/|\*|\/\*)/.test(code)) found.push(`${path.relative(root, f)}:${i + 1}`);
            });
        }
      }
    };
    walk(root);
    expect(found).toEqual([]);
  });
});
