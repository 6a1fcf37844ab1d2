// Small helpers shared by the start, web and test scripts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time of any file under `dir` (0 when missing). */
export function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const t = fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/** Build the renderer with Vite when its output is missing or older than its sources. */
export function ensureRenderer() {
  const out = path.join(ROOT, 'dist/renderer/index.html');
  const built = fs.existsSync(out) ? fs.statSync(out).mtimeMs : 0;
  if (built > newestMtime(path.join(ROOT, 'renderer')) && built > newestMtime(path.join(ROOT, 'app/contract'))) return;
  run(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], 'building the UI');
}

/** Create the bundled demo project when missing; returns its path. */
export function ensureDemo() {
  const script = path.join(ROOT, 'scripts/demo.mjs');
  const r = spawnSync(process.execPath, [script], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) fail('creating the demo project failed');
  return r.stdout.trim().split('\n').at(-1);
}

/** Run a command, inheriting output; exit with a one-line message on failure. */
export function run(cmd, args, what, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) fail(`${what} failed (exit ${r.status ?? r.signal})`);
  return r;
}

export function fail(msg) {
  console.error(`loupe: ${msg}`);
  process.exit(1);
}
