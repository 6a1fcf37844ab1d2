// `npm test`: unit tests (vitest), then end-to-end tests (Playwright in Debian's Chromium).
// Ends with one line `N passed, N failed[, N skipped]` summed over both runners.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib.mjs';

const out = path.join(ROOT, 'test-results');
fs.mkdirSync(out, { recursive: true });
const bin = (name) => path.join(ROOT, 'node_modules/.bin', name);
const only = process.argv[2]; // 'unit' or 'e2e' to run one half

let passed = 0;
let failed = 0;
let skipped = 0;

if (only !== 'e2e') {
  const json = path.join(out, 'vitest.json');
  fs.rmSync(json, { force: true });
  spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`], { cwd: ROOT, stdio: 'inherit' });
  if (fs.existsSync(json)) {
    const r = JSON.parse(fs.readFileSync(json, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests + (r.numFailedTestSuites > 0 && r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
    skipped += r.numPendingTests + r.numTodoTests;
  } else {
    console.error('vitest wrote no results');
    failed += 1;
  }
}

if (only !== 'unit') {
  const json = path.join(out, 'e2e-results.json');
  fs.rmSync(json, { force: true });
  spawnSync(bin('playwright'), ['test'], { cwd: ROOT, stdio: 'inherit' });
  if (fs.existsSync(json)) {
    const s = JSON.parse(fs.readFileSync(json, 'utf8')).stats;
    passed += s.expected + s.flaky;
    failed += s.unexpected;
    skipped += s.skipped;
    if (s.expected + s.unexpected + s.flaky === 0) failed += 1; // a run that executed nothing is a failure
  } else {
    console.error('playwright wrote no results');
    failed += 1;
  }
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
