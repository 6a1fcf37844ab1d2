// `npm run dist [-- --linux|--win|--mac …]`: build everything, then package with
// electron-builder (configuration in electron-builder.yml; installers go to release/).
// electron-builder downloads the Electron runtime for each target platform, and
// the native build needs the Electron headers: both need network access.
import path from 'node:path';
import { buildElectronNative } from './build-electron-native.mjs';
import { buildMain } from './build-main.mjs';
import { ensureRenderer, fail, ROOT, run } from './lib.mjs';

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
run(process.execPath, [path.join(ROOT, 'node_modules', 'electron-builder', 'cli.js'), '--config', 'electron-builder.yml', ...process.argv.slice(2)], 'electron-builder');
