import fs from 'node:fs';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDispatcher } from '../app/hosts/dispatcher.ts';
import { Session } from '../app/services/Session.ts';
import { addModelFromMenu, importImagesFromMenu, menuTemplate, newProjectFromMenu, openProjectFromMenu, type MenuDeps } from './menu.ts';
import { dialog, FakeBrowserWindow, resetFake } from './testing/fakeElectron.ts';
import { makeTempProject, tempDir, writeImage, type TempProject } from './testing/tempProject.ts';

vi.mock('electron', () => import('./testing/fakeElectron.ts'));

type Item = MenuItemConstructorOptions;

function find(template: Item[], menu: string, label: string): Item {
  const sub = template.find((m) => m.label === menu)?.submenu as Item[] | undefined;
  const item = sub?.find((i) => i.label === label);
  if (!item) throw new Error(`no ${menu} › ${label}`);
  return item;
}

function click(item: Item): void {
  (item.click as unknown as () => void)();
}

describe('application menu', () => {
  let p: TempProject;
  let session: Session;
  let deps: MenuDeps;
  let win: FakeBrowserWindow;

  beforeEach(async () => {
    resetFake();
    p = await makeTempProject();
    await p.session.close();
    session = new Session('electron');
    win = new FakeBrowserWindow({});
    deps = { dispatch: createDispatcher(session), dialog: dialog as never, window: () => win as never, platform: 'linux', version: '0.1.0', packaged: false };
  });
  afterEach(async () => {
    await session.close();
    await p.cleanup();
  });

  it('has File, Edit, View and Help with the expected commands', () => {
    const t = menuTemplate(deps);
    expect(t.map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Help']);
    for (const label of ['Open Project…', 'New Project from Folder…', 'Import Images…', 'Quit']) find(t, 'File', label);
    for (const label of ['Undo', 'Redo']) find(t, 'Edit', label);
    for (const label of ['Fit to Window', 'Zoom In', 'Zoom Out', 'Toggle Developer Tools']) find(t, 'View', label);
    find(t, 'Help', 'About Loupe');
    expect(find(t, 'File', 'Quit').role).toBe('quit');
    expect(find(t, 'View', 'Toggle Developer Tools').role).toBe('toggleDevTools');
  });

  it('an installed build has no developer tools anywhere in its menu', () => {
    const t = menuTemplate({ ...deps, packaged: true });
    const all = (items: Item[]): Item[] => items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? all(i.submenu as Item[]) : [])]);
    const items = all(t as Item[]);
    expect(items.some((i) => i.role === 'toggleDevTools' || /developer/i.test(String(i.label ?? '')))).toBe(false);
    for (const label of ['Fit to Window', 'Zoom In', 'Zoom Out']) find(t, 'View', label);
  });

  it('puts the app menu first on macOS, where Quit lives', () => {
    const t = menuTemplate({ ...deps, platform: 'darwin' });
    expect(t[0].role).toBe('appMenu');
    expect((t[1].submenu as Item[]).some((i) => i.role === 'quit')).toBe(false);
  });

  it('sends Edit and View commands to the renderer on loupe:menu', () => {
    const t = menuTemplate(deps);
    click(find(t, 'Edit', 'Undo'));
    click(find(t, 'Edit', 'Redo'));
    click(find(t, 'View', 'Fit to Window'));
    click(find(t, 'View', 'Zoom In'));
    click(find(t, 'View', 'Zoom Out'));
    expect(win.webContents.sent).toEqual(['undo', 'redo', 'fit', 'zoom-in', 'zoom-out'].map((a) => ({ channel: 'loupe:menu', args: [a] })));
    win.close();
    click(find(t, 'Edit', 'Undo'));
    expect(win.webContents.sent.length).toBe(5);
  });

  it('File › Import Labels… and Export Dataset… open their dialogs in the renderer', () => {
    const t = menuTemplate(deps);
    const file = (t.find((m) => m.label === 'File')!.submenu as Item[]).map((i) => i.label ?? i.type ?? i.role);
    expect(file.indexOf('Import Labels…')).toBeGreaterThan(file.indexOf('Add Model…'));
    expect(file.indexOf('Export Dataset…')).toBeLessThan(file.indexOf('Quit'));
    expect(find(t, 'File', 'Export Dataset…').accelerator).toBe('CmdOrCtrl+E');
    click(find(t, 'File', 'Import Labels…'));
    click(find(t, 'File', 'Export Dataset…'));
    expect(win.webContents.sent).toEqual([
      { channel: 'loupe:menu', args: ['import-labels'] },
      { channel: 'loupe:menu', args: ['export'] },
    ]);
    // Nothing ran in the main process: the dialogs ask for the options first.
    expect(dialog.openCalls).toEqual([]);
    expect(session.jobs.list()).toEqual([]);
  });

  it('File › Export Work Package… and Import Work Package… open their dialogs in the renderer', () => {
    const t = menuTemplate(deps);
    click(find(t, 'File', 'Export Work Package…'));
    click(find(t, 'File', 'Import Work Package…'));
    expect(win.webContents.sent).toEqual([
      { channel: 'loupe:menu', args: ['package-export'] },
      { channel: 'loupe:menu', args: ['package-import'] },
    ]);
    expect(session.jobs.list()).toEqual([]);
  });

  it('Open Project… asks for a .loupe file and opens it', async () => {
    dialog.openAnswers.push([p.file]);
    click(find(menuTemplate(deps), 'File', 'Open Project…'));
    await vi.waitFor(() => expect(session.hasProject).toBe(true));
    expect(session.project.file).toBe(p.file);
    expect(dialog.openCalls[0]).toMatchObject({ properties: ['openFile'], filters: [{ name: 'Loupe project', extensions: ['loupe'] }] });
    expect(dialog.errors).toEqual([]);
  });

  it('Open Project… does nothing when cancelled, and reports a file that is not a project', async () => {
    expect(await openProjectFromMenu(deps)).toBe(false);
    expect(session.hasProject).toBe(false);
    const junk = path.join(p.dir, 'junk.loupe');
    fs.writeFileSync(junk, 'not sqlite at all, just text');
    dialog.openAnswers.push([junk]);
    expect(await openProjectFromMenu(deps)).toBe(false);
    expect(dialog.errors).toEqual([{ title: 'Could not open the project', content: expect.stringContaining('not a Loupe project') }]);
  });

  it('New Project from Folder… picks the images, saves the project next to them and imports', async () => {
    const dir = tempDir();
    try {
      const images = path.join(dir, 'line3');
      await writeImage(path.join(images, 'x.jpg'), 'jpeg');
      await writeImage(path.join(images, 'y.png'), 'png');
      await writeImage(path.join(images, 'z.png'), 'png', 16, 16, 77);
      dialog.openAnswers.push([images]);
      dialog.saveAnswers.push(path.join(dir, 'review'));
      expect(await newProjectFromMenu(deps)).toBe(true);
      expect(dialog.openCalls[0]).toMatchObject({ properties: ['openDirectory'] });
      expect(dialog.saveCalls[0]).toMatchObject({ defaultPath: path.join(dir, 'line3.loupe') });
      expect(session.project.file).toBe(path.join(dir, 'review.loupe'));
      await Promise.all(session.jobs.list().map((j) => session.jobs.wait(j.id)));
      expect(session.project.images.count()).toBe(3);
    } finally {
      await session.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Import Images… needs an open project, then adds the folder as a job', async () => {
    dialog.openAnswers.push([p.imagesDir]);
    expect(await importImagesFromMenu(deps)).toBe(false);
    expect(dialog.errors[0]).toEqual({ title: 'Could not import images', content: expect.stringContaining('No project is open') });

    dialog.openAnswers.push([p.file]);
    await openProjectFromMenu(deps);
    const more = path.join(p.dir, 'more');
    await writeImage(path.join(more, 'c.jpg'), 'jpeg', 20, 20, 5);
    dialog.openAnswers.push([more]);
    expect(await importImagesFromMenu(deps)).toBe(true);
    await Promise.all(session.jobs.list().map((j) => session.jobs.wait(j.id)));
    expect(session.project.images.count()).toBe(3);
  });

  it('Add Model… refuses a file that is not a model, with the reason, and stores nothing', async () => {
    dialog.openAnswers.push([p.file]);
    await openProjectFromMenu(deps);
    const bogus = path.join(p.dir, 'bogus.onnx');
    fs.writeFileSync(bogus, 'not a model');
    dialog.openAnswers.push([bogus]);
    expect(await addModelFromMenu(deps)).toBe(false);
    expect(dialog.openCalls.at(-1)).toMatchObject({ filters: [{ name: 'ONNX model', extensions: ['onnx'] }] });
    expect(dialog.errors.at(-1)).toEqual({ title: 'Could not add the model', content: expect.stringContaining('bogus.onnx') });
    expect(session.project.models.list()).toEqual([]);
  });

  it('About shows the version', async () => {
    click(find(menuTemplate(deps), 'Help', 'About Loupe'));
    expect(dialog.messages[0]).toMatchObject({ title: 'About Loupe', message: 'Loupe 0.1.0' });
  });
});
