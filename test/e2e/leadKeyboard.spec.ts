import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { teamProject } from './agreementFixture.ts';
import { boxesOf, boxKey, rpc, shots, workAs, type Host } from './agreementHelpers.ts';
import { startWebHost } from './webHost.ts';

/**
 * The QA lead's whole agreement flow by keyboard alone, on a three-person project through the
 * browser host: open the dashboard (Alt+A), run the report (Enter), Tab to a pair and open its
 * images (Enter, focus back on the canvas), step the disagreements (} and {), take a person's
 * labels (Alt+digit), undo, take the consensus (Alt+C), then merge the rest from the dashboard
 * and close it (Escape, focus back where it was).
 */
const dirs: string[] = [];
const hosts: Host[] = [];
test.afterAll(async () => {
  for (const h of hosts) await h.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Press Tab until the focused element has this test id (at most `max` presses). */
async function tabTo(page: Page, testId: RegExp, max = 60): Promise<string> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
    if (testId.test(id)) return id;
  }
  throw new Error(`Tab never reached ${testId}`);
}

const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.className ?? '');
const canvasFocused = (page: Page) => page.evaluate(() => !!document.activeElement?.closest('.canvas'));

test('the lead by keyboard alone: dashboard, a pair\'s images, step, take a person, undo, take the consensus, merge the rest', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-lead-keys-'));
  dirs.push(dir);
  const { project } = await teamProject(dir, 12);
  const host = await startWebHost(project);
  hosts.push(host);
  await page.setViewportSize({ width: 1366, height: 768 });
  await workAs(page, host, 'lee', 'lead');

  // Alt+A opens the dashboard with the run button focused; Enter runs the report.
  await page.keyboard.press('Alt+a');
  await expect(page.getByTestId('agreement-dashboard')).toBeVisible();
  expect(await focusedTestId(page)).toBe('agreement-run');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('agreement-report')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('fig-images')).toHaveText('12');
  // At 1366×768 the pairs table is in view without scrolling.
  const pairs = await page.getByTestId('pairs').boundingBox();
  expect(pairs && pairs.y + pairs.height).toBeLessThanOrEqual(768);

  // Tab to the ana–bo pair; Enter opens its images, worst agreement first, and the canvas has the focus.
  const pairId = await tabTo(page, /^pair-ana-bo$/);
  expect(pairId).toBe('pair-ana-bo');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('agreement-dashboard')).toBeHidden();
  await expect(page.getByTestId('disagreement')).toBeVisible();
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
  await expect.poll(() => canvasFocused(page)).toBe(true);
  await expect(page.getByTestId('disagreement-position')).toContainText(/ · 1\/12$/);

  // } and { step through the list.
  const first = (await page.getByTestId('status').locator('.path').textContent()) ?? '';
  await page.keyboard.press('}');
  await expect(page.getByTestId('disagreement-position')).toContainText(/ · 2\/12$/);
  await expect(page.getByTestId('status').locator('.path')).not.toHaveText(first);
  await page.keyboard.press('{');
  await expect(page.getByTestId('disagreement-position')).toContainText(/ · 1\/12$/);
  await expect(page.getByTestId('status').locator('.path')).toHaveText(first);

  // Alt+digit takes that person's labels; undo takes them back; Alt+C takes the consensus.
  const info = await rpc<{ items: { id: number; path: string }[] }>(host, 'images:list', { offset: 0, limit: 50 });
  const imageId = info.items.find((i) => i.path === first)!.id;
  // The legend of the image now open (it is read again after each step).
  await expect(page.getByTestId('legend').locator('li')).toHaveCount(3);
  const names = await page.getByTestId('legend').locator('li .name').allTextContents();
  const k = names.indexOf('bo') + 1;
  expect(k).toBeGreaterThan(0);
  const finals = async (id = imageId) => (await boxesOf(host, id)).filter((b) => b.kind === 'consensus');
  const bo = (await boxesOf(host, imageId)).filter((b) => b.author === 'bo');
  await page.keyboard.press(`Alt+${k}`);
  await expect.poll(async () => boxKey(await finals())).toEqual(boxKey(bo));
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await finals()).length).toBe(0);
  const preview = await rpc<{ consensus: { box: { classId: number; x: number; y: number; w: number; h: number } }[] }>(host, 'agreement:image', { imageId });
  await page.keyboard.press('Alt+c');
  await expect.poll(async () => boxKey(await finals())).toEqual(boxKey(preview.consensus.map((c) => ({ author: '', kind: '', ...c.box }))));

  // Back in the dashboard: merge every other image, by keyboard, and see what it did.
  await page.keyboard.press('Alt+a');
  await expect(page.getByTestId('agreement-dashboard')).toBeVisible();
  await tabTo(page, /^merge-open$/);
  await page.keyboard.press('Enter');
  expect(await focusedTestId(page)).toBe('merge-confirm');
  await shots(page, 'merge-ask');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('merge-summary')).toContainText('Merged 11 images', { timeout: 30_000 });
  await expect(page.getByTestId('merge-summary')).toContainText('1 image already resolved');
  await expect(page.getByTestId('agreement-when')).toContainText('before the merge');
  // every image now has final labels, and the one resolved by hand kept the lead's choice
  for (const it of info.items) expect((await finals(it.id)).length, it.path).toBeGreaterThan(0);
  expect(boxKey(await finals(imageId))).toEqual(boxKey(preview.consensus.map((c) => ({ author: '', kind: '', ...c.box }))));
  await shots(page, 'merge-done');

  // Escape closes the dashboard and gives the focus back to the canvas it was opened from.
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('agreement-dashboard')).toBeHidden();
  await expect.poll(() => canvasFocused(page)).toBe(true);
});
