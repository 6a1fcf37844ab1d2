// `npm start [-- --project FILE]`: build what is stale, then run Loupe in Electron.
// Where Electron cannot be had (not downloaded and no network to fetch it, or
// LOUPE_BROWSER=1), say so in one line and run Loupe in the browser instead.
//
// Electron 45 has no install script: the first start downloads the Electron
// binary for this platform (node_modules/electron/index.js fetches it on first
// use, then records its path in node_modules/electron/path.txt). That needs
// network access once; later starts are offline.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildApp } from './build-app.mjs';
import { electronAvailable } from './electron-check.mjs';
import { ensureDemo, ensureRenderer, fail, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const given = args.some((a) => a === '--project' || a.startsWith('--project='));

// (a) The demo project, unless a project was named; demo.mjs prints its path last.
let project = null;
if (!given && fs.existsSync(path.join(ROOT, 'scripts', 'demo.mjs'))) project = ensureDemo();

// (b) Electron must be there (or be fetched now) before anything is built for it.
const electron = process.env.LOUPE_BROWSER === '1' ? { ok: false, why: 'LOUPE_BROWSER=1 asks for the browser' } : electronAvailable();
if (!electron.ok) {
  console.log(`loupe: Electron is not available on this machine (${electron.why}); starting Loupe in your browser instead.`);
  await startInBrowser(project ?? projectArg(args));
}

/** The --project value given on the command line, if any. */
function projectArg(list) {
  const i = list.findIndex((a) => a === '--project' || a.startsWith('--project='));
  if (i < 0) return null;
  return list[i].includes('=') ? list[i].slice('--project='.length) : list[i + 1];
}

/** The browser host on the project: print its address, open the default browser where there is one, run until stopped. */
async function startInBrowser(file) {
  ensureRenderer();
  const hostArgs = ['--import', 'tsx', path.join(ROOT, 'app/hosts/web/main.ts'), ...(file ? ['--project', file] : [])];
  const port = args.find((a) => a.startsWith('--port='))?.slice('--port='.length);
  if (port) hostArgs.push('--port', port);
  const host = spawn(process.execPath, hostArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  host.stdout.setEncoding('utf8').on('data', (d) => {
    process.stdout.write(d);
    const url = /Loupe is running at (\S+)/.exec(d)?.[1];
    if (url && process.env.LOUPE_NO_OPEN !== '1') openBrowser(url);
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => host.kill(sig));
  const code = await new Promise((resolve) => host.on('exit', (c) => resolve(c ?? 1)));
  process.exit(code);
}

/** Open `url` in the default browser where the platform has a way to; silent where it has none. */
function openBrowser(url) {
  const graphical = process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
  if (!graphical) return;
  const [cmd, cmdArgs] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const p = spawn(cmd, cmdArgs, { stdio: 'ignore', detached: true });
    p.on('error', () => {});
    p.unref();
  } catch {
    /* no browser opener here: the address printed above is enough */
  }
}

// (c) The renderer, the main process and better-sqlite3 for Electron, each when stale.
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
