// `npm start [-- --project FILE]`: build what is stale, then run Loupe in Electron.
//
// Electron 45 has no install script: the first start downloads the Electron
// binary for this platform (node_modules/electron/index.js fetches it on first
// use, then records its path in node_modules/electron/path.txt). That needs
// network access once; later starts are offline.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildApp } from './build-app.mjs';
import { ensureDemo, fail, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const given = args.some((a) => a === '--project' || a.startsWith('--project='));

// (a) The demo project, unless a project was named; demo.mjs prints its path last.
let project = null;
if (!given && fs.existsSync(path.join(ROOT, 'scripts', 'demo.mjs'))) project = ensureDemo();

// (b) The renderer, the main process and better-sqlite3 for Electron, each when stale.
await buildApp();

// (e) Electron itself: node_modules/.bin/electron is this cli.js; running it through
// node avoids the .cmd shim on Windows.
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE; // set, it would make Electron behave as plain Node
const electronArgs = [path.join(ROOT, 'node_modules', 'electron', 'cli.js'), '.', ...(project ? ['--project', project] : []), ...args];
const child = spawn(process.execPath, electronArgs, { cwd: ROOT, stdio: 'inherit', env });
child.on('error', (err) => fail(`could not start Electron: ${err.message}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => {
  if (code !== 0) console.error(`loupe: Electron exited with ${code ?? signal}`);
  process.exit(code ?? 1);
});
