#!/usr/bin/env node
// The CLI is written in TypeScript; tsx compiles it on load so no build step is needed.
import { createRequire } from 'node:module';
import { register } from 'tsx/esm/api';

// `loupe evaluate --gt … --dt …` needs no project: it starts without the rest of the CLI,
// on tsx's in-thread CommonJS hook, which starts in a third of the time of its ESM loader.
const require = createRequire(import.meta.url);
const unregister = require('tsx/cjs/api').register();
if (require('../app/hosts/cli/evaluateFilesArgs.ts').filesEvaluateArgs(process.argv)) {
  process.exitCode = await require('../app/hosts/cli/evaluateFilesMain.ts').mainEvaluateFiles(process.argv);
} else {
  unregister();
  register();
  const { main } = await import('../app/hosts/cli/main.ts');
  process.exitCode = await main(process.argv);
}
