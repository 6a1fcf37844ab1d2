import { expect, test } from '@playwright/test';
import path from 'node:path';
import { dragImage, e2eState, loupeJson, openImage, ROOT, selection, toPage } from './helpers.ts';

type CliBox = { image: string; className: string; x: number; y: number; w: number; h: number };

test('draw, resize, reclassify, reload: the box persists with the same pixels, and undo/redo walk the edits', async ({ page }) => {
  const { url, project } = e2eState();
  await page.goto(url);
  await expect(page.getByTestId('project-name')).toHaveText('e2e');
  await openImage(page, 'cam1-0001.jpg');

  // Draw with the box tool (B), from image pixel (100, 80) to (400, 300).
  await page.keyboard.press('b');
  const scale = await dragImage(page, { x: 100, y: 80 }, { x: 400, y: 300 });
  await expect(page.getByTestId('box-count')).toHaveText('1 boxes');
  const tol = 1.5 / scale; // one screen pixel either way, in image pixels
  const drawn = await selection(page);
  expect(drawn.className).toBe('scratch');
  expect(Math.abs(drawn.x - 100)).toBeLessThan(tol);
  expect(Math.abs(drawn.y - 80)).toBeLessThan(tol);
  expect(Math.abs(drawn.w - 300)).toBeLessThan(tol);
  expect(Math.abs(drawn.h - 220)).toBeLessThan(tol);

  // Resize with the bottom-right handle of the transformer (select tool, V).
  await page.keyboard.press('v');
  await page.waitForTimeout(100);
  await dragImage(page, { x: drawn.x + drawn.w, y: drawn.y + drawn.h }, { x: 520, y: 390 });
  await expect.poll(async () => (await selection(page)).w).toBeGreaterThan(drawn.w + 50);
  const resized = await selection(page);
  expect(resized.x).toBeCloseTo(drawn.x, 6);
  expect(resized.y).toBeCloseTo(drawn.y, 6);
  expect(Math.abs(resized.x + resized.w - 520)).toBeLessThan(2 * tol);
  expect(Math.abs(resized.y + resized.h - 390)).toBeLessThan(2 * tol);

  // Change the class by hotkey 2 (crack).
  await page.keyboard.press('2');
  await expect(page.getByTestId('sel-class')).toHaveText('crack');
  const before = await selection(page);

  // Reload: the box is there with exactly the same pixel coordinates.
  await page.reload();
  await openImage(page, 'cam1-0001.jpg');
  const centre = await toPage(page, { x: before.x + before.w / 2, y: before.y + before.h / 2 });
  await page.mouse.click(centre.x, centre.y);
  const after = await selection(page);
  expect(after).toEqual(before);

  // The CLI reads the same numbers from the project file.
  const cli = loupeJson('boxes', project, '--image', 'cam1-0001.jpg', '--json') as { boxes: CliBox[] } | CliBox[];
  const boxes = Array.isArray(cli) ? cli : cli.boxes;
  expect(boxes).toHaveLength(1);
  expect(boxes[0]).toMatchObject({ x: before.x, y: before.y, w: before.w, h: before.h });
  expect(JSON.stringify(boxes[0])).toContain('crack');

  await page.screenshot({ path: path.join(ROOT, 'test-results/e2e-canvas.png') });

  // Undo the class change, then the resize; redo both.
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('sel-class')).toHaveText('scratch');
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await selection(page)).w).toBeCloseTo(drawn.w, 6);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(async () => (await selection(page)).w).toBeCloseTo(resized.w, 6);
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('sel-class')).toHaveText('crack');
  expect(await selection(page)).toEqual(before);
});

test('a box dragged past the image edge stays inside; Escape cancels a move', async ({ page }) => {
  const { url, project } = e2eState();
  await page.goto(url);
  await openImage(page, 'cam1-0002.jpg');
  await page.keyboard.press('b');
  // Drawn beyond the right and bottom edges of the 640×480 image: clamped to the edge.
  await dragImage(page, { x: 500, y: 380 }, { x: 700, y: 560 });
  const clamped = await selection(page);
  expect(clamped.x + clamped.w).toBeCloseTo(640, 6);
  expect(clamped.y + clamped.h).toBeCloseTo(480, 6);

  // Start moving the box, press Escape mid-drag: nothing is stored.
  await page.keyboard.press('v');
  const from = await toPage(page, { x: clamped.x + 20, y: clamped.y + 20 });
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x - 80, from.y - 60, { steps: 5 });
  await page.keyboard.press('Escape');
  await page.mouse.up();
  await page.waitForTimeout(200);
  expect(await selection(page)).toEqual(clamped);
  const cli = loupeJson('boxes', project, '--image', 'cam1-0002.jpg', '--json') as { boxes: CliBox[] } | CliBox[];
  const boxes = Array.isArray(cli) ? cli : cli.boxes;
  expect(boxes[0]).toMatchObject({ x: clamped.x, y: clamped.y, w: clamped.w, h: clamped.h });

  // Delete removes it; undo brings it back.
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('box-count')).toHaveText('0 boxes');
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('box-count')).toHaveText('1 boxes');
});

test('files that could not be imported are listed with their reason', async ({ page }) => {
  const { url } = e2eState();
  await page.goto(url);
  await page.getByTestId('failures-badge').click();
  await expect(page.getByTestId('failures')).toContainText('broken.jpg');
  await expect(page.getByTestId('failures')).toContainText('not an image');
  await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', '3');
});
