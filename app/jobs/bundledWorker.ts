import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = new Map<string, Promise<URL | null>>();

/**
 * A TypeScript worker module bundled into one ESM file (esbuild, packages left
 * external), for hosts that run from source (the CLI, tests and benches under tsx).
 * Started as TypeScript, a worker registers tsx's loader hooks first, which in a worker
 * thread run on a thread of their own and cost a few hundred milliseconds per start;
 * the bundle loads as one plain file. Built once per process into
 * node_modules/.cache/loupe-workers (where its packages resolve), named by its content
 * and written by rename, so processes sharing the folder never see half a file. Null
 * when esbuild is not installed or the build fails: the caller then starts the
 * TypeScript file as before.
 */
export function bundledWorker(file: URL): Promise<URL | null> {
  let p = built.get(file.href);
  if (!p) built.set(file.href, (p = build(file).catch(() => null)));
  return p;
}

async function build(file: URL): Promise<URL | null> {
  const require = createRequire(import.meta.url);
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  const dir = path.join(path.dirname(path.dirname(require.resolve('better-sqlite3/package.json'))), '.cache', 'loupe-workers');
  const out = await esbuild.build({
    entryPoints: [fileURLToPath(file)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].contents;
  const hash = crypto.createHash('sha256').update(code).digest('hex').slice(0, 16);
  const target = path.join(dir, `${path.basename(file.pathname, '.ts')}-${hash}.mjs`);
  try {
    await fs.access(target);
  } catch {
    await fs.mkdir(dir, { recursive: true });
    const tmp = `${target}.${process.pid}.${crypto.randomUUID()}.tmp`;
    await fs.writeFile(tmp, code);
    await fs.rename(tmp, target);
  }
  return pathToFileURL(target);
}
