// `npm run web [-- --project FILE] [--port N]`: the browser host on 127.0.0.1 with a per-start token.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureDemo, ensureRenderer, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
if (!args.includes('--project')) args.push('--project', ensureDemo());
ensureRenderer();
const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'app/hosts/web/main.ts'), ...args], {
  cwd: ROOT,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 1));
