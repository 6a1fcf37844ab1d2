// Electronegativity (Doyensec's Electron security linter) over the sources of
// main/ and renderer/, scanned together so its global checks (navigation
// limits, permission handler, CSP) see the whole app. A finding that is not
// in ACCEPTED below fails; each accepted one is answered beside the code.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };

interface Finding {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
}
type Run = (options: Record<string, unknown>) => Promise<{ issues: Finding[]; errors: { file: string; message: string }[]; atomicChecks: number; globalChecks: number }>;

const run = createRequire(import.meta.url)('@doyensec/electronegativity/dist/runner.js') as Run;

/**
 * Findings answered in the code, as `CHECK_ID file`. Each must still be found:
 * a stale entry fails too, so this list stays the linter's exact verdict.
 */
const ACCEPTED = [
  // The CSP is sent as a response header by the loupe: protocol handler for every
  // page and asset (main/security.ts CSP, main/protocol.ts respond), which the
  // linter cannot see; main/security.test.ts checks that it is strict.
  'CSP_GLOBAL_CHECK N/A',
  // "Review the use of preload scripts": reviewed. main/preload.ts exposes only the
  // contract's methods and an event subscription through contextBridge, never
  // ipcRenderer (main/preload.test.ts); IPC handlers check the sender's frame (main/ipc.ts).
  'PRELOAD_JS_CHECK main/app.ts',
];

const root = path.resolve(import.meta.dirname, '..');
let scanDir: string;

beforeAll(() => {
  scanDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-eg-'));
  for (const d of ['main', 'renderer']) fs.cpSync(path.join(root, d), path.join(scanDir, d), { recursive: true });
});
afterAll(() => fs.rmSync(scanDir, { recursive: true, force: true }));

const PROBE = 'probe-not-shipped';

describe('electronegativity', () => {
  it('finds nothing in main/ and renderer/ beyond the accepted findings, and does find a window that turns the protections off', async () => {
    // A window beside the sources that the linter must flag: proof that it parses our TypeScript.
    fs.mkdirSync(path.join(scanDir, PROBE));
    fs.writeFileSync(
      path.join(scanDir, PROBE, 'bad.ts'),
      "import { BrowserWindow } from 'electron';\nexport const w: BrowserWindow = new BrowserWindow({ webPreferences: { contextIsolation: false, sandbox: false } });\n",
    );
    const result = await run({
      input: scanDir,
      isRelative: true,
      // The version our package.json pins, so the linter judges Electron 45's defaults.
      electronVersionOverride: pkg.devDependencies.electron,
      // This one asks the network for Electron's release list.
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
      parserPlugins: [],
    });
    expect(result.atomicChecks).toBeGreaterThan(30);
    expect(result.globalChecks).toBeGreaterThan(3);
    expect(result.errors).toEqual([]);
    const probe = new Set(result.issues.filter((i) => i.file.startsWith(PROBE)).map((i) => i.id));
    expect([...probe].sort()).toEqual(['AUXCLICK_JS_CHECK', 'CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK']);

    const found = result.issues.filter((i) => !i.file.startsWith(PROBE)).map((i) => `${i.id} ${i.file}${i.file === 'N/A' ? '' : `:${i.location.line}`} ${i.description}`);
    const matches = (f: string, a: string) => f.startsWith(`${a} `) || f.startsWith(`${a}:`);
    expect(found.filter((f) => !ACCEPTED.some((a) => matches(f, a)))).toEqual([]);
    for (const a of ACCEPTED) expect(found.some((f) => matches(f, a)), `accepted finding no longer reported: ${a}`).toBe(true);
  });
});
