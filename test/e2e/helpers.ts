import { expect, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The host URL and project written by globalSetup. */
export function e2eState(): { url: string; project: string; work: string; model: string } {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'test-results/e2e-state.json'), 'utf8'));
}

/** Run the real CLI and parse its JSON output. */
export function loupeJson(...args: string[]): unknown {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/loupe.mjs'), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loupe ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Open an image from the list and wait until the canvas shows it. */
export async function openImage(page: Page, relPath: string) {
  await page.getByTestId(`image-row-${relPath}`).click();
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
}

/** Page coordinates of an image-pixel point, from the canvas's current view. */
export async function toPage(page: Page, p: { x: number; y: number }) {
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  const scale = Number(await canvas.getAttribute('data-scale'));
  const vx = Number(await canvas.getAttribute('data-x'));
  const vy = Number(await canvas.getAttribute('data-y'));
  return { x: box.x + vx + p.x * scale, y: box.y + vy + p.y * scale, scale };
}

/** Drag with the mouse between two image-pixel points. */
export async function dragImage(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  const a = await toPage(page, from);
  const b = await toPage(page, to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
  return a.scale;
}

/** The selected box as the inspector shows it (full precision from data-value). */
export async function selection(page: Page) {
  const v = async (k: string) => Number(await page.getByTestId(`sel-${k}`).getAttribute('data-value'));
  return {
    className: await page.getByTestId('sel-class').textContent(),
    x: await v('x'),
    y: await v('y'),
    w: await v('w'),
    h: await v('h'),
  };
}

/** A box as `loupe boxes --json` prints it. */
export type CliBox = { image: string; id: number; class: string; x: number; y: number; w: number; h: number; author: string; provenance: string; source: number | null; score: number | null };

/** Every box of the project (or of one image), read by the real CLI. */
export function cliBoxes(project: string, image?: string): CliBox[] {
  const out = loupeJson('boxes', project, ...(image ? ['--image', image] : []), '--json') as { boxes: CliBox[] } | CliBox[];
  return Array.isArray(out) ? out : out.boxes;
}
