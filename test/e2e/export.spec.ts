import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { cliBoxes, e2eState, loupeJson } from './helpers.ts';

/**
 * Give two images labels of an annotator only this file uses, so that the
 * export below does not depend on boxes other specs leave in the shared project.
 */
function seedLabels(work: string, project: string) {
  const seed = path.join(work, 'export-seed');
  fs.mkdirSync(path.join(seed, 'images'), { recursive: true });
  fs.mkdirSync(path.join(seed, 'labels'), { recursive: true });
  for (const f of ['cam1-0001.jpg', 'cam1-0002.jpg']) fs.copyFileSync(path.join(work, 'images', f), path.join(seed, 'images', f));
  fs.writeFileSync(path.join(seed, 'classes.txt'), 'scratch\ncrack\ndent\n');
  fs.writeFileSync(path.join(seed, 'labels/cam1-0001.txt'), '0 0.5 0.5 0.2 0.2\n2 0.25 0.25 0.1 0.1\n');
  fs.writeFileSync(path.join(seed, 'labels/cam1-0002.txt'), '1 0.5 0.5 0.4 0.4\n');
  const r = loupeJson('import', project, '--annotations', seed, '--format', 'yolo', '--annotator', 'e2e-export-src', '--json') as { imagesMatched: number; boxes: number };
  expect(r).toMatchObject({ imagesMatched: 2, boxes: 3 });
}

test('export YOLO from the dialog, refuse an existing folder, then import the dataset back as another annotator', async ({ page }) => {
  const { url, project, work } = e2eState();
  seedLabels(work, project);
  const out = path.join(work, 'export-yolo');
  await page.goto(url);

  // Export the seeded annotator's labels.
  await page.getByTestId('export-open').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  await page.getByTestId('export-format').selectOption('yolo');
  await page.getByTestId('export-labels').selectOption('annotator');
  await page.getByTestId('export-labels-name').fill('e2e-export-src');
  await page.getByTestId('export-split').fill('0.8,0.2');
  await page.getByTestId('export-seed').fill('7');
  await page.getByTestId('export-out').fill(out);
  await page.getByTestId('export-start').click();

  const summary = page.getByTestId('export-summary');
  await expect(summary).toBeVisible();
  await expect(page.getByTestId('export-images-count')).toHaveText('2');
  await expect(page.getByTestId('export-boxes-count')).toHaveText('3');
  // The split rows add up to the export, class by class.
  const train = page.getByTestId('export-split-train');
  const val = page.getByTestId('export-split-val');
  await expect(train).toBeVisible();
  await expect(val).toBeVisible();
  const cells = async (row: typeof train) => (await row.locator('td').allTextContents()).slice(1).map(Number);
  const [t, v] = [await cells(train), await cells(val)];
  // columns: images, without boxes, scratch, crack, dent, boxes
  expect(t[0] + v[0]).toBe(2);
  expect([t[2] + v[2], t[3] + v[3], t[4] + v[4]]).toEqual([1, 1, 1]);
  expect(t[5] + v[5]).toBe(3);
  // The third image has no labels from this annotator: left out, with the reason.
  await expect(page.getByTestId('export-skipped')).toContainText('the chosen annotator has no boxes on it');
  await expect(page.getByTestId('jobs').locator('[data-state="done"]').first()).toBeVisible();

  // On disk: the Ultralytics layout, one label file per exported image.
  expect(fs.readFileSync(path.join(out, 'data.yaml'), 'utf8')).toContain('names');
  expect(fs.statSync(path.join(out, 'images/train')).isDirectory()).toBe(true);
  expect(fs.statSync(path.join(out, 'labels/train')).isDirectory()).toBe(true);
  const labelFiles = ['train', 'val'].flatMap((s) => (fs.existsSync(path.join(out, 'labels', s)) ? fs.readdirSync(path.join(out, 'labels', s)) : []));
  expect(labelFiles.sort()).toEqual(['cam1-0001.txt', 'cam1-0002.txt']);

  // The same folder again without overwrite: refused, and the dialog says why.
  await page.getByTestId('export-start').click();
  await expect(page.getByTestId('export-error')).toContainText('already exists');
  await expect(page.getByTestId('export-error')).toContainText(out);
  await expect(summary).toHaveCount(0);
  expect(fs.readdirSync(path.join(out, 'labels/train')).length).toBeGreaterThan(0);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  // Import the exported dataset as reviewer-2: a dry run first, then the real import.
  await page.getByTestId('import-labels-open').click();
  await expect(page.getByTestId('import-labels-dialog')).toBeVisible();
  await page.getByTestId('import-kind').selectOption('labels-yolo');
  await page.getByTestId('import-path').fill(out);
  await page.getByTestId('import-name').fill('reviewer-2');
  await expect(page.getByTestId('import-run')).toBeDisabled();
  await page.getByTestId('import-check').click();
  await expect(page.getByTestId('import-preview')).toBeVisible();
  await expect(page.getByTestId('import-matched')).toHaveText('2');
  await expect(page.getByTestId('import-added')).toHaveText('0');
  await expect(page.getByTestId('import-missing')).toHaveText('0');
  await expect(page.getByTestId('import-boxes')).toHaveText('3');
  await expect(page.getByTestId('import-problems')).toHaveCount(0);
  await expect(page.getByTestId('import-new-classes')).toHaveCount(0);
  // The dry run wrote nothing.
  expect(cliBoxes(project).filter((b) => b.author === 'reviewer-2')).toEqual([]);

  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-done')).toBeVisible();
  await expect(page.getByTestId('import-done').getByTestId('import-boxes')).toHaveText('3');

  // reviewer-2 now has the same boxes as the annotator that was exported, to float precision.
  const all = cliBoxes(project);
  const key = (b: (typeof all)[number]) => `${b.image} ${b.class}`;
  const src = all.filter((b) => b.author === 'e2e-export-src').sort((a, b) => key(a).localeCompare(key(b)));
  const got = all.filter((b) => b.author === 'reviewer-2').sort((a, b) => key(a).localeCompare(key(b)));
  expect(got.map(key)).toEqual(src.map(key));
  for (const [i, b] of got.entries()) {
    expect(b.provenance).toBe('imported');
    for (const k of ['x', 'y', 'w', 'h'] as const) expect(b[k]).toBeCloseTo(src[i][k], 6);
  }
});

test('import labels: problems block the import with file:line, new classes need a confirmation', async ({ page }) => {
  const { url, project, work } = e2eState();
  const make = (name: string, classes: string, label: string) => {
    const dir = path.join(work, name);
    fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'labels'), { recursive: true });
    fs.copyFileSync(path.join(work, 'images', 'cam1-0002.jpg'), path.join(dir, 'images', 'cam1-0002.jpg'));
    fs.writeFileSync(path.join(dir, 'classes.txt'), classes);
    fs.writeFileSync(path.join(dir, 'labels', 'cam1-0002.txt'), label);
    return dir;
  };
  const broken = make('import-broken', 'scratch\n', '0 0.5 0.5 0.2 0.2\n0 0.5 oops 0.2 0.2\n');
  const fresh = make('import-new-class', 'scratch\ne2e-chip\n', '1 0.4 0.4 0.1 0.1\n');
  await page.goto(url);
  await page.getByTestId('import-labels-open').click();
  await page.getByTestId('import-path').fill(broken);
  await page.getByTestId('import-name').fill('e2e-importer');
  await page.getByTestId('import-check').click();
  await expect(page.getByTestId('import-problems')).toContainText('1 problem');
  await expect(page.getByTestId('import-problems')).toContainText(`${path.join(broken, 'labels', 'cam1-0002.txt')}:2:`);
  await expect(page.getByTestId('import-run')).toBeDisabled();

  // Another path clears the old check; this one brings a class the project lacks.
  await page.getByTestId('import-path').fill(fresh);
  await expect(page.getByTestId('import-preview')).toHaveCount(0);
  await page.getByTestId('import-check').click();
  await expect(page.getByTestId('import-new-classes')).toContainText('e2e-chip');
  await expect(page.getByTestId('import-boxes')).toHaveText('1');
  await expect(page.getByTestId('import-run')).toBeDisabled();
  const classNames = () => (loupeJson('classes', project, '--json') as { classes: { name: string }[] }).classes.map((c) => c.name);
  expect(classNames()).not.toContain('e2e-chip');
  await page.getByTestId('import-confirm-classes').check();
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-done')).toBeVisible();
  expect(classNames()).toContain('e2e-chip');
  await page.keyboard.press('Escape');
  // The palette and the class filter show the new class without a reload.
  await expect(page.getByTestId('class-e2e-chip')).toBeVisible();
  await expect(page.getByTestId('filter-class').locator('option', { hasText: 'e2e-chip' })).toHaveCount(1);
  const mine = cliBoxes(project, 'cam1-0002.jpg').filter((b) => b.author === 'e2e-importer');
  expect(mine.map((b) => b.class)).toEqual(['e2e-chip']);
});
