// `npm run dist [-- --linux|--win|--mac …]`: build everything, then package with
// electron-builder (configuration in electron-builder.yml; installers go to release/).
// electron-builder downloads the Electron runtime for each target platform, and
// the native build needs the Electron headers: both need network access.
import path from 'node:path';
import { buildApp } from './build-app.mjs';
import { ROOT, fail, run } from './lib.mjs';
import { writeNotices } from './third-party-notices.mjs';

await buildApp();
// The notices list what this build bundles, for the platform it is built on.
try {
  writeNotices();
} catch (err) {
  fail(`writing THIRD_PARTY_NOTICES.md failed: ${err instanceof Error ? err.message : String(err)}`);
}
run(process.execPath, [path.join(ROOT, 'node_modules', 'electron-builder', 'cli.js'), '--config', 'electron-builder.yml', ...process.argv.slice(2)], 'electron-builder');
