import { expect, type Page } from '@playwright/test';
import path from 'node:path';
import type { startWebHost } from './webHost.ts';
import { ROOT } from './helpers.ts';

/** A browser host started on one test's project. */
export type Host = Awaited<ReturnType<typeof startWebHost>>;

/** Call a contract method on the host as the UI does. */
export async function rpc<T = unknown>(host: Host, method: string, req: unknown): Promise<T> {
  const u = new URL(host.url);
  const token = u.searchParams.get('token') ?? '';
  const res = await fetch(`${u.origin}/rpc/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Loupe-Token': token }, body: JSON.stringify(req) });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.value as T;
}

/** A stored box with its author's name and kind. */
export type SBox = { author: string; kind: string; classId: number; x: number; y: number; w: number; h: number };

/** The image's boxes by author, as the current person may see them (the lead: everyone's). */
export async function boxesOf(host: Host, imageId: number): Promise<SBox[]> {
  const people = await rpc<{ id: number; name: string; kind: string }[]>(host, 'annotators:list', {});
  const byId = new Map(people.map((p) => [p.id, p]));
  const r = await rpc<{ boxes: { annotatorId: number; modelRunId: number | null; classId: number; x: number; y: number; w: number; h: number }[] }>(host, 'boxes:list', { imageId });
  return r.boxes.filter((b) => b.modelRunId === null).map((b) => ({ author: byId.get(b.annotatorId)?.name ?? '?', kind: byId.get(b.annotatorId)?.kind ?? '?', classId: b.classId, x: b.x, y: b.y, w: b.w, h: b.h }));
}

/** Boxes as comparable strings, in a fixed order. */
export const boxKey = (bs: readonly SBox[]) => bs.map((b) => `${b.classId} ${b.x} ${b.y} ${b.w} ${b.h}`).sort();

/** Work as this person from now on, and show the app as they see it. */
export async function workAs(page: Page, host: Host, name: string, role: 'annotator' | 'lead') {
  await rpc(host, 'session:identify', { name, role });
  await page.goto(host.url);
  // The identify dialog, when the app asks, offers the remembered person: confirm it.
  const dialog = page.getByTestId('identify-dialog');
  await page.waitForTimeout(300);
  if (await dialog.isVisible()) await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('annotator')).toHaveText(name);
}

/** The page at 1366×768 and at 1920×1080, into test-results/agreement-<name>-<w>x<h>.png; back at 1366×768 after. */
export async function shots(page: Page, name: string) {
  for (const [w, h] of [
    [1366, 768],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ROOT, `test-results/agreement-${name}-${w}x${h}.png`) });
  }
  await page.setViewportSize({ width: 1366, height: 768 });
}
