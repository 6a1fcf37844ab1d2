import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../app/contract/methods.ts';
import { projectArg, startApp, type LoupeApp } from './app.ts';
import { nativeBindingPath } from './nativeBinding.ts';
import { CSP } from './security.ts';
import { app, dialog, FakeBrowserWindow, FakeEvent, FakeWebContents, ipcMain, Menu, protocol, resetFake, session } from './testing/fakeElectron.ts';
import { makeTempProject, tempDir, type TempProject } from './testing/tempProject.ts';

vi.mock('electron', () => import('./testing/fakeElectron.ts'));

describe('startApp', () => {
  let p: TempProject;
  let appDir: string;
  let started: LoupeApp | null;

  beforeEach(async () => {
    resetFake();
    p = await makeTempProject();
    // The start-up project is opened by the app's own session, so release it here first.
    await p.session.close();
    appDir = tempDir('loupe-app-');
    fs.mkdirSync(path.join(appDir, 'dist', 'renderer'), { recursive: true });
    fs.writeFileSync(path.join(appDir, 'dist', 'renderer', 'index.html'), '<!doctype html><title>Loupe</title>');
    started = null;
  });
  afterEach(async () => {
    await started?.session.close();
    await p.cleanup();
    fs.rmSync(appDir, { recursive: true, force: true });
  });

  const start = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    started = startApp({ argv: ['electron', '.', ...argv], env, appPath: appDir, nativeBinding: null });
    return started;
  };

  it('registers the loupe scheme as privileged and enables the sandbox before ready', () => {
    start([]);
    expect(protocol.privileged).toEqual([{ scheme: 'loupe', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true } }]);
    expect(app.sandboxed).toBe(true);
  });

  it('opens one locked-down window on loupe://app/index.html', async () => {
    const win = (await start([]).ready) as unknown as FakeBrowserWindow;
    expect(FakeBrowserWindow.instances).toEqual([win]);
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.preload).toBe(path.join(appDir, 'dist', 'main', 'preload.cjs'));
    expect(win.loadedUrl).toBe('loupe://app/index.html');
    expect(win.shown).toBe(false);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
  });

  it('denies window.open, navigation and redirects away from the app, and webviews', async () => {
    const win = (await start([]).ready) as unknown as FakeBrowserWindow;
    const wc = win.webContents;
    expect(wc.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler?.({ url: 'loupe://app/index.html' })).toEqual({ action: 'deny' });
    expect(wc.navigate('https://evil.example/')).toBe(true);
    expect(wc.navigate('file:///etc/passwd')).toBe(true);
    expect(wc.navigate('loupe://image/1')).toBe(true);
    expect(wc.navigate('loupe://app/index.html#/review')).toBe(false);
    expect(wc.navigate('https://evil.example/', 'will-redirect')).toBe(true);
    const webview = new FakeEvent();
    wc.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
    // Registered once even though both window creation and web-contents-created harden it.
    expect(wc.listenerCount('will-navigate')).toBe(1);
  });

  it('hardens every other web contents through web-contents-created', async () => {
    await start([]).ready;
    const other = new FakeWebContents();
    app.emit('web-contents-created', new FakeEvent(), other);
    expect(other.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(other.navigate('https://evil.example/')).toBe(true);
  });

  it('denies permission requests and checks', async () => {
    await start([]).ready;
    const answers: boolean[] = [];
    session.defaultSession.permissionRequest?.(null, 'media', (ok) => answers.push(ok));
    expect(answers).toEqual([false]);
    expect(session.defaultSession.permissionCheck?.(null, 'geolocation')).toBe(false);
  });

  it('opens the --project file through the dispatcher before showing the window', async () => {
    const a = start(['--project', p.file]);
    const win = (await a.ready) as unknown as FakeBrowserWindow;
    const info = (await a.dispatch('app:info', {})) as { ok: true; value: { host: string; project: { name: string; images: number } | null } };
    expect(info.value.host).toBe('electron');
    expect(info.value.project?.name).toBe('demo');

    // The window's own top frame reaches the dispatcher over IPC; the handlers cover the contract.
    expect(ipcMain.handlers.size).toBe(METHOD_NAMES.length);
    const from = { senderFrame: { url: 'loupe://app/index.html', parent: null }, sender: { id: win.webContents.id } };
    const made = (await ipcMain.invoke('loupe:classes:create', from, { name: 'defect' })) as { ok: boolean };
    expect(made.ok).toBe(true);
    expect(a.session.project.classes.list().map((c) => c.name)).toEqual(['defect']);
    const stranger = { senderFrame: { url: 'loupe://app/index.html', parent: null }, sender: { id: win.webContents.id + 999 } };
    const refused = (await ipcMain.invoke('loupe:classes:create', stranger, { name: 'other' })) as { ok: boolean; error: { code: string } };
    expect(refused.error.code).toBe('forbidden');

    // Core events reach the page.
    a.session.emit({ type: 'project', project: null });
    expect(win.webContents.sent.at(-1)).toEqual({ channel: 'loupe:event', args: [{ type: 'project', project: null }] });
  });

  it('takes the project from LOUPE_PROJECT when no argument is given', async () => {
    const a = start([], { LOUPE_PROJECT: p.file });
    await a.ready;
    expect(a.session.hasProject).toBe(true);
    expect(a.session.project.file).toBe(p.file);
  });

  it('opens a project file handed over by the OS (open-file), before and after ready', async () => {
    const a = start([]);
    const early = new FakeEvent();
    app.emit('open-file', early, p.file);
    expect(early.defaultPrevented).toBe(true);
    await a.ready;
    expect(a.session.project.file).toBe(p.file);
    await a.session.close();
    app.emit('open-file', new FakeEvent(), p.file);
    await vi.waitFor(() => expect(a.session.hasProject).toBe(true));
    app.emit('open-file', new FakeEvent(), path.join(p.dir, 'gone.loupe'));
    await vi.waitFor(() => expect(dialog.errors.length).toBe(1));
    expect(dialog.errors[0].content).toContain('gone.loupe');
  });

  it('still opens the window, and says why, when the start-up project cannot be opened', async () => {
    const a = start(['--project', path.join(p.dir, 'nope.loupe')]);
    await a.ready;
    expect(FakeBrowserWindow.instances.length).toBe(1);
    expect(a.session.hasProject).toBe(false);
    expect(dialog.errors).toEqual([{ title: 'Could not open the project', content: expect.stringContaining('nope.loupe') }]);
  });

  it('serves the renderer and the project images through the registered protocol', async () => {
    const a = start(['--project', p.file]);
    await a.ready;
    const handler = protocol.handlers.get('loupe');
    expect(handler).toBeDefined();
    const page = await handler!(new Request('loupe://app/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    const id = a.session.project.images.page(0, 1)[0].id;
    const img = await handler!(new Request(`loupe://image/${id}`));
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
  });

  it('installs the application menu', async () => {
    await start([]).ready;
    const labels = (Menu.applicationTemplate as { label?: string }[]).map((m) => m.label);
    expect(labels).toEqual(['File', 'Edit', 'View', 'Help']);
  });

  it('closes the project before quitting', async () => {
    const a = start(['--project', p.file]);
    await a.ready;
    const quit = new FakeEvent();
    app.emit('will-quit', quit);
    expect(quit.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(app.quitCalls).toBe(1));
    expect(a.session.hasProject).toBe(false);
    const again = new FakeEvent();
    app.emit('will-quit', again);
    expect(again.defaultPrevented).toBe(false);
  });

  it('refuses to start without the Electron build of better-sqlite3, saying how to build it', async () => {
    const a = startApp({ argv: ['electron', '.'], env: {}, appPath: appDir });
    started = a;
    await expect(a.ready).rejects.toThrow(/build:electron-native/);
    expect(dialog.errors[0].content).toContain(path.join(appDir, 'build', 'electron-native', 'better_sqlite3.node'));
    expect(app.quitCalls).toBe(1);
    expect(FakeBrowserWindow.instances.length).toBe(0);
  });

  it('hands the Electron build of better-sqlite3 to the session when it exists', async () => {
    const binding = path.join(appDir, 'build', 'electron-native', 'better_sqlite3.node');
    fs.mkdirSync(path.dirname(binding), { recursive: true });
    fs.writeFileSync(binding, '');
    const a = startApp({ argv: ['electron', '.'], env: {}, appPath: appDir });
    started = a;
    await a.ready;
    expect(a.session.options.nativeBinding).toBe(binding);
    expect(dialog.errors).toEqual([]);
  });
});

describe('nativeBindingPath', () => {
  it('points at build/electron-native in development and at resources/native when packaged', () => {
    const loc = { appPath: '/repo', resourcesPath: '/opt/Loupe/resources' };
    expect(nativeBindingPath({ ...loc, isPackaged: false })).toBe('/repo/build/electron-native/better_sqlite3.node');
    expect(nativeBindingPath({ ...loc, isPackaged: true })).toBe('/opt/Loupe/resources/native/better_sqlite3.node');
  });
});

describe('projectArg', () => {
  it('reads --project FILE, --project=FILE, then $LOUPE_PROJECT', () => {
    expect(projectArg(['electron', '.', '--project', 'a.loupe'], {})).toBe(path.resolve('a.loupe'));
    expect(projectArg(['loupe', '--project=/x/b.loupe'], { LOUPE_PROJECT: '/y/c.loupe' })).toBe('/x/b.loupe');
    expect(projectArg(['loupe'], { LOUPE_PROJECT: '/y/c.loupe' })).toBe('/y/c.loupe');
    expect(projectArg(['loupe', '--project'], { LOUPE_PROJECT: ' ' })).toBeNull();
    expect(projectArg(['/opt/Loupe/loupe', '--no-sandbox', '/data/line3.loupe'], { LOUPE_PROJECT: '/y/c.loupe' })).toBe('/data/line3.loupe');
    expect(projectArg(['/opt/Loupe/loupe', '.'], {})).toBeNull();
  });
});
