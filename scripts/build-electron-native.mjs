// Build better-sqlite3 for Electron's ABI into build/electron-native/.
//
// node_modules/better-sqlite3/build holds the Node build that the tests and the
// CLI load; rebuilding it in place for Electron would break them. So the package
// source is copied to build/electron-native-src and compiled there against the
// Electron headers; only the resulting .node file is kept. The app passes its
// path to better-sqlite3 as `nativeBinding` (main/nativeBinding.ts).
//
// Needs network access to the headers (https://electronjs.org/headers, or a
// mirror in $LOUPE_ELECTRON_HEADERS_URL), Python 3 and a C++20 compiler.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PKG_DIR = path.join(ROOT, 'node_modules', 'better-sqlite3');
const SRC_DIR = path.join(ROOT, 'build', 'electron-native-src');
const OUT_DIR = path.join(ROOT, 'build', 'electron-native');
/** The Electron build of the addon. */
export const OUT_FILE = path.join(OUT_DIR, 'better_sqlite3.node');
const INFO_FILE = path.join(OUT_DIR, 'build-info.json');

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Electron version the build targets, from the installed electron package. */
export function electronVersion() {
  const file = path.join(ROOT, 'node_modules', 'electron', 'package.json');
  if (!fs.existsSync(file)) throw new Error('node_modules/electron is not installed; run npm install first.');
  return readJson(file).version;
}

/** What the current output was built from; a change in any of these means rebuild. */
function wanted(arch) {
  return { electron: electronVersion(), betterSqlite3: readJson(path.join(PKG_DIR, 'package.json')).version, arch };
}

/** True when the output exists, is newer than the installed package, and matches the versions wanted. */
export function isUpToDate(arch = process.arch) {
  if (!fs.existsSync(OUT_FILE) || !fs.existsSync(INFO_FILE)) return false;
  if (fs.statSync(OUT_FILE).mtimeMs <= fs.statSync(path.join(PKG_DIR, 'package.json')).mtimeMs) return false;
  try {
    return JSON.stringify(readJson(INFO_FILE)) === JSON.stringify(wanted(arch));
  } catch {
    return false;
  }
}

/** node-gyp's CLI: the project's copy, else the one npm ships with. */
function nodeGypCli() {
  const candidates = [
    path.join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}

/** Build unless up to date (or `force`); throws with a one-line reason on failure. */
export function buildElectronNative({ force = false, arch = process.env.LOUPE_ELECTRON_ARCH || process.arch, log = console.log } = {}) {
  if (!fs.existsSync(path.join(PKG_DIR, 'binding.gyp'))) throw new Error('node_modules/better-sqlite3 is missing or has no sources; run npm install first.');
  const target = wanted(arch);
  if (!force && isUpToDate(arch)) {
    log(`build-electron-native: up to date (better-sqlite3 ${target.betterSqlite3} for Electron ${target.electron}, ${arch})`);
    return OUT_FILE;
  }
  const gyp = nodeGypCli();
  if (!gyp) throw new Error('node-gyp was not found (neither in node_modules nor bundled with npm).');

  log(`build-electron-native: building better-sqlite3 ${target.betterSqlite3} for Electron ${target.electron} (${arch}) in ${path.relative(ROOT, SRC_DIR)}`);
  fs.rmSync(SRC_DIR, { recursive: true, force: true });
  // The Node build and any nested node_modules stay behind: a clean tree for node-gyp.
  fs.cpSync(PKG_DIR, SRC_DIR, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(PKG_DIR, src);
      return rel !== 'build' && !rel.startsWith(`build${path.sep}`) && rel !== 'node_modules' && !rel.startsWith(`node_modules${path.sep}`);
    },
  });

  const distUrl = process.env.LOUPE_ELECTRON_HEADERS_URL || 'https://electronjs.org/headers';
  const args = [gyp, 'rebuild', '--release', `--target=${target.electron}`, `--dist-url=${distUrl}`, `--arch=${arch}`,
    // Electron's headers get their own cache so they never mix with Node's.
    `--devdir=${path.join(os.homedir(), '.electron-gyp')}`];
  const r = spawnSync(process.execPath, args, { cwd: SRC_DIR, stdio: 'inherit', env: { ...process.env, npm_config_runtime: 'electron' } });
  if (r.error) throw new Error(`could not run node-gyp: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(
      `node-gyp failed (exit ${r.status}) building better-sqlite3 for Electron ${target.electron}. ` +
        `It needs the Electron headers from ${distUrl} (network access), Python 3 and a C++20 compiler; see the output above.`,
    );
  }
  const built = path.join(SRC_DIR, 'build', 'Release', 'better_sqlite3.node');
  if (!fs.existsSync(built)) throw new Error(`node-gyp reported success but ${path.relative(ROOT, built)} is missing.`);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.copyFileSync(built, OUT_FILE);
  fs.writeFileSync(INFO_FILE, `${JSON.stringify(target, null, 2)}\n`);
  log(`build-electron-native: wrote ${path.relative(ROOT, OUT_FILE)}`);
  return OUT_FILE;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    buildElectronNative({ force: process.argv.includes('--force') });
  } catch (err) {
    console.error(`build-electron-native: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
