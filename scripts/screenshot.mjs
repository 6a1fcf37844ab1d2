// Take the README screenshots: the demo project in the browser host, one frame with its predictions;
// with --agreement, the QA lead's agreement dashboard on a copy of the demo project; with --evaluation, the
// evaluation dashboard comparing the demo run with a second run of the demo model at confidence 0.5 (made on
// a copy of the demo project); with --monitoring, the monitoring dashboard's timeline by camera with the demo's
// two changes. VIEWPORT=1366x768 sets the window size.
//   node scripts/screenshot.mjs [--agreement | --evaluation | --monitoring] [out.png]   (needs Chromium, like the end-to-end tests)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ensureDemo, ensureRenderer, ROOT } from './lib.mjs';

const args = process.argv.slice(2);
const agreement = args.includes('--agreement');
const evaluation = args.includes('--evaluation');
const monitoring = args.includes('--monitoring');
const outArg = args.find((a) => !a.startsWith('--'));
const out = path.resolve(outArg ?? path.join(ROOT, agreement ? 'docs/agreement-dashboard.png' : evaluation ? 'docs/evaluation-dashboard.png' : monitoring ? 'docs/monitoring.png' : 'docs/screenshot.png'));
const [vw, vh] = (process.env.VIEWPORT ?? '1440x860').split('x').map(Number);
const demo = ensureDemo();
// The lead's identity is remembered in the project, so for the dashboard the demo project is
// kept aside first and put back afterwards.
const project = demo;
const kept = agreement || evaluation ? `${demo}.before-shot` : null;
if (kept) fs.copyFileSync(demo, kept);
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
  const page = await browser.newPage({ viewport: { width: vw, height: vh } });
  const u = new URL(url);
  const rpc = async (method, body) => {
    const res = await fetch(`${u.origin}/rpc/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Loupe-Token': u.searchParams.get('token') ?? '' },
      body: JSON.stringify(body),
    });
    const reply = await res.json();
    if (!reply.ok) throw new Error(`${method}: ${reply.error.message}`);
    return reply.value;
  };
  if (monitoring) {
    await page.goto(url);
    await page.waitForTimeout(500);
    if (await page.getByTestId('identify-dialog').isVisible()) await page.keyboard.press('Escape');
    await page.keyboard.press('Alt+m');
    const dash = page.getByTestId('monitoring-dashboard');
    await dash.getByTestId('monitoring-change').first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
  } else if (evaluation) {
    // A second run of the demo model, stricter, so the dashboard has two runs to set side by side.
    const [model] = await rpc('models:list', {});
    if (!model) throw new Error('the demo project has no model to run a second time');
    const job = await rpc('prelabel:start', { modelId: model.id, conf: 0.5 });
    for (let state = 'running'; state === 'running'; ) {
      await new Promise((r) => setTimeout(r, 500));
      state = (await rpc('jobs:list', {})).find((j) => j.id === job.id)?.state ?? 'running';
      if (state === 'failed') throw new Error('the second pre-label run failed');
    }
    await page.goto(url);
    await page.waitForTimeout(500);
    if (await page.getByTestId('identify-dialog').isVisible()) await page.keyboard.press('Escape');
    await page.keyboard.press('Alt+e');
    const dash = page.getByTestId('evaluation-dashboard');
    await dash.getByTestId('eval-report').waitFor({ timeout: 60_000 });
    const runs = await rpc('runs:list', {});
    // The dashboard opens on the newest run; the demo's first run is the one to compare with.
    await dash.getByTestId('eval-other').selectOption(String(runs[0].id));
    await dash.getByTestId('stat-b-AP').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
  } else if (agreement) {
    const u = new URL(url);
    const res = await fetch(`${u.origin}/rpc/session:identify`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Loupe-Token': u.searchParams.get('token') ?? '' },
      body: JSON.stringify({ name: 'lead', role: 'lead' }),
    });
    if (!(await res.json()).ok) throw new Error('could not work as the lead');
    await page.goto(url);
    const who = page.getByTestId('identify-dialog');
    await page.waitForTimeout(500);
    if (await who.isVisible()) await page.keyboard.press('Enter');
    await page.getByTestId('agreement-open').click();
    await page.getByTestId('agreement-run').click();
    await page.getByTestId('agreement-report').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
  } else {
    await page.goto(url);
    await page.getByTestId('image-list').evaluate((el) => {
      el.scrollTop = 116 * 64;
    });
    await page.getByTestId(`image-row-${process.env.FRAME ?? 'frame_0122.jpg'}`).click();
    await page.waitForSelector('[data-ready=true]');
    await page.getByTestId('evaluation-overall').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: out });
  await browser.close();
  console.log(out);
} finally {
  host.kill();
  if (kept) {
    if (host.exitCode === null) await new Promise((r) => host.once('exit', r));
    for (const f of [`${demo}-wal`, `${demo}-shm`]) fs.rmSync(f, { force: true });
    fs.renameSync(kept, demo);
  }
}
