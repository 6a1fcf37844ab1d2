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
