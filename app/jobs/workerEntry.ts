import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * How to start a worker module. A `.ts` worker is started from a tiny bootstrap
 * that registers tsx inside the worker first: on Node 20 loader hooks given to
 * a worker through `execArgv: ['--import', 'tsx']` do not apply to its entry
 * module, and under tsx's `register()` API (bin/loupe.mjs) the parent's
 * execArgv carries no loader at all. A bundled `.mjs` worker is started as is.
 */
export function workerEntry(file: URL): { filename: string | URL; eval: boolean } {
  if (!file.pathname.endsWith('.ts')) return { filename: file, eval: false };
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api'].import.default)).href;
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); });`;
  return { filename: code, eval: true };
}
