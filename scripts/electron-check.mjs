// Is an Electron binary there to run, or can it be fetched now? Asked before
// anything is built for Electron, so a machine that cannot have it (a network
// that serves only the package registry, say) learns so in one line at once.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib.mjs';

const DIR = path.join(ROOT, 'node_modules', 'electron');

/** The Electron executable the electron package would run, or null when it is not on disk. */
function installed() {
  const pathFile = path.join(DIR, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : '';
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(DIR, 'dist');
  const exe = path.join(dist, rel || 'electron');
  return fs.existsSync(exe) ? exe : null;
}

/**
 * `{ ok: true, exe }` when Electron can run, after downloading it once if
 * needed; `{ ok: false, why }` with a short reason otherwise.
 */
export function electronAvailable() {
  if (!fs.existsSync(path.join(DIR, 'package.json'))) return { ok: false, why: 'the electron package is not installed' };
  const exe = installed();
  if (exe) return { ok: true, exe };
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return { ok: false, why: `no Electron binary in ELECTRON_OVERRIDE_DIST_PATH (${process.env.ELECTRON_OVERRIDE_DIST_PATH})` };
  // The package's own installer, as its first use would run it, but with the output kept.
  const r = spawnSync(process.execPath, [path.join(DIR, 'install.js')], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  const after = installed();
  if (r.status === 0 && after) return { ok: true, exe: after };
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n').map((l) => l.trim());
  const reason = lines.find((l) => /error|fail/i.test(l) && !l.startsWith('at ')) ?? (r.error ? r.error.message : `exit ${r.status ?? r.signal}`);
  return { ok: false, why: `its download failed: ${reason.slice(0, 120)}` };
}
