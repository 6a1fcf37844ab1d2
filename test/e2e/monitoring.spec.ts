import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_NIGHT_SHIFT_DAY, DEMO_REMOUNT_DAY } from '../../resources/demo/schedule.ts';
import { ROOT } from './helpers.ts';
import { startWebHost } from './webHost.ts';

/** The full demo project (its frames spread over four weeks with the two known changes) in a folder of its own. */
function demo(dir: string): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/demo.mjs')], { env: { ...process.env, LOUPE_DEMO_DIR: dir }, encoding: 'utf8', timeout: 400_000 });
  if (r.status !== 0) throw new Error(`demo build failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1)!;
}

test('the monitoring dashboard shows the demo\'s re-mount and night shift, and a change opens the images after it, by keyboard', async ({ page }) => {
  test.setTimeout(480_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-monitoring-'));
  const project = demo(dir);
  const host = await startWebHost(project);
  try {
    await page.goto(host.url);
    await expect(page.getByTestId('monitoring-open')).toBeVisible();
    await expect(page.getByTestId('project-name')).toBeVisible();
    const who = page.getByTestId('identify-dialog');
    if (await who.isVisible()) await page.keyboard.press('Escape');
    await page.locator('body').focus();
    const dash = page.getByTestId('monitoring-dashboard');
    // The workspace's keys are bound once its settings have loaded: press again until the dialog is there.
    await expect(async () => {
      if (!(await dash.isVisible())) await page.keyboard.press('Alt+m');
      await expect(dash).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    // It opens sliced by camera, the slice picker focused.
    await expect(dash.getByTestId('monitoring-by')).toBeFocused();
    await expect(dash.getByTestId('monitoring-by')).toHaveValue('camera');
    const changes = dash.getByTestId('monitoring-change');
    await expect(changes.filter({ hasText: `${DEMO_NIGHT_SHIFT_DAY} · all images · images per day up` })).toHaveCount(1);
    await expect(changes.filter({ hasText: `${DEMO_REMOUNT_DAY} · camera = remounted · images per day up` })).toHaveCount(1);
    await expect(changes.filter({ hasText: `${DEMO_REMOUNT_DAY} · camera = nominal · images per day down` })).toHaveCount(1);
    await expect(dash.getByTestId('monitoring-chart-images')).toBeVisible();
    await expect(dash.getByTestId('monitoring-chart-meanConfidence')).toBeVisible();
    // The marks on the images chart name the slices that changed.
    await expect(dash.getByTestId('monitoring-chart-images')).toContainText('remounted ↑');

    // Tab to the re-mount and open it with Enter: the queue steps through the re-mounted images from that day.
    const remount = changes.filter({ hasText: `${DEMO_REMOUNT_DAY} · camera = remounted` });
    for (let i = 0; i < 20 && !(await remount.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    await expect(remount).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(dash).toBeHidden();
    await expect(page.getByTestId('eval-focus-label')).toContainText(`camera = remounted from ${DEMO_REMOUNT_DAY}`);
    await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
    await expect(page.getByTestId('eval-focus')).toContainText(/image 1 of \d+/);

    // Reopened without a slice key, the night shift's first day is still there on all images.
    await page.keyboard.press('Alt+m');
    await dash.getByTestId('monitoring-by').selectOption('');
    await expect(changes.filter({ hasText: `${DEMO_NIGHT_SHIFT_DAY} · all images · images per day up` })).toHaveCount(1);
    await page.keyboard.press('Escape');
    await expect(dash).toBeHidden();
  } finally {
    await host.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
