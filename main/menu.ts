import path from 'node:path';
import type { BaseWindow, BrowserWindow, Dialog, MenuItemConstructorOptions, OpenDialogOptions, SaveDialogOptions } from 'electron';
import type { MethodName } from '../app/contract/methods.ts';
import type { Dispatch } from '../app/hosts/dispatcher.ts';
import { MENU_CHANNEL } from './channels.ts';

/** Menu commands the renderer carries out itself (it owns the canvas, the undo stack's UI and the export and import dialogs). */
export type MenuAction = 'undo' | 'redo' | 'fit' | 'zoom-in' | 'zoom-out' | 'export' | 'import-labels' | 'package-export' | 'package-import';

/** What the menu needs from the host. */
export interface MenuDeps {
  dispatch: Dispatch;
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog' | 'showMessageBox' | 'showErrorBox'>;
  /** The window menu commands and dialogs belong to, if any is open. */
  window: () => BrowserWindow | null;
  platform: NodeJS.Platform;
  version: string;
  /** An installed build: no developer tools in its menu. */
  packaged: boolean;
}

const PROJECT_FILTER = { name: 'Loupe project', extensions: ['loupe'] };

function openDialog(deps: MenuDeps, options: OpenDialogOptions) {
  const win = deps.window();
  return win ? deps.dialog.showOpenDialog(win as BaseWindow, options) : deps.dialog.showOpenDialog(options);
}

function saveDialog(deps: MenuDeps, options: SaveDialogOptions) {
  const win = deps.window();
  return win ? deps.dialog.showSaveDialog(win as BaseWindow, options) : deps.dialog.showSaveDialog(options);
}

/** Send a command to the renderer of the current window. */
export function sendMenuAction(deps: Pick<MenuDeps, 'window'>, action: MenuAction): void {
  const win = deps.window();
  if (win && !win.isDestroyed()) win.webContents.send(MENU_CHANNEL, action);
}

async function call(deps: MenuDeps, title: string, method: MethodName, payload: unknown): Promise<boolean> {
  const reply = await deps.dispatch(method, payload);
  if (!reply.ok) deps.dialog.showErrorBox(title, reply.error.message);
  return reply.ok;
}

/** File › Open Project…: pick a .loupe file and open it. Resolves to whether a project was opened. */
export async function openProjectFromMenu(deps: MenuDeps): Promise<boolean> {
  const r = await openDialog(deps, { title: 'Open Project', properties: ['openFile'], filters: [PROJECT_FILTER] });
  if (r.canceled || r.filePaths.length === 0) return false;
  return call(deps, 'Could not open the project', 'project:open', { file: r.filePaths[0] });
}

/** File › New Project from Folder…: pick the images, then where the project file goes; the import starts as a job. */
export async function newProjectFromMenu(deps: MenuDeps): Promise<boolean> {
  const dir = await openDialog(deps, { title: 'Choose the folder of images', properties: ['openDirectory'] });
  if (dir.canceled || dir.filePaths.length === 0) return false;
  const imagesDir = dir.filePaths[0];
  const save = await saveDialog(deps, {
    title: 'Save the new project as',
    defaultPath: path.join(path.dirname(imagesDir), `${path.basename(imagesDir)}.loupe`),
    filters: [PROJECT_FILTER],
  });
  if (save.canceled || !save.filePath) return false;
  const file = save.filePath.endsWith('.loupe') ? save.filePath : `${save.filePath}.loupe`;
  return call(deps, 'Could not create the project', 'project:create', { file, imagesDir });
}

/** File › Import Images…: add a folder of images to the open project. */
export async function importImagesFromMenu(deps: MenuDeps): Promise<boolean> {
  const r = await openDialog(deps, { title: 'Import Images', properties: ['openDirectory'] });
  if (r.canceled || r.filePaths.length === 0) return false;
  return call(deps, 'Could not import images', 'images:import', { dir: r.filePaths[0] });
}

/** File › Add Model…: pick an ONNX detection export; Loupe validates it, maps its classes by name and measures its latency. */
export async function addModelFromMenu(deps: MenuDeps): Promise<boolean> {
  const r = await openDialog(deps, {
    title: 'Add a detection model',
    properties: ['openFile'],
    filters: [{ name: 'ONNX model', extensions: ['onnx'] }],
  });
  if (r.canceled || r.filePaths.length === 0) return false;
  return call(deps, 'Could not add the model', 'models:add', { file: r.filePaths[0] });
}

function run(deps: MenuDeps, title: string, task: (d: MenuDeps) => Promise<unknown>): () => void {
  return () => {
    task(deps).catch((err: unknown) => deps.dialog.showErrorBox(title, err instanceof Error ? err.message : String(err)));
  };
}

/** The application menu. Edit/View commands go to the renderer; File commands run here through the dispatcher. */
export function menuTemplate(deps: MenuDeps): MenuItemConstructorOptions[] {
  const mac = deps.platform === 'darwin';
  const action = (a: MenuAction) => () => sendMenuAction(deps, a);
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: run(deps, 'Could not open the project', openProjectFromMenu) },
        { label: 'New Project from Folder…', accelerator: 'CmdOrCtrl+N', click: run(deps, 'Could not create the project', newProjectFromMenu) },
        { label: 'Import Images…', accelerator: 'CmdOrCtrl+I', click: run(deps, 'Could not import images', importImagesFromMenu) },
        { label: 'Add Model…', click: run(deps, 'Could not add the model', addModelFromMenu) },
        { type: 'separator' },
        // Both need options and a summary to read, which the renderer's dialogs show.
        { label: 'Import Labels…', click: action('import-labels') },
        { label: 'Export Dataset…', accelerator: 'CmdOrCtrl+E', click: action('export') },
        { type: 'separator' },
        { label: 'Export Work Package…', click: action('package-export') },
        { label: 'Import Work Package…', click: action('package-import') },
        ...(mac ? [] : [{ type: 'separator' as const }, { label: 'Quit', role: 'quit' as const }]),
      ],
    },
    {
      label: 'Edit',
      submenu: [
        { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: action('undo') },
        { label: 'Redo', accelerator: 'CmdOrCtrl+Shift+Z', click: action('redo') },
        { type: 'separator' },
        // Roles keep cut/copy/paste working in text fields (macOS routes them through the menu).
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Fit to Window', accelerator: 'CmdOrCtrl+0', click: action('fit') },
        { label: 'Zoom In', accelerator: 'CmdOrCtrl+=', click: action('zoom-in') },
        { label: 'Zoom Out', accelerator: 'CmdOrCtrl+-', click: action('zoom-out') },
        // Developer tools would give whoever sits at an installed Loupe a console into the page.
        ...(deps.packaged ? [] : [{ type: 'separator' as const }, { label: 'Toggle Developer Tools', role: 'toggleDevTools' as const }]),
      ],
    },
    {
      label: 'Help',
      submenu: [
        {
          label: 'About Loupe',
          click: () => {
            void deps.dialog.showMessageBox({
              type: 'info',
              title: 'About Loupe',
              message: `Loupe ${deps.version}`,
              detail: 'Review, correct and measure object-detector labels on flagged production images.',
            });
          },
        },
      ],
    },
  ];
  return mac ? [{ role: 'appMenu' }, ...template] : template;
}
