import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeScene } from '../unit/scenes.ts';
import { ROOT } from './helpers.ts';
import { startWebHost } from './webHost.ts';

/** Set to a folder to keep screenshots of the dialog and the queue; LOUPE_FLAG_VIEWPORT=1366x768 sizes the window. */
const SHOTS = process.env.LOUPE_FLAG_SHOTS;
const VIEWPORT = process.env.LOUPE_FLAG_VIEWPORT?.split('x').map(Number);

test('Compute flags by keyboard: progress, the drifted image first in priority order, its flag details on focus, a weight that re-ranks', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-flags-'));
  const ref = path.join(dir, 'train');
  for (let i = 1; i <= 12; i++) await writeScene(path.join(ref, `t${i}.jpg`), i);
  const imgs = path.join(dir, 'prod');
  for (let i = 0; i < 4; i++) await writeScene(path.join(imgs, `p${i}.jpg`), 300 + i);
  await writeScene(path.join(imgs, 'night.jpg'), 400, 'darken');
  fs.writeFileSync(path.join(dir, 'monitor.csv'), 'file,reason,score\np2.jpg,camera-moved,0.9\n');
  const project = path.join(dir, 'p.loupe');
  const init = spawnSync(process.execPath, [path.join(ROOT, 'bin/loupe.mjs'), 'init', project, '--images', imgs], { encoding: 'utf8' });
  expect(init.status, init.stderr).toBe(0);
  const host = await startWebHost(project);
  try {
    if (VIEWPORT) await page.setViewportSize({ width: VIEWPORT[0], height: VIEWPORT[1] });
    await page.goto(host.url);
    await expect(page.getByTestId('project-name')).toBeVisible();
    await page.getByTestId('queue-order').selectOption('priority');

    // Keyboard only: focus the top bar's button and press Enter.
    await page.getByTestId('flags-open').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('flags-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('flags-ref-dir')).toBeFocused();
    await page.keyboard.type(ref);
    await page.keyboard.press('Tab'); // run
    await page.keyboard.press('Tab'); // reference run
    await page.keyboard.press('Tab'); // flags file
    await expect(dialog.getByTestId('flags-sidecar')).toBeFocused();
    await page.keyboard.type(path.join(dir, 'monitor.csv'));
    await page.keyboard.press('Tab');
    await expect(dialog.getByTestId('flags-start')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(dialog.getByTestId('flags-summary')).toContainText('drift: 1 flagged', { timeout: 60_000 });
    await expect(dialog.getByTestId('flags-summary')).toContainText('camera-moved: 1 flagged');
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `flags-dialog-${page.viewportSize()!.width}.png`) });

    // camera-moved weighs 0.9 × 1, drift z/(z+3.5) < 1: lower camera-moved to 0.1 so drift leads.
    const weight = dialog.getByTestId('flags-weight-camera-moved');
    await weight.focus();
    await page.keyboard.type('0.1');
    await page.keyboard.press('Enter');
    await expect(weight).toHaveValue('0.1');
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);

    const rows = page.getByTestId('image-list').locator('.image-row');
    await expect(rows.first()).toHaveAttribute('data-testid', 'image-row-night.jpg');
    await expect(rows.nth(1)).toHaveAttribute('data-testid', 'image-row-p2.jpg');
    // The reasons are focusable; focus shows each flag's score and evidence.
    const badge = rows.first().locator('.flag-badges');
    await badge.focus();
    const tip = page.getByTestId('flag-tip');
    await expect(tip).toBeVisible();
    await expect(tip).toContainText(/drift 0\.\d\d/);
    await expect(tip).toContainText(/brightness [\d.]+ \(reference median [\d.]+, z [\d.]+\)/);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `flags-queue-${page.viewportSize()!.width}.png`) });
  } finally {
    await host.stop();
  }
});
