import { expect, test, type Page } from '@playwright/test';
import { e2eState, loupeJson, openImage, selection, toPage } from './helpers.ts';

/** The models panel is a fold of the right-hand column, closed until opened (and then remembered). */
async function openModels(page: Page) {
  const fold = page.getByTestId('fold-models');
  if (!(await fold.evaluate((d) => (d as HTMLDetailsElement).open))) await fold.locator('summary').click();
}

type CliBox = { x: number; y: number; w: number; h: number; className?: string; provenance?: string; author?: string };

test('add a model, pre-label the open image with P, see and filter the predictions, accept one', async ({ page }) => {
  const { url, project, model } = e2eState();
  await page.goto(url);
  await openModels(page);

  // Add the model through the models panel: it is validated, measured and mapped by name.
  await page.getByLabel('Model file').fill(model);
  await page.getByRole('button', { name: 'Add' }).last().click();
  await expect(page.getByTestId('model-info')).toContainText('640×640 · v8 · float32');
  await expect(page.getByTestId('model-info')).toContainText('ms p95');

  await openImage(page, 'line2/cam2-0001.jpg');
  await expect(page.getByTestId('box-count')).toHaveText('0 boxes');
  await page.keyboard.press('p');
  await expect(page.getByTestId('notice')).toHaveText(/2 predictions/);
  await expect(page.getByTestId('box-count')).toHaveText('2 boxes');

  // The crack is drawn where the model put it: clicking its centre selects it.
  const crack = await toPage(page, { x: 200, y: 175 });
  await page.mouse.click(crack.x, crack.y);
  await expect(page.getByTestId('sel-source')).toHaveText(/prediction/);
  await expect(page.getByTestId('sel-score')).toHaveText('0.900');
  const sel = await selection(page);
  expect(sel.className).toBe('crack');
  for (const [k, v] of Object.entries({ x: 100, y: 100, w: 200, h: 150 })) expect(sel[k as 'x']).toBeCloseTo(v, 3);

  // At a threshold of 0.5 the 0.4 scratch is hidden: clicking where it was selects nothing.
  await page.getByTestId('score-threshold').fill('0.5');
  const scratch = await toPage(page, { x: 325, y: 525 });
  await page.keyboard.press('Escape');
  await page.mouse.click(scratch.x, scratch.y);
  await expect(page.getByTestId('inspector')).toContainText('Nothing selected');

  // Enter accepts the selected prediction as the user's own box.
  await page.mouse.click(crack.x, crack.y);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('sel-source')).toHaveText(/^accepted #\d+$/);
  const cli = loupeJson('boxes', project, '--image', 'line2/cam2-0001.jpg', '--json') as { boxes: CliBox[] } | CliBox[];
  const boxes = Array.isArray(cli) ? cli : cli.boxes;
  expect(boxes).toHaveLength(3);
  expect(JSON.stringify(boxes)).toContain('accepted');

  // P again with the same settings skips the image; Shift+P runs it again without duplicates.
  await page.keyboard.press('p');
  await expect(page.getByTestId('notice')).toHaveText(/Already pre-labelled/);
  await page.keyboard.press('Shift+P');
  await expect(page.getByTestId('notice')).toHaveText(/2 predictions/);
  await expect(page.getByTestId('box-count')).toHaveText('3 boxes');
});

test('pre-label a selection picked with Ctrl+click as a background job', async ({ page }) => {
  const { url, project } = e2eState();
  await page.goto(url);
  await openModels(page);
  await page.getByTestId('image-row-cam1-0001.jpg').click({ modifiers: ['Control'] });
  await page.getByTestId('image-row-cam1-0002.jpg').click({ modifiers: ['Control'] });
  await page.getByTestId('prelabel-picked').click();
  await expect(page.getByTestId('jobs').locator('[data-state="done"]').first()).toBeVisible();
  for (const image of ['cam1-0001.jpg', 'cam1-0002.jpg']) {
    const cli = loupeJson('boxes', project, '--image', image, '--json') as { boxes: CliBox[] } | CliBox[];
    const boxes = Array.isArray(cli) ? cli : cli.boxes;
    expect(boxes.filter((b) => b.provenance === 'predicted'), image).toHaveLength(2);
  }
  // The image that was not picked got nothing from this job.
  const other = loupeJson('boxes', project, '--image', 'line2/cam2-0001.jpg', '--json') as { boxes: CliBox[] } | CliBox[];
  expect((Array.isArray(other) ? other : other.boxes).filter((b) => b.provenance === 'predicted')).toHaveLength(2);
});
