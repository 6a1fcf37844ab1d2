import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm start where Electron cannot be had', () => {
  it('says so in one line before building anything for Electron, and serves Loupe in the browser on the demo project', async () => {
    // An empty folder as Electron's dist: the binary is missing and may not be fetched.
    const env = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: tempDir('loupe-no-electron-'), LOUPE_NO_OPEN: '1' };
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /Loupe is running at (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`start exited with ${code}\n${out}\n${err}`)));
    });
    try {
      const lines = out.split('\n').filter(Boolean);
      const notice = lines.findIndex((l) => l.startsWith('loupe: Electron is not available on this machine ('));
      expect(notice, out).toBeGreaterThanOrEqual(0);
      expect(lines[notice]).toMatch(/starting Loupe in your browser instead\.$/);
      // Nothing was built for Electron, and no stack trace reached the person.
      expect(`${out}\n${err}`).not.toMatch(/building the main process|better-sqlite3 for Electron|Electron exited|\n\s+at /);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root">|<script/);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  }, 300_000);
});
