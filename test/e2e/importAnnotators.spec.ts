import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { cliBoxes, e2eState, loupeJson } from './helpers.ts';

/** A YOLO dataset (classes.txt layout) of one project image with the given label lines. */
function yoloFixture(work: string, name: string, labels: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'labels'), { recursive: true });
  fs.copyFileSync(path.join(work, 'images', 'cam1-0001.jpg'), path.join(dir, 'images', 'cam1-0001.jpg'));
  fs.writeFileSync(path.join(dir, 'classes.txt'), 'scratch\ncrack\ndent\n');
  fs.writeFileSync(path.join(dir, 'labels', 'cam1-0001.txt'), labels);
  return dir;
}

test('import labels for an existing annotator picked from the list, with a warning that their imported boxes are replaced', async ({ page }) => {
  const { url, project, work } = e2eState();
  // e2e-picker already has two imported boxes on cam1-0001.jpg (800×500).
  const first = yoloFixture(work, 'picker-first', '0 0.5 0.5 0.2 0.2\n1 0.25 0.25 0.1 0.1\n');
  expect(loupeJson('import', project, '--annotations', first, '--format', 'yolo', '--annotator', 'e2e-picker', '--json')).toMatchObject({ boxes: 2 });
  const second = yoloFixture(work, 'picker-second', '2 0.5 0.5 0.5 0.4\n');

  await page.goto(url);
  await page.getByTestId('import-labels-open').click();
  await expect(page.getByTestId('import-labels-dialog')).toBeVisible();
  const select = page.getByTestId('import-annotator');
  // Existing people are listed with what they have; a new name is the default.
  await expect(select.locator('option', { hasText: 'e2e-picker (1 image done, 2 boxes)' })).toHaveCount(1);
  await expect(select).toHaveValue('new');
  await expect(page.getByTestId('import-annotator-warning')).toHaveCount(0);

  // A new annotator needs a name: blank (or spaces) is refused before anything runs.
  await page.getByTestId('import-path').fill(second);
  await page.getByTestId('import-name').fill('   ');
  await page.getByTestId('import-check').click();
  await expect(page.getByTestId('import-error')).toHaveText('Name the annotator these labels belong to.');
  await expect(page.getByTestId('import-preview')).toHaveCount(0);
  // Typing an existing person's name is the same as picking them.
  await page.getByTestId('import-name').fill(' e2e-picker ');
  await expect(page.getByTestId('import-annotator-exists')).toContainText('e2e-picker is an existing annotator');
  await expect(page.getByTestId('import-annotator-warning')).toContainText('e2e-picker already has 2 boxes');

  // Pick the person from the list: the name field goes away, the warning stays.
  await select.selectOption({ label: 'e2e-picker (1 image done, 2 boxes)' });
  await expect(page.getByTestId('import-name')).toHaveCount(0);
  await expect(page.getByTestId('import-annotator-warning')).toContainText('boxes e2e-picker imported before will be replaced');

  await page.getByTestId('import-check').click();
  await expect(page.getByTestId('import-preview')).toContainText('e2e-picker');
  await expect(page.getByTestId('import-matched')).toHaveText('1');
  await expect(page.getByTestId('import-boxes')).toHaveText('1');
  // The dry run already counts the earlier imported boxes the import will replace.
  await expect(page.getByTestId('import-preview').getByTestId('import-replaced')).toHaveText('2');
  await page.getByTestId('import-run').click();

  const done = page.getByTestId('import-done');
  await expect(done).toBeVisible();
  await expect(done).toContainText('Imported as e2e-picker');
  await expect(done.getByTestId('import-boxes')).toHaveText('1');
  await expect(done.getByTestId('import-replaced')).toHaveText('2');
  // The list shows the new counts and keeps the person picked.
  await expect(select.locator('option', { hasText: 'e2e-picker (1 image done, 1 box)' })).toHaveCount(1);
  await expect(select.locator('option:checked')).toHaveText('e2e-picker (1 image done, 1 box)');

  // On disk: only the new box is e2e-picker's, in pixels of the 800×500 image.
  const mine = cliBoxes(project, 'cam1-0001.jpg').filter((b) => b.author === 'e2e-picker');
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject({ class: 'dent', provenance: 'imported' });
  for (const [k, v] of Object.entries({ x: 200, y: 150, w: 400, h: 200 })) expect(mine[0][k as 'x']).toBeCloseTo(v, 6);
});

test('a COCO import says what it left out: crowd regions, segmentations, boxes taken from polygons', async ({ page }) => {
  const { url, project, work } = e2eState();
  const dir = path.join(work, 'coco-crowd');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(work, 'images', 'cam1-0001.jpg'), path.join(dir, 'cam1-0001.jpg'));
  const square = [[100, 50, 300, 50, 300, 250, 100, 250]];
  fs.writeFileSync(
    path.join(dir, 'instances.json'),
    JSON.stringify({
      images: [{ id: 1, file_name: 'cam1-0001.jpg', width: 800, height: 500 }],
      categories: [{ id: 1, name: 'scratch' }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [10, 20, 30, 40], area: 1200, iscrowd: 0 },
        { id: 2, image_id: 1, category_id: 1, bbox: [400, 100, 50, 60], area: 3000, iscrowd: 0, segmentation: [[400, 100, 450, 100, 450, 160]] },
        { id: 3, image_id: 1, category_id: 1, area: 40000, iscrowd: 0, segmentation: square },
        { id: 4, image_id: 1, category_id: 1, bbox: [500, 300, 200, 150], area: 30000, iscrowd: 1, segmentation: { counts: [0, 10], size: [500, 800] } },
      ],
    }),
  );

  await page.goto(url);
  await page.getByTestId('import-labels-open').click();
  await page.getByTestId('import-kind').selectOption('labels-coco');
  await page.getByTestId('import-path').fill(path.join(dir, 'instances.json'));
  await page.getByTestId('import-name').fill('e2e-coco-crowd');
  await page.getByTestId('import-check').click();
  const preview = page.getByTestId('import-preview');
  await expect(preview.getByTestId('import-boxes')).toHaveText('3');
  await expect(preview.getByTestId('import-crowd')).toHaveText('1');
  await expect(preview.getByTestId('import-from-polygons')).toHaveText('1');
  await expect(preview.getByTestId('import-segmentations')).toHaveText('2');
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-done').getByTestId('import-crowd')).toHaveText('1');

  const boxes = cliBoxes(project, 'cam1-0001.jpg').filter((b) => b.author === 'e2e-coco-crowd');
  expect(boxes.map((b) => [b.x, b.y, b.w, b.h]).sort((a, b) => a[0] - b[0])).toEqual([
    [10, 20, 30, 40],
    [100, 50, 200, 200],
    [400, 100, 50, 60],
  ]);
});
