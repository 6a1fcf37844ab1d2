// `node scripts/third-party-notices.mjs`: write THIRD_PARTY_NOTICES.md, the
// notices for the third-party code the installers hold. `npm run dist` runs it
// after the build, so every installer ships notices for exactly what it bundles.
//
// Two sources, both read from what is installed and built:
// - the production dependency tree (`npm ls --omit=dev --all --json --long`):
//   packages copied into the app's node_modules (or, like yaml and zod, bundled
//   into the main process);
// - the bundles' source maps (dist/main/*.map, dist/renderer/assets/*.map):
//   every package whose code esbuild or Vite put into a bundle, such as React
//   and Konva in the renderer, which are dev dependencies only because they
//   are bundled.
// For each package: name, version, the licence its package.json declares and the
// full text of the licence file it ships. The demo model's licence and provenance
// come from models/manifest.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib.mjs';

/** Where the notices are written. */
export const NOTICES_FILE = path.join(ROOT, 'THIRD_PARTY_NOTICES.md');
/** Folders whose *.map files list the bundled sources. */
export const BUNDLE_DIRS = [path.join(ROOT, 'dist', 'main'), path.join(ROOT, 'dist', 'renderer', 'assets')];

const LICENCE_FILE = /^(licen[cs]e|copying|notice)([-._].*)?$/i;

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The licence a package.json declares, as one SPDX-like string. */
export function declaredLicence(pkg) {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license && typeof pkg.license.type === 'string') return pkg.license.type;
  if (Array.isArray(pkg.licenses)) return pkg.licenses.map((l) => (typeof l === 'string' ? l : l.type)).join(' OR ');
  return 'UNKNOWN';
}

/** The package folder a source-map path lies in (the innermost node_modules/<name>), or null. */
export function packageDirOf(file) {
  const parts = path.resolve(file).split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return null;
  const scoped = parts[at + 1].startsWith('@');
  if (scoped && at + 2 >= parts.length) return null;
  return parts.slice(0, at + (scoped ? 3 : 2)).join(path.sep);
}

/**
 * `npm ls --omit=dev --all --json --long` in `root`. npm exits non-zero when the tree
 * has extraneous or invalid packages, yet still prints the whole tree: that is used.
 */
export function npmLs(root = ROOT) {
  try {
    return execFileSync('npm', ['ls', '--omit=dev', '--all', '--json', '--long'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    if (err && typeof err.stdout === 'string' && err.stdout.trim().startsWith('{')) return err.stdout;
    throw err;
  }
}

/** Package folders of the production dependency tree, as npm resolved them. */
export function productionPackageDirs(root = ROOT) {
  const out = npmLs(root);
  const dirs = new Set();
  const walk = (deps) => {
    for (const d of Object.values(deps ?? {})) {
      // A missing optional dependency (another platform's binary) has no folder.
      if (!d.path || !fs.existsSync(path.join(d.path, 'package.json'))) continue;
      dirs.add(d.path);
      // A deduped entry carries no dependencies; its full entry, elsewhere in the tree, does.
      walk(d.dependencies);
    }
  };
  walk(JSON.parse(out).dependencies);
  return dirs;
}

/** Package folders whose code appears in the source maps under `bundleDirs`. */
export function bundledPackageDirs(bundleDirs = BUNDLE_DIRS) {
  const dirs = new Set();
  let maps = 0;
  for (const dir of bundleDirs) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      if (!name.endsWith('.map')) continue;
      maps += 1;
      const map = readJson(path.join(dir, name));
      const base = path.resolve(dir, map.sourceRoot ?? '');
      for (const src of map.sources ?? []) {
        const pkgDir = packageDirOf(path.resolve(base, src.replace(/^[a-z]+:\/\//i, '')));
        if (pkgDir && fs.existsSync(path.join(pkgDir, 'package.json'))) dirs.add(pkgDir);
      }
    }
  }
  if (maps === 0) throw new Error(`no source maps in ${bundleDirs.map((d) => path.relative(ROOT, d)).join(' or ')}; build first (npm run build:renderer && npm run build:main)`);
  return dirs;
}

/** Name, version, declared licence and licence text of the package in `dir`. */
export function describePackage(dir) {
  const pkg = readJson(path.join(dir, 'package.json'));
  const files = fs.readdirSync(dir).filter((f) => LICENCE_FILE.test(f) && fs.statSync(path.join(dir, f)).isFile()).sort();
  const text = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8').replace(/\r\n/g, '\n').trim()).join('\n\n');
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  return { name: pkg.name, version: pkg.version, licence: declaredLicence(pkg), source: repo ?? pkg.homepage ?? null, licenceFiles: files, text };
}

/**
 * Every third-party package the app ships, sorted by name then version: `where`
 * says whether it is in the app's node_modules, in a bundle, or both.
 */
export function collectNotices({ root = ROOT, bundleDirs = BUNDLE_DIRS } = {}) {
  const byKey = new Map();
  const add = (dir, where) => {
    const p = describePackage(dir);
    if (p.name === 'loupe') return;
    const key = `${p.name}@${p.version}`;
    const entry = byKey.get(key) ?? { ...p, where: new Set() };
    entry.where.add(where);
    byKey.set(key, entry);
  };
  for (const dir of productionPackageDirs(root)) add(dir, 'production dependency');
  for (const dir of bundledPackageDirs(bundleDirs)) add(dir, 'bundled');
  return [...byKey.values()]
    .map((e) => ({ ...e, where: [...e.where].sort() }))
    .sort((a, b) => (a.name === b.name ? a.version.localeCompare(b.version) : a.name < b.name ? -1 : 1));
}

/** The Markdown of THIRD_PARTY_NOTICES.md for `packages`. */
export function renderNotices(packages, manifest = readJson(path.join(ROOT, 'models', 'manifest.json'))) {
  const lines = [
    '# Third-party notices',
    '',
    'Loupe is released under the MIT licence (`LICENSE`). Its installers also hold the',
    'third-party code listed here, each under its own licence. Generated by',
    '`node scripts/third-party-notices.mjs` (run by `npm run dist`) from the production',
    'dependency tree and the bundles\' source maps; do not edit by hand. "production',
    'dependency" is npm\'s production tree (tsx and esbuild in it serve the command',
    'line only and are left out of the desktop installers); "bundled" means the code',
    'is inside the app\'s own bundles (main process, workers, renderer).',
    '',
    '## Electron and Chromium',
    '',
    'The app runs on Electron (MIT), which contains Chromium, Node.js and other',
    'components under their own licences. electron-builder keeps Electron\'s',
    '`LICENSE` (as `LICENSE.electron.txt`) and `LICENSES.chromium.html` beside the',
    'executable in every installer.',
    '',
    '## The demo model',
    '',
    `\`models/demo-detector*.onnx\`: ${manifest.name} ${manifest.version}. Licence: ${manifest.license}.`,
    'It was trained from scratch by the Loupe project on images rendered by Loupe\'s own',
    'demo generator (`resources/demo/`), with the recipe in `models/train/`',
    '(`models/README.md` describes the data, the training and the figures); it contains',
    'no third-party data or weights.',
    '',
    `## Packages (${packages.length})`,
    '',
    '| Package | Version | Licence | Shipped as |',
    '| --- | --- | --- | --- |',
    ...packages.map((p) => `| ${p.name} | ${p.version} | ${p.licence} | ${p.where.join(', ')} |`),
    '',
    '## Licence texts',
    '',
  ];
  for (const p of packages) {
    lines.push(`### ${p.name} ${p.version} (${p.licence})`, '');
    if (p.source) lines.push(`Source: ${p.source.replace(/^git\+/, '')}`, '');
    if (p.text) lines.push('```text', p.text.replace(/```/g, "'''"), '```', '');
    else lines.push(`The package ships no licence file; its package.json declares ${p.licence}.`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Collect and write the notices; returns the packages listed. */
export function writeNotices({ file = NOTICES_FILE, ...opts } = {}) {
  const packages = collectNotices(opts);
  fs.writeFileSync(file, renderNotices(packages));
  return packages;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const packages = writeNotices();
    console.log(`third-party-notices: ${packages.length} packages in ${path.relative(ROOT, NOTICES_FILE)}`);
  } catch (err) {
    console.error(`third-party-notices: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
