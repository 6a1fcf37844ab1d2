// Take the README screenshot: the demo project in the browser host, one frame with its predictions.
//   node scripts/screenshot.mjs [out.png]   (needs Chromium, like the end-to-end tests)
import { spawn } from 'node:child_process';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ensureDemo, ensureRenderer, ROOT } from './lib.mjs';

const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs/screenshot.png'));
const project = ensureDemo();
ensureRenderer();
const host = spawn(process.execPath, ['--import', 'tsx', 'app/hosts/web/main.ts', '--project', project], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const url = await new Promise((resolve) =>
    host.stdout.on('data', (d) => {
      const m = /(http:\S+)/.exec(d.toString());
      if (m) resolve(m[1]);
    }),
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
  await page.goto(url);
  await page.getByTestId('image-list').evaluate((el) => {
    el.scrollTop = 116 * 64;
  });
  await page.getByTestId(`image-row-${process.env.FRAME ?? 'frame_0122.jpg'}`).click();
  await page.waitForSelector('[data-ready=true]');
  await page.getByTestId('evaluation-overall').waitFor({ timeout: 60_000 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: out });
  await browser.close();
  console.log(out);
} finally {
  host.kill();
}
