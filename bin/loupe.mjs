#!/usr/bin/env node
// The CLI is written in TypeScript; tsx compiles it on load so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/hosts/cli/main.ts');
process.exitCode = await main(process.argv);
