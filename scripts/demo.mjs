#!/usr/bin/env node
// Ensures the demo project exists (rendering it on first run) and prints its
// absolute path as the last line of stdout, for `npm start` and `npm run web`.
// LOUPE_DEMO_DIR and LOUPE_DEMO_COUNT build a demo elsewhere (tests, quick tries).
import { register } from 'tsx/esm/api';

register();
const { buildDemo } = await import('./demo-build.ts');
try {
  const count = process.env.LOUPE_DEMO_COUNT ? Number(process.env.LOUPE_DEMO_COUNT) : undefined;
  process.stdout.write(`${await buildDemo({ dir: process.env.LOUPE_DEMO_DIR || undefined, count })}\n`);
} catch (err) {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
