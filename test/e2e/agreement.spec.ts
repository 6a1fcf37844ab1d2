import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLASSES, H, teamProject, W } from './agreementFixture.ts';
import { boxesOf, boxKey, rpc, shots, workAs, type Host } from './agreementHelpers.ts';
import { dragImage } from './helpers.ts';
import { startWebHost } from './webHost.ts';

/**
 * The lead's agreement work through the browser host on real project files: two people label
 * one image blind, the lead finds it in the disagreement review, resolves it (and undoes and
 * redoes that), and the YOLO export holds the resolved boxes; then the dashboard on a
 * three-person project, its charts, and click-throughs that land on the images behind them.
 */
test.describe.configure({ mode: 'serial' });

async function openRow(page: Page, rel: string) {
  await page.getByTestId(`image-row-${rel}`).click();
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
}

/** Draw a box of the class with this hotkey, in image pixels. */
async function drawBox(page: Page, hotkey: string, r: { x: number; y: number; w: number; h: number }) {
  await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press(hotkey);
  await page.keyboard.press('b');
  await dragImage(page, { x: r.x, y: r.y }, { x: r.x + r.w, y: r.y + r.h });
  await page.keyboard.press('v');
}

async function runReport(page: Page) {
  await page.getByTestId('agreement-open').click();
  await expect(page.getByTestId('agreement-dashboard')).toBeVisible();
  await expect(page.getByTestId('agreement-iou')).toHaveValue('0.5');
  await page.getByTestId('agreement-run').click();
  await expect(page.getByTestId('agreement-report')).toBeVisible({ timeout: 30_000 });
}

const dirs: string[] = [];
const hosts: Host[] = [];
test.afterAll(async () => {
  for (const h of hosts) await h.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test('two people label one image blind; the lead resolves it in the disagreement review; the YOLO export holds the resolution', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-agreement-'));
  dirs.push(dir);
  const { project, files } = await teamProject(dir, 2, []);
  const host = await startWebHost(project);
  hosts.push(host);
  await page.setViewportSize({ width: 1366, height: 768 });

  // Both people exist, and the lead gives every image to both.
  for (const n of ['ana', 'bo']) await rpc(host, 'session:identify', { name: n, role: 'annotator' });
  await rpc(host, 'session:identify', { name: 'lee', role: 'lead' });
  await rpc(host, 'assign:run', { annotators: ['ana', 'bo'], overlap: 2, seed: 1 });

  const img = files[0];
  const a1 = { x: 80, y: 60, w: 160, h: 120 };
  const a2 = { x: 360, y: 220, w: 180, h: 140 };
  await workAs(page, host, 'ana', 'annotator');
  await openRow(page, img);
  await drawBox(page, '1', a1);
  await drawBox(page, '2', a2);
  await expect(page.getByTestId('box-count')).toHaveText('2 boxes');
  await page.keyboard.press('Control+Enter');

  await workAs(page, host, 'bo', 'annotator');
  await openRow(page, img);
  // Blind: bo sees none of ana's boxes.
  await expect(page.getByTestId('box-count')).toHaveText('0 boxes');
  await drawBox(page, '1', { x: 84, y: 64, w: 158, h: 118 }); // agrees with ana's first
  await drawBox(page, '1', a2); // the same place as ana's second, another class
  await expect(page.getByTestId('box-count')).toHaveText('2 boxes');
  await page.keyboard.press('Control+Enter');

  // The lead sees both people's work.
  await workAs(page, host, 'lee', 'lead');
  const imageId = (await rpc<{ items: { id: number; path: string }[] }>(host, 'images:list', { offset: 0, limit: 10 })).items.find((i) => i.path === img)!.id;
  const stored = await boxesOf(host, imageId);
  const anaBoxes = stored.filter((b) => b.author === 'ana');
  expect(anaBoxes).toHaveLength(2);
  expect(stored.filter((b) => b.author === 'bo')).toHaveLength(2);

  // The report counts the one image both did.
  await runReport(page);
  await expect(page.getByTestId('fig-images')).toHaveText('1');
  await expect(page.getByTestId('pair-ana-bo')).toContainText('1'); // one matched with the same class
  await page.getByTestId('pair-ana-bo').click();
  await expect(page.getByTestId('agreement-dashboard')).toBeHidden();

  // The disagreement view: both people in the legend, the class conflict marked.
  const panel = page.getByTestId('disagreement');
  await expect(panel).toBeVisible();
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('status').locator('.path')).toHaveText(img);
  const legend = page.getByTestId('legend').locator('li');
  await expect(legend).toHaveCount(2);
  await expect(panel).toContainText(/\b[1-9]\d* class conflicts?\b/);
  await shots(page, 'review');
  await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
  await shots(page, 'review-light');
  await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));

  // Take ana's labels by her digit in the legend.
  const names = await legend.locator('.name').allTextContents();
  const n = names.indexOf('ana') + 1;
  expect(n).toBeGreaterThan(0);
  await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press(`Alt+${n}`);
  const consensusBoxes = async () => (await boxesOf(host, imageId)).filter((b) => b.kind === 'consensus');
  await expect.poll(async () => (await consensusBoxes()).length).toBe(2);
  expect(boxKey(await consensusBoxes())).toEqual(boxKey(anaBoxes));

  // Undo takes the resolution back; the consensus key resolves again.
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await consensusBoxes()).length).toBe(0);
  await page.keyboard.press(`Alt+${n}`);
  await expect.poll(async () => (await consensusBoxes()).length).toBe(2);

  // The lead corrects the resolution: a box drawn now joins the final labels, ana's own stay
  // hers, and undo and redo walk the correction.
  await drawBox(page, '3', { x: 420, y: 40, w: 150, h: 100 });
  await expect.poll(async () => (await consensusBoxes()).length).toBe(3);
  expect(boxKey((await boxesOf(host, imageId)).filter((b) => b.author === 'ana'))).toEqual(boxKey(anaBoxes));
  const drawn = (await consensusBoxes()).find((b) => b.x > 400)!;
  const near = (v: number, want: number) => Math.abs(v - want) <= 2;
  expect([near(drawn.x, 420), near(drawn.y, 40), near(drawn.w, 150), near(drawn.h, 100)], `drawn at ${JSON.stringify(drawn)}`).toEqual([true, true, true, true]);
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await consensusBoxes()).length).toBe(2);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(async () => (await consensusBoxes()).length).toBe(3);
  const finals = await consensusBoxes();

  // The YOLO export holds the resolved boxes as the image's final labels.
  const out = path.join(dir, 'yolo');
  const job = await rpc<{ id: string }>(host, 'export:start', { format: 'yolo', out, split: [0.5, 0.5], images: 'none' });
  await expect.poll(async () => (await rpc<{ id: string; state: string }[]>(host, 'jobs:list', {})).find((j) => j.id === job.id)?.state, { timeout: 30_000 }).toBe('done');
  const labelFile = ['train', 'val'].map((s) => path.join(out, 'labels', s, img.replace(/\.jpg$/, '.txt'))).find((f) => fs.existsSync(f));
  expect(labelFile, 'the resolved image is exported').toBeTruthy();
  const lines = fs.readFileSync(labelFile!, 'utf8').trim().split('\n').sort();
  const info = await rpc<{ classes: { id: number; name: string }[] }>(host, 'project:info', {});
  const yoloClass = (id: number) => CLASSES.indexOf(info.classes.find((c) => c.id === id)!.name as (typeof CLASSES)[number]);
  const expected = finals.map((b) => `${yoloClass(b.classId)} ${(b.x + b.w / 2) / W} ${(b.y + b.h / 2) / H} ${b.w / W} ${b.h / H}`).sort();
  expect(lines.map((l) => l.split(' ').map(Number))).toEqual(expected.map((l) => l.split(' ').map(Number)).map((r) => r.map((v) => expect.closeTo(v, 6))));
});

test('the dashboard on a three-person project: figures, charts with data, and click-throughs to the images behind them', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-agreement-team-'));
  dirs.push(dir);
  const { project } = await teamProject(dir, 30);
  const host = await startWebHost(project);
  hosts.push(host);
  await page.setViewportSize({ width: 1366, height: 768 });
  await workAs(page, host, 'lee', 'lead');
  await runReport(page);

  await expect(page.getByTestId('fig-images')).toHaveText('30');
  await expect(page.getByTestId('fig-people')).toHaveText('3');
  await expect(page.getByTestId('fig-agreement')).toHaveText(/^\d+\.\d%$/);
  // Every chart drew bars from the report.
  for (const id of ['chart-classes', 'chart-people', 'chart-histogram']) await expect(page.getByTestId(id).locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(page.getByTestId('chart-classes').locator('.recharts-bar-rectangle')).toHaveCount(3);
  await expect(page.getByTestId('heatmap').locator('tbody tr')).toHaveCount(4); // three classes and unmatched
  await expect(page.getByTestId('pairs').locator('tbody tr')).toHaveCount(3);
  await shots(page, 'dashboard');
  await page.evaluate(() => (document.documentElement.dataset.theme = 'light'));
  await shots(page, 'dashboard-light');
  await page.evaluate(() => (document.documentElement.dataset.theme = 'dark'));

  // A histogram bin opens an image whose agreement lies in it.
  const bars = page.getByTestId('chart-histogram').locator('.recharts-bar-rectangle');
  const count = await bars.count();
  let opened = false;
  for (let i = 0; i < count && !opened; i++) {
    const box = await bars.nth(i).boundingBox();
    if (!box || box.height < 2) continue;
    // The range under this bar: the axis tick nearest its centre (empty bins draw no rectangle, so the nth tick need not be this bar's).
    const ticks = page.getByTestId('chart-histogram').locator('.recharts-cartesian-axis-tick-value');
    let label = '';
    let nearest = Infinity;
    for (let t = 0; t < (await ticks.count()); t++) {
      const tb = await ticks.nth(t).boundingBox();
      if (!tb) continue;
      const d = Math.abs(tb.x + tb.width / 2 - (box.x + box.width / 2));
      if (d < nearest) [nearest, label] = [d, (await ticks.nth(t).textContent()) ?? ''];
    }
    const [lo, hi] = label.split('–').map(Number);
    await bars.nth(i).click();
    await expect(page.getByTestId('disagreement')).toBeVisible();
    await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
    const shown = Number((await page.getByTestId('image-agreement').textContent())!.replace('%', '')) / 100;
    expect(shown).toBeGreaterThanOrEqual(lo - 0.0005);
    expect(shown).toBeLessThanOrEqual(hi + 0.0005);
    await expect(page.getByTestId('disagreement-position')).toContainText(`agreement ${label}`);
    opened = true;
  }
  expect(opened).toBe(true);

  // A class's bar opens the disagreement queue, worst first, filtered to images with that class.
  await page.getByTestId('agreement-open').click();
  await page.getByTestId('agreement-run').click();
  await expect(page.getByTestId('agreement-report')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('chart-classes').locator('.recharts-bar-rectangle').nth(1).click();
  await expect(page.getByTestId('queue-order')).toHaveValue('agreement');
  const crack = (await rpc<{ classes: { id: number; name: string }[] }>(host, 'project:info', {})).classes.find((c) => c.name === 'crack')!;
  await expect(page.getByTestId('filter-class')).toHaveValue(String(crack.id));
  await expect(page.getByTestId('disagreement')).toBeVisible();
  // The next-disagreement key walks the queue.
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
  const first = await page.getByTestId('status').locator('.path').textContent();
  await page.keyboard.press('}');
  await expect(page.getByTestId('status').locator('.path')).not.toHaveText(first ?? '');
});
