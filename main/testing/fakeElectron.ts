// A stand-in for the `electron` module, for unit tests only: Electron cannot run
// on the machines these tests run on. It records what the host asks of Electron
// and lets a test play the part of the page, the user and the OS dialogs.
import { EventEmitter } from 'node:events';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

/** An Electron-style event whose default can be prevented. */
export class FakeEvent {
  defaultPrevented = false;
  constructor(readonly url?: string) {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

/** A frame as `event.senderFrame` presents it. */
export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

let nextContentsId = 1;

/** Records `send`s and keeps the window-open handler, like a WebContents. */
export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => unknown) | null = null;
  destroyed = false;
  mainFrame: FakeFrame = { url: 'loupe://app/index.html', parent: null };
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => unknown): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** Simulate the page navigating: returns whether the host prevented it. */
  navigate(url: string, event: 'will-navigate' | 'will-redirect' = 'will-navigate'): boolean {
    const e = new FakeEvent(url);
    this.emit(event, e, url);
    return e.defaultPrevented;
  }
}

/** Records its constructor options and loaded URL, like a BrowserWindow. */
export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loadedUrl: string | null = null;
  shown = false;
  destroyed = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
    app.emit('web-contents-created', new FakeEvent(), this.webContents);
  }
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.instances.filter((w) => !w.destroyed);
  }
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
  }
  show(): void {
    this.shown = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  close(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

class FakeApp extends EventEmitter {
  appPath = process.cwd();
  isPackaged = false;
  sandboxed = false;
  quitCalls = 0;
  getAppPath(): string {
    return this.appPath;
  }
  getVersion(): string {
    return '0.1.0';
  }
  enableSandbox(): void {
    this.sandboxed = true;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  quit(): void {
    this.quitCalls++;
  }
}

/** The fake `app`. */
export const app = new FakeApp();

/** The fake `ipcMain`: handlers by channel; a second handler on a channel throws as in Electron. */
export const ipcMain = {
  handlers: new Map<string, Handler>(),
  handleCalls: [] as string[],
  handle(channel: string, fn: Handler): void {
    this.handleCalls.push(channel);
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, fn);
  },
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  },
  /** Play the renderer: invoke a channel as if from `sender`/`senderFrame`. */
  async invoke(channel: string, from: { senderFrame?: FakeFrame | null; sender?: { id: number } }, payload?: unknown): Promise<unknown> {
    const fn = this.handlers.get(channel);
    if (!fn) throw new Error(`No handler registered for '${channel}'`);
    return fn({ senderFrame: from.senderFrame ?? null, sender: from.sender ?? { id: -1 } }, payload);
  },
};

/** The fake `ipcRenderer`: `invoke` records calls; `emitFromMain` plays the main process sending. */
export const ipcRenderer = Object.assign(new EventEmitter(), {
  invocations: [] as { channel: string; args: unknown[] }[],
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    ipcRenderer.invocations.push({ channel, args });
    return { ok: true, value: { channel } };
  },
  emitFromMain(channel: string, payload: unknown): void {
    ipcRenderer.emit(channel, { sender: 'ipc-renderer-event' }, payload);
  },
});

/** The fake `contextBridge`: what was exposed, by key. */
export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown): void {
    this.exposed.set(key, api);
  },
};

type RequestHandler = (request: Request) => Response | Promise<Response>;

/** The fake `protocol`: privileged schemes and handlers by scheme. */
export const protocol = {
  privileged: [] as { scheme: string; privileges?: Record<string, boolean> }[],
  handlers: new Map<string, RequestHandler>(),
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges?: Record<string, boolean> }[]): void {
    this.privileged.push(...schemes);
  },
  handle(scheme: string, handler: RequestHandler): void {
    this.handlers.set(scheme, handler);
  },
};

/** The fake `Menu`: the template of the application menu. */
export const Menu = {
  applicationTemplate: null as unknown[] | null,
  buildFromTemplate(template: unknown[]) {
    return { template };
  },
  setApplicationMenu(menu: { template: unknown[] } | null): void {
    this.applicationTemplate = menu?.template ?? null;
  },
};

/** The fake `dialog`: answers come from queues a test fills; errors and messages are recorded. */
export const dialog = {
  openAnswers: [] as string[][],
  saveAnswers: [] as (string | null)[],
  openCalls: [] as Record<string, unknown>[],
  saveCalls: [] as Record<string, unknown>[],
  errors: [] as { title: string; content: string }[],
  messages: [] as Record<string, unknown>[],
  async showOpenDialog(...args: unknown[]) {
    this.openCalls.push(args[args.length - 1] as Record<string, unknown>);
    const paths = this.openAnswers.shift();
    return { canceled: !paths, filePaths: paths ?? [] };
  },
  async showSaveDialog(...args: unknown[]) {
    this.saveCalls.push(args[args.length - 1] as Record<string, unknown>);
    const file = this.saveAnswers.shift() ?? null;
    return { canceled: !file, filePath: file ?? '' };
  },
  showErrorBox(title: string, content: string): void {
    this.errors.push({ title, content });
  },
  async showMessageBox(...args: unknown[]) {
    this.messages.push(args[args.length - 1] as Record<string, unknown>);
    return { response: 0, checkboxChecked: false };
  },
};

/** The fake `session`: permission handlers of the default session. */
export const session = {
  defaultSession: {
    permissionRequest: null as null | ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void),
    permissionCheck: null as null | ((...args: unknown[]) => boolean),
    setPermissionRequestHandler(fn: (wc: unknown, permission: string, cb: (ok: boolean) => void) => void) {
      this.permissionRequest = fn;
    },
    setPermissionCheckHandler(fn: (...args: unknown[]) => boolean) {
      this.permissionCheck = fn;
    },
  },
};

/** Forget everything recorded, between tests. */
export function resetFake(): void {
  app.removeAllListeners();
  app.appPath = process.cwd();
  app.isPackaged = false;
  app.sandboxed = false;
  app.quitCalls = 0;
  FakeBrowserWindow.instances = [];
  ipcMain.handlers.clear();
  ipcMain.handleCalls = [];
  ipcRenderer.removeAllListeners();
  ipcRenderer.invocations = [];
  contextBridge.exposed.clear();
  protocol.privileged = [];
  protocol.handlers.clear();
  Menu.applicationTemplate = null;
  dialog.openAnswers = [];
  dialog.saveAnswers = [];
  dialog.openCalls = [];
  dialog.saveCalls = [];
  dialog.errors = [];
  dialog.messages = [];
  session.defaultSession.permissionRequest = null;
  session.defaultSession.permissionCheck = null;
}

export { FakeBrowserWindow as BrowserWindow };
