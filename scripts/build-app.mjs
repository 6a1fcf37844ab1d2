// What `npm start` and `npm run dist` both build before Electron runs or is packaged.
import { buildElectronNative } from './build-electron-native.mjs';
import { buildMain } from './build-main.mjs';
import { ensureRenderer, fail } from './lib.mjs';

/** Renderer (when stale), main process + preload + detector worker, and better-sqlite3 for Electron's ABI. */
export async function buildApp() {
  ensureRenderer();
  try {
    await buildMain();
  } catch (err) {
    fail(`building the main process failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    buildElectronNative();
  } catch (err) {
    fail(`building better-sqlite3 for Electron failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
