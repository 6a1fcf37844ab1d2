// Bundle the Electron main process and the preload to CommonJS in dist/main/.
// Native packages stay external: they are loaded from node_modules at run time
// (better-sqlite3 through the Electron build passed as nativeBinding).
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Packages required at run time instead of bundled. */
export const MAIN_EXTERNAL = ['electron', 'better-sqlite3', 'sharp', 'onnxruntime-node'];

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Every module name a CommonJS bundle passes to require(). */
export function requiredModules(code) {
  return [...new Set([...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]))];
}

/** The contract's method names, read from app/contract/methods.ts by running it once. */
async function contractMethodNames() {
  const out = await esbuild.build({
    entryPoints: [path.join(ROOT, 'app', 'contract', 'methods.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  return mod.METHOD_NAMES;
}

/**
 * The preload needs only the list of method names, not the zod schemas behind
 * it: swap the contract module for that list so the preload stays a few KB.
 */
function methodNamesOnly(names) {
  return {
    name: 'method-names-only',
    setup(build) {
      build.onResolve({ filter: /contract[\\/]methods\.ts$/ }, () => ({ path: 'method-names', namespace: 'loupe-contract' }));
      build.onLoad({ filter: /.*/, namespace: 'loupe-contract' }, () => ({
        contents: `export const METHOD_NAMES = ${JSON.stringify(names)};`,
        loader: 'js',
      }));
    },
  };
}

/**
 * The packaged app starts its prebuilt worker bundles, so the worker bundler for runs from
 * source (app/jobs/bundledWorker.ts, which needs esbuild) becomes "no bundle": the caller
 * then starts the worker file it was given.
 */
const noWorkerBundler = {
  name: 'no-worker-bundler',
  setup(build) {
    build.onResolve({ filter: /[\\/]bundledWorker\.ts$/ }, (args) => ({ path: args.path, namespace: 'no-worker-bundler' }));
    build.onLoad({ filter: /.*/, namespace: 'no-worker-bundler' }, () => ({ contents: 'export function bundledWorker() { return Promise.resolve(null); }', loader: 'js' }));
  },
};

/**
 * Build both bundles into `outdir` and check what they require: the preload
 * runs sandboxed, where only 'electron' can be required.
 */
export async function buildMain({ outdir = path.join(ROOT, 'dist', 'main'), quiet = false } = {}) {
  const common = { bundle: true, format: 'cjs', sourcemap: true, logLevel: quiet ? 'silent' : 'warning', absWorkingDir: ROOT, write: true };
  const main = await esbuild.build({
    ...common,
    entryPoints: [path.join(ROOT, 'main', 'main.ts')],
    outfile: path.join(outdir, 'main.cjs'),
    platform: 'node',
    target: 'node22',
    external: MAIN_EXTERNAL,
    plugins: [noWorkerBundler],
    metafile: true,
  });
  // platform 'browser' makes any Node built-in pulled into the preload fail the
  // build here rather than in the sandbox at run time.
  const preload = await esbuild.build({
    ...common,
    entryPoints: [path.join(ROOT, 'main', 'preload.ts')],
    outfile: path.join(outdir, 'preload.cjs'),
    platform: 'browser',
    target: 'chrome140',
    external: ['electron'],
    plugins: [methodNamesOnly(await contractMethodNames())],
    metafile: true,
  });
  // The detector and evaluations run in worker threads; bundled, each worker is a
  // file of its own (ESM: the detector awaits its model at the top level).
  const workerWarnings = [];
  for (const [dir, name] of [['inference', 'detectWorker'], ['metrics', 'evalWorker'], ['metrics', 'agreementWorker'], ['metrics', 'agreementWriteWorker'], ['metrics', 'mergeWorker'], ['metrics', 'statsWorker']]) {
    const worker = await esbuild.build({
      ...common,
      format: 'esm',
      entryPoints: [path.join(ROOT, 'app', dir, `${name}.ts`)],
      outfile: path.join(outdir, `${name}.mjs`),
      platform: 'node',
      target: 'node22',
      external: MAIN_EXTERNAL,
      plugins: [noWorkerBundler],
      metafile: true,
    });
    const workerImports = Object.values(worker.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
    const badWorker = [...new Set(workerImports)].filter((m) => !NODE_BUILTINS.has(m) && !MAIN_EXTERNAL.includes(m));
    if (badWorker.length) throw new Error(`${name}.mjs imports ${badWorker.join(', ')}, which would be missing from the packaged app.`);
    workerWarnings.push(...worker.warnings);
  }
  const fs = await import('node:fs/promises');
  const mainCode = await fs.readFile(path.join(outdir, 'main.cjs'), 'utf8');
  const preloadCode = await fs.readFile(path.join(outdir, 'preload.cjs'), 'utf8');
  const preloadRequires = requiredModules(preloadCode);
  const badPreload = preloadRequires.filter((m) => m !== 'electron');
  if (badPreload.length) throw new Error(`preload.cjs requires ${badPreload.join(', ')}; a sandboxed preload may only require 'electron'.`);
  const mainRequires = requiredModules(mainCode);
  const badMain = mainRequires.filter((m) => !NODE_BUILTINS.has(m) && !MAIN_EXTERNAL.includes(m));
  if (badMain.length) throw new Error(`main.cjs requires ${badMain.join(', ')}, which would be missing from the packaged app.`);
  return { outdir, mainRequires, preloadRequires, preloadBytes: preloadCode.length, warnings: [...main.warnings, ...preload.warnings, ...workerWarnings] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildMain()
    .then((r) => console.log(`build-main: wrote ${path.relative(ROOT, r.outdir)}/main.cjs and preload.cjs`))
    .catch((err) => {
      console.error(`build-main: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
