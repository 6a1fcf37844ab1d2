import fs from 'node:fs';
import path from 'node:path';

/** File name of better-sqlite3's compiled addon. */
export const BINDING_FILE = 'better_sqlite3.node';
/** Where `scripts/build-electron-native.mjs` puts the Electron build, relative to the app folder. */
export const DEV_BINDING_DIR = path.join('build', 'electron-native');

/** Where to find the app's own files and whether it runs from an installer build. */
export interface BindingLocation {
  isPackaged: boolean;
  /** `app.getAppPath()`: the repository in development. */
  appPath: string;
  /** `process.resourcesPath` of the packaged app. */
  resourcesPath: string;
}

/**
 * Path of better-sqlite3 compiled for Electron's ABI. The copy in node_modules
 * is built for Node (tests, CLI) and would fail to load inside Electron.
 */
export function nativeBindingPath(loc: BindingLocation): string {
  return loc.isPackaged
    ? path.join(loc.resourcesPath, 'native', BINDING_FILE)
    : path.join(loc.appPath, DEV_BINDING_DIR, BINDING_FILE);
}

/** Null when the binding exists, otherwise a message saying how to produce it. */
export function missingBinding(file: string, isPackaged: boolean): string | null {
  if (fs.existsSync(file)) return null;
  const fix = isPackaged
    ? 'The installation is incomplete; reinstall Loupe.'
    : 'Run `npm run build:electron-native` (it needs network access to the Electron headers).';
  return `better-sqlite3 built for Electron is missing at ${file}. ${fix}`;
}
