import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Start the browser host on a project (the renderer must be built); resolves with its URL once it listens. */
export async function startWebHost(project: string): Promise<{ url: string; host: ChildProcess; stop(): Promise<void> }> {
  const host = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'app/hosts/web/main.ts'), '--project', project], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`web host did not start: ${out}`)), 30_000);
    host.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    host.on('exit', (code) => reject(new Error(`web host exited with ${code}: ${out}`)));
  });
  return {
    url,
    host,
    stop: async () => {
      if (host.exitCode !== null) return;
      host.kill('SIGTERM');
      const exited = new Promise((r) => host.once('exit', r));
      // A host that does not end on SIGTERM is reported, then killed, so one stuck shutdown does not take the test's whole time.
      const timer = setTimeout(() => {
        console.warn(`web host ${url} did not exit 15 s after SIGTERM; killing it`);
        host.kill('SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
