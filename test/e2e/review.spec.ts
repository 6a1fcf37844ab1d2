import { expect, test, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliBoxes, dragImage, loupeJson, ROOT, selection, toPage, type CliBox } from './helpers.ts';
import { startWebHost } from './webHost.ts';

/**
 * The review workspace on a small demo project (the generator's frames, the
 * demo model's predictions, the generator's truth as the annotator "reference"),
 * driven as an annotator would: by keyboard, with the mouse only to draw.
 */
test.describe.configure({ mode: 'serial' });

const COUNT = 26;
let dir: string;
let project: string;
let host: Awaited<ReturnType<typeof startWebHost>>;

test.beforeAll(async () => {
  test.setTimeout(240_000);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-review-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/demo.mjs')], {
    env: { ...process.env, LOUPE_DEMO_DIR: dir, LOUPE_DEMO_COUNT: String(COUNT) },
    encoding: 'utf8',
    timeout: 200_000,
  });
  if (r.status !== 0) throw new Error(`demo build failed: ${r.stderr}`);
  project = r.stdout.trim().split('\n').at(-1)!;
  host = await startWebHost(project);
});

test.afterAll(async () => {
  await host?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The demo's images in list (path) order, with their boxes as the CLI reads them. */
function imagesInOrder(): { path: string; boxes: CliBox[] }[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'images', 'manifest.json'), 'utf8')) as { images: { file: string }[] };
  const byPath = new Map<string, CliBox[]>();
  for (const b of cliBoxes(project)) byPath.set(b.image, [...(byPath.get(b.image) ?? []), b]);
  const files = manifest.images.map((e) => e.file).sort();
  expect(files).toHaveLength(COUNT);
  return files.map((f) => ({ path: f, boxes: byPath.get(f) ?? [] }));
}

const predictionsOf = (boxes: CliBox[], above = 0.25) => boxes.filter((b) => b.score !== null && b.score >= above);

/** Open the workspace and wait until the queue is listed (keys pressed before that have nothing to act on). */
async function open(page: Page) {
  await page.goto(host.url);
  await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', /^[1-9]\d*$/);
}

/** Click an image's row, scrolling the virtualised list down a screen at a time until the row exists. */
async function openRow(page: Page, imagePath: string) {
  const row = page.getByTestId(`image-row-${imagePath}`);
  const list = page.getByTestId('image-list');
  await list.evaluate((el) => (el.scrollTop = 0));
  for (let i = 0; i < 50 && (await row.count()) === 0; i++) {
    await list.hover();
    await page.mouse.wheel(0, 300);
    await page.waitForTimeout(50);
  }
  await row.click();
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
}

async function press(page: Page, ...keys: string[]) {
  for (const k of keys) await page.keyboard.press(k);
}

async function selectUntil(page: Page, source: RegExp) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press(']');
    const text = (await page.getByTestId('sel-source').textContent().catch(() => '')) ?? '';
    if (source.test(text)) return;
  }
  throw new Error(`no box whose source reads ${source}`);
}

test('review an image by keyboard: reject, reclassify, accept, draw the missed one, mark done; the export takes it', async ({ page }) => {
  test.setTimeout(120_000);
  const images = imagesInOrder();
  const index = images.findIndex((im) => predictionsOf(im.boxes).length >= 3);
  expect(index, 'a demo frame with three predictions or more').toBeGreaterThanOrEqual(0);
  const target = images[index];
  const preds = predictionsOf(target.boxes);

  await open(page);
  // N opens the first unreviewed image; D walks the queue to the target.
  await press(page, 'n');
  await expect(page.getByTestId('position')).toHaveText(`image 1 of ${COUNT}`);
  for (let i = 0; i < index; i++) await press(page, 'd');
  await expect(page.getByTestId('position')).toHaveText(`image ${index + 1} of ${COUNT}`);
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('image-status')).toHaveText('to do');

  // Reject one prediction (a false positive): hidden from the review, kept for evaluation.
  await selectUntil(page, /^prediction/);
  const rejected = await selection(page);
  await press(page, 'r');
  await expect(page.getByTestId('box-list')).toContainText('1 rejected');
  await expect(page.getByTestId('image-status')).toHaveText('in progress');

  // Reclassify another prediction with a digit: it becomes the person's box, edited from the prediction.
  await selectUntil(page, /^prediction/);
  const original = await selection(page);
  const newClass = original.className === 'dent' ? { key: '1', name: 'scratch' } : { key: '3', name: 'dent' };
  await press(page, newClass.key);
  await expect(page.getByTestId('sel-source')).toHaveText(/^edited from #\d+$/);
  await expect(page.getByTestId('sel-class')).toHaveText(newClass.name);

  // Accept every other shown prediction in one step.
  await press(page, 'Shift+Enter');
  await expect(page.getByTestId('box-list').locator('li.prediction')).toHaveCount(0);

  // Draw a box the model missed (the only step that needs the mouse).
  await press(page, 'b');
  await dragImage(page, { x: 5, y: 5 }, { x: 45, y: 35 });
  await press(page, 'v');
  await expect(page.getByTestId('sel-source')).toHaveText('drawn');

  // Done: Ctrl+Enter marks it and lands on the next unreviewed image.
  await press(page, 'Control+Enter');
  await expect(page.getByTestId('position')).toHaveText(`image ${index + 2} of ${COUNT}`);
  await expect(page.getByTestId(`image-row-${target.path}`)).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId(`row-boxes-${target.path}`)).toHaveText(`${target.boxes.length + preds.length - 1 + 1} boxes`);

  // The prediction itself is unchanged; the person's box names it as its source.
  const after = cliBoxes(project, target.path);
  const src = after.find((b) => b.score !== null && Math.abs(b.x - original.x) < 1e-9 && Math.abs(b.y - original.y) < 1e-9)!;
  expect(src.class).toBe(original.className);
  const edited = after.filter((b) => b.provenance === 'edited');
  expect(edited).toHaveLength(1);
  expect(edited[0]).toMatchObject({ class: newClass.name, x: original.x, y: original.y, w: original.w, h: original.h });
  const mine = after.filter((b) => b.score === null && b.author !== 'reference');
  expect(mine).toHaveLength(preds.length - 1 + 1);
  expect(mine.some((b) => b.x === rejected.x && b.y === rejected.y)).toBe(false);

  // The final-labels export now carries the person's corrections for this image.
  const out = path.join(dir, 'export-final');
  loupeJson('export', project, '--format', 'coco', '--out', out, '--images', 'none', '--json');
  const annFiles = fs.readdirSync(path.join(out, 'annotations'));
  let exported = 0;
  for (const f of annFiles) {
    const coco = JSON.parse(fs.readFileSync(path.join(out, 'annotations', f), 'utf8')) as { images: { id: number; file_name: string }[]; annotations: { image_id: number }[] };
    const img = coco.images.find((i) => i.file_name.endsWith(target.path));
    if (img) exported += coco.annotations.filter((a) => a.image_id === img.id).length;
  }
  expect(exported).toBe(mine.length);

  // Statuses and edits survive a reload.
  await page.reload();
  await page.getByTestId('filter-status').selectOption({ label: 'done' });
  await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', '1');
  await expect(page.getByTestId(`image-row-${target.path}`)).toHaveAttribute('data-status', 'done');
  await openRow(page, target.path);
  await expect(page.getByTestId('image-status')).toHaveText('done');
  await expect(page.getByTestId('box-count')).toHaveText(`${after.length} boxes`);
});

test('rubber band selects several boxes; one drag moves them all and one undo puts them back', async ({ page }) => {
  await open(page);
  const images = imagesInOrder();
  await openRow(page, images[1].path);
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
  await page.getByTestId('show-predictions').uncheck();
  await press(page, 'b');
  await dragImage(page, { x: 20, y: 20 }, { x: 60, y: 50 });
  await dragImage(page, { x: 80, y: 20 }, { x: 120, y: 60 });
  await press(page, 'v', 'Escape');
  // Two boxes drawn: two undo entries.
  await expect(page.getByTestId('status')).toContainText('undo 2 ');
  const undoBefore = 2;
  const drawnRects = () => cliBoxes(project, images[1].path).filter((x) => x.provenance === 'drawn').map((x) => [x.x, x.y, x.w, x.h]);
  const beforeMove = drawnRects();
  expect(beforeMove).toHaveLength(2);

  // Shift+drag on empty space around both.
  const a = await toPage(page, { x: 10, y: 10 });
  const b = await toPage(page, { x: 130, y: 70 });
  await page.keyboard.down('Shift');
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 6 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-selected', /^\d+,\d+$/);
  await expect(page.getByTestId('inspector')).toContainText('2 boxes selected');

  await dragImage(page, { x: 40, y: 35 }, { x: 40 + 50, y: 35 + 100 });
  // Both moved by the same 100 image pixels (give or take the one screen pixel mouse events are rounded to).
  await expect.poll(() => drawnRects().every((r, i) => Math.abs(r[1] - beforeMove[i][1] - 100) <= 1.5)).toBe(true);
  const moved = drawnRects();
  expect(moved[0][1] - beforeMove[0][1]).toBeCloseTo(moved[1][1] - beforeMove[1][1], 6);
  expect(moved[0][0] - beforeMove[0][0]).toBeCloseTo(moved[1][0] - beforeMove[1][0], 6);
  await expect(page.getByTestId('status')).toContainText(`undo ${undoBefore + 1}`);
  await press(page, 'Control+z');
  await expect.poll(drawnRects).toEqual(beforeMove);

  // Space + drag that starts on a box pans the view and leaves the box where it is.
  const x0 = Number(await page.getByTestId('canvas').getAttribute('data-x'));
  const on = await toPage(page, { x: 40, y: 35 });
  await page.keyboard.down('Space');
  await page.mouse.move(on.x, on.y);
  await page.mouse.down();
  await page.mouse.move(on.x + 120, on.y + 10, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Space');
  expect(Number(await page.getByTestId('canvas').getAttribute('data-x'))).toBeCloseTo(x0 + 120, 0);
  expect(drawnRects()).toEqual(beforeMove);
  // The middle button pans over a box too.
  const on2 = await toPage(page, { x: 40, y: 35 });
  await page.mouse.move(on2.x, on2.y);
  await page.mouse.down({ button: 'middle' });
  await page.mouse.move(on2.x - 60, on2.y, { steps: 4 });
  await page.mouse.up({ button: 'middle' });
  expect(Number(await page.getByTestId('canvas').getAttribute('data-x'))).toBeCloseTo(x0 + 60, 0);
});

test('the threshold hides predictions live and is remembered; the queue filters by status and class', async ({ page }) => {
  await open(page);
  const images = imagesInOrder();
  const im = images.find((x) => predictionsOf(x.boxes, 0).length >= 2 && new Set(predictionsOf(x.boxes, 0).map((b) => b.score! >= 0.6)).size === 2)!;
  expect(im, 'a frame with predictions on both sides of 0.6').toBeDefined();
  await openRow(page, im.path);
  const canvas = page.getByTestId('canvas');
  await expect(canvas).toHaveAttribute('data-ready', 'true');
  const others = im.boxes.filter((b) => b.score === null).length;
  await page.getByTestId('score-threshold').fill('0.6');
  await expect(canvas).toHaveAttribute('data-boxes', String(others + im.boxes.filter((b) => b.score !== null && b.score >= 0.6).length));
  // The predictions switch hides the model's boxes, never another person's.
  await page.getByTestId('show-predictions').uncheck();
  await expect(canvas).toHaveAttribute('data-boxes', String(others));
  await page.getByTestId('show-predictions').check();
  await page.waitForTimeout(500); // the threshold is saved a moment after the slider stops
  await page.reload();
  await expect(page.getByTestId('score-threshold')).toHaveValue('0.6');

  // Status filter: the image reviewed in the first test is the only done one.
  await page.getByTestId('filter-status').selectOption({ label: 'done' });
  await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', '1');
  await page.getByTestId('filter-status').selectOption({ label: 'any status' });
  await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', String(COUNT));
  const withCrack = new Set(cliBoxes(project).filter((b) => b.class === 'crack').map((b) => b.image));
  await page.getByTestId('filter-class').selectOption({ label: 'has crack' });
  await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', String(withCrack.size));
});

test('remap a shortcut in the settings and use it; a key already taken is refused with its action named', async ({ page }) => {
  await open(page);
  await press(page, 'n');
  await expect(page.getByTestId('position')).toHaveText(/^image \d+ of/);
  const start = Number((await page.getByTestId('position').textContent())!.match(/image (\d+)/)![1]);
  await press(page, 'Control+,');
  const dlg = page.getByTestId('settings-dialog');
  await expect(dlg).toBeVisible();
  await page.getByTestId('shortcut-change-image.next').click();
  await press(page, 'v');
  await expect(page.getByTestId('shortcut-error')).toContainText('V is already used by Select tool');
  await page.getByTestId('shortcut-change-image.next').click();
  await press(page, 'j');
  await expect(page.getByTestId('shortcut-row-image.next')).toHaveAttribute('data-keys', /J/);
  await press(page, 'Escape');
  await expect(dlg).toBeHidden();
  await press(page, 'j');
  await expect(page.getByTestId('position')).toHaveText(new RegExp(`^image ${start + 1} of`));
  // D no longer goes forward; the sheet on ? lists the new key.
  await press(page, 'd');
  await expect(page.getByTestId('position')).toHaveText(new RegExp(`^image ${start + 1} of`));
  await press(page, '?');
  await expect(page.getByTestId('shortcuts-sheet')).toContainText('J');
  await press(page, 'Escape');
  // Kept per person across a reload.
  await open(page);
  await press(page, 'n');
  await expect(page.getByTestId('position')).toHaveText(/^image \d+ of/);
  const again = Number((await page.getByTestId('position').textContent())!.match(/image (\d+)/)![1]);
  await press(page, 'j');
  await expect(page.getByTestId('position')).toHaveText(new RegExp(`^image ${again + 1} of`));
});

test('marking done an image removed from the project meanwhile says so and writes nothing', async ({ page }) => {
  await open(page);
  const images = imagesInOrder();
  const victim = images[COUNT - 1].path;
  await openRow(page, victim);
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
  const db = new Database(project);
  db.pragma('foreign_keys = ON');
  const id = (db.prepare('SELECT id FROM images WHERE path = ?').get(victim) as { id: number }).id;
  db.prepare('DELETE FROM images WHERE id = ?').run(id);
  await press(page, 'Control+Enter');
  await expect(page.getByTestId('error')).toContainText(/not in this project/);
  expect(db.prepare('SELECT count(*) AS n FROM assignments WHERE image_id = ?').get(id)).toEqual({ n: 0 });
  db.close();
});

for (const [w, h] of [
  [1366, 768],
  [1920, 1080],
] as const) {
  test(`the workspace fits ${w}×${h} in both themes`, async ({ page }) => {
    await page.setViewportSize({ width: w, height: h });
    await open(page);
    await press(page, 'n');
    await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
    await page.getByTestId('evaluation-panel').getByTestId('slice-shift-night').click();
    await expect(page.getByTestId('list-filter')).toBeVisible();
    const top = (await page.locator('.topbar').boundingBox())!;
    expect(top.height).toBe(40);
    const status = (await page.getByTestId('status').boundingBox())!;
    const list = (await page.getByTestId('image-list').boundingBox())!;
    expect(list.y + list.height).toBeLessThanOrEqual(status.y + 0.5);
    const inspector = (await page.getByTestId('inspector').boundingBox())!;
    expect(inspector.y + inspector.height).toBeLessThan(h / 2);
    await selectUntil(page, /./);
    await page.screenshot({ path: path.join(ROOT, `test-results/workspace-dark-${w}x${h}.png`) });
    await page.getByTestId('theme-toggle').click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    await page.screenshot({ path: path.join(ROOT, `test-results/workspace-light-${w}x${h}.png`) });
    await page.getByTestId('theme-toggle').click();
  });
}
