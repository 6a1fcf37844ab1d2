import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { matchGreedy } from '../../app/domain/box.ts';
import { ROOT } from './helpers.ts';
import { startWebHost } from './webHost.ts';

const NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

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

/** A contract method through the browser host, as the renderer calls it. */
function rpcOf(url: string) {
  const u = new URL(url);
  return async <T = any>(method: string, body: unknown): Promise<T> => {
    const res = await fetch(`${u.origin}/rpc/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Loupe-Token': u.searchParams.get('token') ?? '' },
      body: JSON.stringify(body),
    });
    const reply = (await res.json()) as { ok: boolean; value: T; error?: { message: string } };
    if (!reply.ok) throw new Error(`${method}: ${reply.error?.message}`);
    return reply.value;
  };
}

/** Start a job through the host and wait for its end; its result. */
async function jobResult(rpc: ReturnType<typeof rpcOf>, method: string, body: unknown): Promise<any> {
  const job = await rpc<{ id: string }>(method, body);
  for (;;) {
    const j = (await rpc<{ id: string; state: string; result?: unknown; error?: string }[]>('jobs:list', {})).find((x) => x.id === job.id);
    if (j && j.state !== 'running') {
      if (j.state !== 'done') throw new Error(`${method} ${j.state}: ${j.error}`);
      return j.result;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The twelve numbers a stats row shows, at full precision. */
async function shownStats(page: Page, row: 'a' | 'b' | 'diff'): Promise<number[]> {
  const out: number[] = [];
  for (const n of NAMES) out.push(Number(await page.getByTestId(`stat-${row}-${n}`).getAttribute('data-value')));
  return out;
}

test('the evaluation dashboard by keyboard: the twelve numbers as the host reports them, two runs compared, a slice through to its images with misses and false alarms drawn', async ({ page }) => {
  test.setTimeout(240_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-evaldash-'));
  const count = 24;
  const project = smallDemo(dir, count);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'images', 'manifest.json'), 'utf8')) as { images: { file: string; shift: string }[] };
  const night = manifest.images.filter((e) => e.shift === 'night');
  const host = await startWebHost(project);
  try {
    const rpc = rpcOf(host.url);
    // The demo has one run of its model; a second, stricter one gives the dashboard two runs to compare.
    const [model] = await rpc<{ id: number }[]>('models:list', {});
    expect(model, 'the demo project has its model').toBeDefined();
    await jobResult(rpc, 'prelabel:start', { modelId: model.id, conf: 0.5 });
    const runs = await rpc<{ id: number }[]>('runs:list', {});
    expect(runs.length).toBe(2);
    const [first, second] = runs;
    const reference = (await rpc<{ id: number; name: string }[]>('annotators:list', {})).find((a) => a.name === 'reference')!;

    await page.goto(host.url);
    await expect(page.getByTestId('project-name')).toBeVisible();
    await page.locator('body').focus();
    await page.keyboard.press('Alt+e');
    const dash = page.getByTestId('evaluation-dashboard');
    await expect(dash).toBeVisible();
    // It opens on the newest run against the reference, evaluated at once.
    await expect(dash.getByTestId('eval-run')).toHaveValue(String(second.id));
    await expect(dash.getByTestId('eval-reference')).toHaveValue(String(reference.id));
    await expect(dash.getByTestId('eval-report')).toBeVisible({ timeout: 60_000 });
    const alone = await jobResult(rpc, 'evaluation:start', { runId: second.id, referenceId: reference.id });
    expect(await shownStats(page, 'a')).toEqual(alone.overall.stats);
    for (const [i, n] of NAMES.entries()) {
      const v = alone.overall.stats[i] as number;
      await expect(dash.getByTestId(`stat-a-${n}`)).toHaveText(v < 0 ? '–' : v.toFixed(3));
    }

    // Compared with the first run: both on the images both covered, as the host's compare reports them, and B − A.
    await dash.getByTestId('eval-other').focus();
    await dash.getByTestId('eval-other').selectOption(String(first.id));
    await expect(dash.getByTestId('stat-b-AP')).toBeVisible({ timeout: 60_000 });
    const both = await jobResult(rpc, 'evaluation:start', { runId: second.id, referenceId: reference.id, compareRunId: first.id });
    const a = await shownStats(page, 'a');
    const b = await shownStats(page, 'b');
    expect(a).toEqual(both.overall.stats);
    expect(b).toEqual(both.compare.other.overall.stats);
    const diffs = await Promise.all(NAMES.map((n) => dash.getByTestId(`stat-diff-${n}`).getAttribute('data-value')));
    NAMES.forEach((_, i) => {
      if (a[i] < 0 || b[i] < 0) expect(diffs[i]).toBe('');
      else expect(Number(diffs[i])).toBeCloseTo(b[i] - a[i], 12);
    });
    await expect(dash.getByTestId('eval-classes')).toBeVisible();

    // Tab reaches the night slice's row; Enter opens its images in the workspace.
    const nightRow = dash.getByTestId('eval-slice-shift-night');
    await expect(nightRow.locator('td').nth(3)).toHaveText(String(night.length));
    await dash.getByTestId('eval-run-button').focus();
    for (let i = 0; i < 200 && !(await nightRow.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    await expect(nightRow).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(dash).toHaveCount(0);
    await expect(page.getByTestId('list-filter')).toContainText('shift = night');
    await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', String(night.length));
    await expect(page.getByTestId('eval-focus-label')).toContainText('shift = night');

    // On each of the first images, exactly the reference boxes the run misses and its boxes that found nothing are marked.
    const canvas = page.getByTestId('canvas');
    const nightFiles = new Set(night.map((e) => e.file));
    let sawMiss = false;
    for (let step = 0; step < 3; step++) {
      await expect(canvas).toHaveAttribute('data-ready', 'true');
      await expect(page.getByTestId('eval-focus')).toContainText(`image ${step + 1} of ${night.length}`);
      const imageId = Number(await canvas.getAttribute('data-image-id'));
      const item = await rpc<{ path: string }>('images:get', { id: imageId });
      expect(nightFiles.has(item.path)).toBe(true);
      const { boxes } = await rpc<{ boxes: { annotatorId: number; modelRunId: number | null; score: number | null; classId: number; x: number; y: number; w: number; h: number; rejected: boolean }[] }>('boxes:list', { imageId });
      const ref = boxes.filter((x) => x.annotatorId === reference.id && x.modelRunId === null);
      const dets = boxes.filter((x) => x.modelRunId === second.id && !x.rejected && (x.score ?? 1) >= 0.25);
      const foundBy = [...matchGreedy(ref, dets)];
      const missed = foundBy.filter((i) => i < 0).length;
      const falseAlarms = dets.length - foundBy.filter((i) => i >= 0).length;
      await expect(canvas).toHaveAttribute('data-missed', String(missed));
      await expect(canvas).toHaveAttribute('data-false-alarms', String(falseAlarms));
      await expect(page.getByTestId('compare-legend')).toContainText(`missed: reference box the run did not find (${missed})`);
      await expect(page.getByTestId('compare-legend')).toContainText(`false alarm: run box that found nothing (${falseAlarms})`);
      sawMiss ||= missed > 0;
      await page.getByTestId('eval-focus-next').click();
    }
    expect(sawMiss, 'the demo model misses something on the first night frames').toBe(true);

    // Done: every image again.
    await page.getByTestId('eval-focus-leave').click();
    await expect(page.getByTestId('list-filter')).toHaveCount(0);
    await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', String(count));
    await expect(page.getByTestId('eval-focus')).toHaveCount(0);

    // Opened again, the comparison is there at once; a class by the arrow keys and Enter opens the images with it.
    await page.getByTestId('canvas').focus();
    await page.keyboard.press('Alt+e');
    await expect(dash.getByTestId('stat-b-AP')).toBeVisible();
    expect(await shownStats(page, 'b')).toEqual(b);
    const firstClass = both.overall.perClass[0].categoryId as number;
    const classes = await rpc<{ classes: { id: number; name: string }[] }>('project:info', {});
    const className = classes.classes.find((c) => c.id === firstClass)!.name;
    await dash.getByTestId('eval-classes').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(dash).toHaveCount(0);
    await expect(page.getByTestId('eval-focus-label')).toContainText(`class ${className}`);
    const withClass = await rpc<{ total: number }>('images:list', { offset: 0, limit: 1, filter: { classId: firstClass } });
    await expect(page.getByTestId('image-list')).toHaveAttribute('data-total', String(withClass.total));
    await expect(canvas).toHaveAttribute('data-ready', 'true');
    await expect(canvas).toHaveAttribute('data-missed', /^\d+$/);

    // A capture week (no queue filter selects one) opens its images by capture time: as many as the slice evaluated.
    await page.getByTestId('eval-focus-leave').click();
    await page.getByTestId('canvas').focus();
    await page.keyboard.press('Alt+e');
    const week = dash.locator('[data-testid^="eval-slice-week-2"]').first();
    await expect(week, 'the demo frames carry capture times').toHaveCount(1);
    const weekImages = Number(await week.locator('td').nth(3).textContent());
    const weekName = (await week.getAttribute('data-testid'))!.replace('eval-slice-week-', '');
    await week.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('eval-focus-label')).toContainText(`week = ${weekName}`);
    await expect(page.getByTestId('eval-focus')).toContainText(`image 1 of ${weekImages}`);
  } finally {
    await host.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
