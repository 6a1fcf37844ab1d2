import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { matchGreedy } from '../../app/domain/box.ts';
import { loupeJson, ROOT } from './helpers.ts';
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
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'images', 'manifest.json'), 'utf8')) as { images: { file: string; shift: string; boxes: unknown[] }[] };
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
    // On a night frame where the model found nothing, every reference box is marked missed on the canvas;
    // with the score threshold at 0 as well, since there is nothing to find it.
    const boxes = loupeJson('boxes', project, '--json') as { boxes: { image: string; author: string; score: number | null; classId: number; x: number; y: number; w: number; h: number }[] };
    const nightFiles = new Set(manifest.images.filter((e) => e.shift === 'night').map((e) => e.file));
    const byImage = new Map<string, { ref: number; pred: number }>();
    for (const b of boxes.boxes) {
      const c = byImage.get(b.image) ?? { ref: 0, pred: 0 };
      if (b.author === 'reference') c.ref++;
      else if (b.score !== null) c.pred++;
      byImage.set(b.image, c);
    }
    const blind = [...byImage].find(([file, c]) => nightFiles.has(file) && c.ref > 0 && c.pred === 0);
    expect(blind, 'a night frame the model found nothing on').toBeDefined();
    await page.getByTestId(`image-row-${blind![0]}`).click();
    const canvas = page.getByTestId('canvas');
    await expect(canvas).toHaveAttribute('data-ready', 'true');
    await expect(canvas).toHaveAttribute('data-missed', String(blind![1].ref));
    await page.getByTestId('score-threshold').fill('0');
    await expect(canvas).toHaveAttribute('data-missed', String(blind![1].ref));

    // On a frame where it found some, exactly the reference boxes no prediction matches are marked (the list is filtered to night, so clear it first).
    await page.getByTestId('list-filter').getByRole('button').click();
    const mixed = [...byImage].find(([, c]) => c.ref > 0 && c.pred > 0)!;
    const on = boxes.boxes.filter((b) => b.image === mixed[0]);
    const foundBy = matchGreedy(on.filter((b) => b.author === 'reference'), on.filter((b) => b.score !== null));
    await page.getByTestId(`image-row-${mixed[0]}`).click();
    await expect(canvas).toHaveAttribute('data-ready', 'true');
    await expect(canvas).toHaveAttribute('data-missed', String([...foundBy].filter((i) => i < 0).length));
    await nightRow.click();

    // The final labels: the reference's where it is the one person done; the slice three people labelled and nobody
    // resolved yet is left out. The panel shows what the core's evaluation against the final labels reports.
    const fin = loupeJson('evaluate', project, '--final', '--json') as { reviewed: number; overall: { found: number; gt: number; falseAlarms: number } };
    expect(fin.reviewed).toBeLessThan(count);
    await panel.getByLabel('Reference annotator').selectOption({ label: 'final labels' });
    await expect(panel.getByTestId('evaluation-overall')).toContainText(`found ${fin.overall.found} of ${fin.overall.gt} · ${fin.overall.falseAlarms} false alarms`);
    await expect(canvas).not.toHaveAttribute('data-missed', /.*/);

    // Clicking it again (or the ×) shows every image again.
    await page.getByTestId('list-filter').getByRole('button').click();
    await expect(page.getByTestId('list-filter')).toHaveCount(0);
    await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', String(count));
  } finally {
    await host.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
