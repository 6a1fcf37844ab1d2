import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers.ts';
import { startWebHost } from './webHost.ts';

/** A small demo project (the generator's frames, its true boxes as the reference, the demo model's predictions). */
function smallDemo(dir: string, count: number): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/demo.mjs')], {
    env: { ...process.env, LOUPE_DEMO_DIR: dir, LOUPE_DEMO_COUNT: String(count) },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`demo build failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1)!;
}

test('the demo shows where the model misses, slice by slice, and a slice lists its images', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-eval-'));
  const count = 24;
  const project = smallDemo(dir, count);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'images', 'manifest.json'), 'utf8')) as { images: { shift: string; boxes: unknown[] }[] };
  const night = manifest.images.filter((e) => e.shift === 'night');
  const nightBoxes = night.reduce((n, e) => n + e.boxes.length, 0);
  const host = await startWebHost(project);
  try {
    await page.goto(host.url);
    const panel = page.getByTestId('evaluation-panel');
    // Evaluated on opening: the demo run against the reference, with every metadata key sliced.
    await expect(panel.getByTestId('evaluation-overall')).toContainText('AP50');
    await expect(panel.getByLabel('Reference annotator')).toHaveValue(/\d+/);
    await expect(panel.getByLabel('Reference annotator').locator('option:checked')).toHaveText('reference');
    const nightRow = panel.getByTestId('slice-shift-night');
    await expect(nightRow).toBeVisible();
    await expect(panel.getByTestId('slice-shift-day')).toBeVisible();
    await expect(panel.getByTestId('slice-defectSize-minor')).toBeVisible();
    await expect(nightRow.locator('td.num')).toHaveText(new RegExp(`^\\d+/${nightBoxes}$`));

    // Clicking a slice lists only its images, each showing its conditions.
    await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', String(count));
    await nightRow.click();
    await expect(page.getByTestId('list-filter')).toContainText('shift = night');
    await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', String(night.length));
    const rows = page.locator('[data-testid^="image-row-"]');
    await expect(rows.first()).toContainText('night');
    for (const text of await rows.locator('.tags').allTextContents()) expect(text).toContain('night');
    // Clicking it again (or the ×) shows every image again.
    await page.getByTestId('list-filter').getByRole('button').click();
    await expect(page.getByTestId('list-filter')).toHaveCount(0);
    await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', String(count));
  } finally {
    await host.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
