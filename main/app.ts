import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session as electronSession } from 'electron';
import { createDispatcher, type Dispatch } from '../app/hosts/dispatcher.ts';
import { Session } from '../app/services/Session.ts';
import { forwardEvents, registerContract, trustedIn } from './ipc.ts';
import { menuTemplate } from './menu.ts';
import { missingBinding, nativeBindingPath } from './nativeBinding.ts';
import { createProtocolHandler } from './protocol.ts';
import { APP_URL, hardenWebContents, SCHEME, SCHEME_PRIVILEGES } from './security.ts';

/** How the process was started. */
export interface StartOptions {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Folder holding dist/; defaults to `app.getAppPath()`. */
  appPath?: string;
  /** Override the better-sqlite3 binding; `null` uses the copy in node_modules. */
  nativeBinding?: string | null;
  /** The detector worker; defaults to detectWorker.mjs beside the bundled main.cjs. */
  workerFile?: URL;
  /** The evaluation worker; defaults to evalWorker.mjs beside the bundled main.cjs. */
  evaluateWorkerFile?: URL;
}

/** What a started app exposes, mostly for tests. */
export interface LoupeApp {
  session: Session;
  dispatch: Dispatch;
  /** Resolves with the main window once the app is ready and the window is loading. */
  ready: Promise<BrowserWindow>;
}

/**
 * The project to open at start: `--project FILE`, `--project=FILE`, a `.loupe`
 * path on its own (how the OS passes a double-clicked file), or $LOUPE_PROJECT.
 */
export function projectArg(argv: readonly string[], env: NodeJS.ProcessEnv): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--project' && i + 1 < argv.length) return path.resolve(argv[i + 1]);
    if (a.startsWith('--project=') && a.length > '--project='.length) return path.resolve(a.slice('--project='.length));
  }
  const positional = argv.slice(1).find((a) => !a.startsWith('-') && a.toLowerCase().endsWith('.loupe'));
  if (positional) return path.resolve(positional);
  const fromEnv = env.LOUPE_PROJECT?.trim();
  return fromEnv ? path.resolve(fromEnv) : null;
}

/** Open the main window on the renderer, locked down, with core events forwarded to it. */
export function createMainWindow(deps: { preload: string; session: Session }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Loupe',
    backgroundColor: '#1e1e1e',
    // Spelled out in this call, not built elsewhere, so the security linter
    // (main/electronegativity.test.ts) checks the values the window really gets.
    webPreferences: {
      // Reviewed (electronegativity PRELOAD_JS_CHECK): the preload exposes only the contract's
      // methods and an event subscription through contextBridge, never ipcRenderer.
      preload: deps.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      // Middle-click would otherwise ask for a new window (denied anyway by the window-open handler).
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
    },
  });
  hardenWebContents(win.webContents);
  const stop = forwardEvents(deps.session, win.webContents);
  win.on('closed', stop);
  win.once('ready-to-show', () => win.show());
  win.loadURL(APP_URL).catch((err: unknown) => {
    console.error(`loupe: could not load ${APP_URL}: ${err instanceof Error ? err.message : String(err)}`);
  });
  return win;
}

/**
 * Wire the Electron host: privileged scheme and sandbox before ready; IPC,
 * protocol, menu, the start-up project and the window once ready.
 */
export function startApp(opts: StartOptions): LoupeApp {
  protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { ...SCHEME_PRIVILEGES } }]);
  app.enableSandbox();

  const appPath = opts.appPath ?? app.getAppPath();
  const location = { isPackaged: app.isPackaged, appPath, resourcesPath: process.resourcesPath };
  const binding = opts.nativeBinding === undefined ? nativeBindingPath(location) : (opts.nativeBinding ?? undefined);
  // main.cjs, detectWorker.mjs and evalWorker.mjs are bundled side by side into dist/main/.
  const workerFile = opts.workerFile ?? pathToFileURL(path.join(__dirname, 'detectWorker.mjs'));
  const evaluateWorkerFile = opts.evaluateWorkerFile ?? pathToFileURL(path.join(__dirname, 'evalWorker.mjs'));
  const session = new Session('electron', { nativeBinding: binding }, { workerFile, evaluateWorkerFile });
  const dispatch = createDispatcher(session);
  let main: BrowserWindow | null = null;

  registerContract(ipcMain, dispatch, trustedIn(() => BrowserWindow.getAllWindows().map((w) => w.webContents)));
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    // Let running jobs stop and the database close before the process ends.
    event.preventDefault();
    void session.close().finally(() => {
      closed = true;
      app.quit();
    });
  });

  // macOS hands over double-clicked project files by event, possibly before ready.
  let isReady = false;
  let pendingFile: string | null = null;
  app.on('open-file', (event, file) => {
    event.preventDefault();
    if (!isReady) {
      pendingFile = file;
      return;
    }
    void dispatch('project:open', { file }).then((r) => {
      if (!r.ok) dialog.showErrorBox('Could not open the project', r.error.message);
    });
  });

  const openWindow = () => {
    main = createMainWindow({ preload: path.join(appPath, 'dist', 'main', 'preload.cjs'), session });
    main.on('closed', () => {
      main = null;
    });
    return main;
  };

  const ready = app.whenReady().then(async () => {
    const missing = binding ? missingBinding(binding, app.isPackaged) : null;
    if (missing) {
      dialog.showErrorBox('Loupe cannot start', missing);
      app.quit();
      throw new Error(missing);
    }
    electronSession.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    electronSession.defaultSession.setPermissionCheckHandler(() => false);
    protocol.handle(
      SCHEME,
      createProtocolHandler({ rendererDir: path.join(appPath, 'dist', 'renderer'), project: () => (session.hasProject ? session.project : null) }),
    );
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(menuTemplate({ dispatch, dialog, window: () => main, platform: process.platform, version: app.getVersion(), packaged: app.isPackaged })),
    );

    isReady = true;
    const file = pendingFile ?? projectArg(opts.argv, opts.env);
    const opened = file ? await dispatch('project:open', { file }) : null;
    const win = openWindow();
    if (opened && !opened.ok) dialog.showErrorBox('Could not open the project', opened.error.message);
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
    return win;
  });
  return { session, dispatch, ready };
}
