import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { cliBoxes, dragImage, loupeJson, ROOT } from './helpers.ts';

/**
 * Several people on one project, through the browser host as they would work: who is working
 * when the project opens, the top bar's switch, the lead's assignment by keyboard alone, blind
 * labelling on assigned images, and work packages out and back in.
 */
test.describe.configure({ mode: 'serial' });

let dir: string;
let project: string;
let images: string;
let host: { url: string; stop(): Promise<void> };

/** The browser host with no project open (the open-project screen), as the desktop app starts. */
async function startBareHost(): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'app/hosts/web/main.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`web host did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`web host exited with ${code}: ${out}`)));
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function makeImage(file: string, w: number, h: number, hue: number) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="hsl(${hue},30%,30%)"/><circle cx="${w / 2}" cy="${h / 2}" r="${h / 4}" fill="#9aa3ad"/></svg>`;
  await sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toFile(file);
}

const shot = async (page: Page, name: string, locator?: ReturnType<Page['getByTestId']>) => {
  for (const [w, h] of [
    [1366, 768],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(150);
    await (locator ?? page).screenshot({ path: path.join(ROOT, `test-results/people-${name}-${w}x${h}.png`) });
  }
  await page.setViewportSize({ width: 1366, height: 768 });
};

/** Open the person-and-role menu from the top bar and pick an entry. */
async function switchTo(page: Page, who: { person?: string; role?: 'annotator' | 'lead' }) {
  if (who.person) {
    await page.getByTestId('who-button').click();
    await page.getByTestId(`who-person-${who.person}`).click();
    await expect(page.getByTestId('annotator')).toHaveText(who.person);
  }
  if (who.role) {
    await page.getByTestId('who-button').click();
    await page.getByTestId(`who-role-${who.role}`).click();
    await expect(page.getByTestId('role')).toHaveText(who.role === 'lead' ? 'QA lead' : 'Annotator');
  }
}

async function openRow(page: Page, rel: string) {
  await page.getByTestId(`image-row-${rel}`).click();
  await expect(page.getByTestId('canvas')).toHaveAttribute('data-ready', 'true');
}

async function drawBox(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('b');
  await dragImage(page, from, to);
  await page.keyboard.press('v');
}

test.beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-e2e-people-'));
  images = path.join(dir, 'images');
  fs.mkdirSync(images);
  await makeImage(path.join(images, 'a-001.jpg'), 640, 480, 210);
  await makeImage(path.join(images, 'a-002.jpg'), 640, 480, 30);
  await makeImage(path.join(images, 'a-003.jpg'), 640, 480, 120);
  project = path.join(dir, 'team.loupe');
  loupeJson('init', project, '--images', images, '--json');
  loupeJson('classes', project, '--add', 'scratch', 'crack', '--json');
  host = await startBareHost();
});

test.afterAll(async () => {
  await host?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('opening a project asks who is working: a new name, then the remembered one; the top bar switches person', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(host.url);
  await page.getByPlaceholder('/path/to/project.loupe').fill(project);
  await page.getByRole('button', { name: 'Open', exact: true }).click();

  const dialog = page.getByTestId('identify-dialog');
  await expect(dialog).toBeVisible();
  // A blank name is refused in words, and nothing is stored.
  await page.getByTestId('identify-person-new').check();
  await page.getByTestId('identify-name').fill('   ');
  await expect(page.getByTestId('identify-name')).toHaveValue('   ');
  await page.getByTestId('identify-name').press('Enter');
  await expect(page.getByTestId('identify-error')).toHaveText('Type your name, or pick yourself from the list.');
  await page.getByTestId('identify-name').fill('alice');
  await expect(page.getByTestId('identify-role-annotator')).toBeChecked();
  await shot(page, 'identify');
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('annotator')).toHaveText('alice');
  await expect(page.getByTestId('role')).toHaveText('Annotator');

  // alice draws a box; it is hers.
  await openRow(page, 'a-001.jpg');
  await drawBox(page, { x: 100, y: 100 }, { x: 300, y: 250 });
  await expect(page.getByTestId('box-list').locator('li')).toHaveCount(1);
  await expect.poll(() => cliBoxes(project, 'a-001.jpg').map((b) => b.author)).toEqual(['alice']);

  // Someone else from the top bar: bob, new. Everything reloads for him.
  await page.getByTestId('who-button').click();
  await expect(page.getByTestId('who-menu')).toBeVisible();
  await shot(page, 'topbar-menu', page.locator('.app'));
  await page.getByTestId('who-someone-else').click();
  await page.getByTestId('identify-name').fill('bob');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('annotator')).toHaveText('bob');
  await openRow(page, 'a-001.jpg');
  // alice's box is shown as hers (the image is not assigned, so nothing is blind yet).
  const rows = page.getByTestId('box-list').locator('li');
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator('.who')).toHaveText('alice');
  await drawBox(page, { x: 350, y: 200 }, { x: 500, y: 400 });
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('box-list').locator('li.mine .who')).toHaveText('you');
  await expect.poll(() => cliBoxes(project, 'a-001.jpg').map((b) => b.author).sort()).toEqual(['alice', 'bob']);

  // Back to alice by the keyboard shortcut and the menu's arrow keys.
  await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+Shift+U');
  await expect(page.getByTestId('who-menu')).toBeVisible();
  await expect(page.getByTestId('who-person-bob')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(page.getByTestId('who-person-alice')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('annotator')).toHaveText('alice');
  await openRow(page, 'a-001.jpg');
  await expect(page.getByTestId('box-list').locator('li.mine .who')).toHaveText('you');
  await expect(page.getByTestId('box-list').locator('li.other .who')).toHaveText('bob');
  await shot(page, 'topbar', page.locator('.topbar'));

  // Opening again preselects the remembered person (alice); Enter keeps her.
  await page.goto(host.url);
  await expect(page.getByTestId('identify-dialog')).toBeVisible();
  await expect(page.getByTestId('identify-person-alice')).toBeChecked();
  await expect(page.getByTestId('identify-people')).toContainText('bob');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('identify-dialog')).toHaveCount(0);
  await expect(page.getByTestId('annotator')).toHaveText('alice');
});

test('the lead assigns by keyboard alone; on assigned images each person sees only their own boxes, the lead sees both in their colours', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(host.url);
  await page.getByTestId('identify-person-alice').check();
  await page.getByTestId('identify-role-lead').check();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('role')).toHaveText('QA lead');

  // Keyboard only from here: open the dialog by its shortcut, choose both, overlap 2, seed 5.
  await page.keyboard.press('Control+Shift+G');
  const dialog = page.getByTestId('assign-dialog');
  await expect(dialog).toBeVisible();
  // Focus starts on the first person (the one the project was made by), alice and bob follow.
  await expect(dialog.locator('.assign-people input').first()).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('assign-person-alice')).toBeFocused();
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('assign-person-bob')).toBeFocused();
  await page.keyboard.press('Space');
  // A third person, new, added by name with Enter, then left out again.
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('assign-new-name')).toBeFocused();
  await page.keyboard.type('carol');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('assign-person-carol')).toBeChecked();
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByTestId('assign-person-carol')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('assign-person-carol')).not.toBeChecked();
  for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
  await expect(page.getByTestId('assign-overlap')).toBeFocused();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('3');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('assign-error')).toHaveText('Overlap 3 needs at least 3 people; 2 chosen.');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('2');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('assign-filter')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('assign-seed')).toBeFocused();
  await page.keyboard.type('5');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('assign-summary')).toBeVisible();
  await expect(page.getByTestId('assign-images')).toHaveText('3');
  await expect(page.getByTestId('assign-result-alice').locator('td').nth(1)).toHaveText('3');
  await expect(page.getByTestId('assign-result-bob').locator('td').nth(1)).toHaveText('3');
  await shot(page, 'assign');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  // alice as annotator: her queue is her three assigned images; she sees only her own box on a-001.
  await switchTo(page, { role: 'annotator' });
  await expect(page.getByTestId('queue-assigned')).toHaveText('3 assigned');
  await openRow(page, 'a-001.jpg');
  await expect(page.getByTestId('box-list').locator('li')).toHaveCount(1);
  await expect(page.getByTestId('box-list').locator('li.mine')).toHaveCount(1);
  await expect(page.getByTestId('show-author-bob')).toHaveCount(0);

  await switchTo(page, { person: 'bob' });
  await openRow(page, 'a-001.jpg');
  await expect(page.getByTestId('box-list').locator('li')).toHaveCount(1);
  await expect(page.getByTestId('box-list').locator('li.mine')).toHaveCount(1);
  await expect(page.getByTestId('show-author-alice')).toHaveCount(0);

  // The lead sees both, alice's in her own colour, with a legend in the layers panel.
  await switchTo(page, { person: 'alice', role: 'lead' });
  await openRow(page, 'a-001.jpg');
  await expect(page.getByTestId('box-list').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('show-author-bob')).toBeVisible();
  await expect(page.getByTestId('legend-bob')).toBeVisible();
  await shot(page, 'lead-layers');
});

test('work packages: File › Export for a person, Open work package on the start screen elsewhere, the work comes back by File › Import; a refusal in words', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  const identifyAs = async (person: string, role: 'annotator' | 'lead') => {
    await expect(page.getByTestId('identify-dialog')).toBeVisible();
    await page.getByTestId(`identify-person-${person}`).check();
    await page.getByTestId(`identify-role-${role}`).check();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('identify-dialog')).toHaveCount(0);
    await expect(page.getByTestId('annotator')).toHaveText(person);
  };
  await page.goto(host.url);
  await identifyAs('alice', 'lead');

  // The lead writes bob's package.
  const pkg = path.join(dir, 'bob.loupepkg');
  await page.getByTestId('file-menu').click();
  await page.getByTestId('file-package-export').click();
  await page.getByTestId('package-person').selectOption('bob');
  await page.getByTestId('package-out').fill(pkg);
  await page.getByTestId('package-export-start').click();
  await expect(page.getByTestId('package-export-summary')).toBeVisible();
  await expect(page.getByTestId('package-images')).toHaveText('3');
  await expect(page.getByTestId('package-boxes')).toHaveText('1');
  expect(fs.existsSync(pkg)).toBe(true);
  await shot(page, 'package-export');
  await page.keyboard.press('Escape');

  // On bob's machine: the start screen makes a project from the package; bob adds a box and sends his work back.
  const back = path.join(dir, 'bob-back.loupepkg');
  const made = path.join(dir, 'bob-home.loupe');
  const other = await startBareHost();
  try {
    await page.goto(other.url);
    await page.getByTestId('open-package').click();
    await page.getByTestId('open-package-file').fill(pkg);
    await page.getByTestId('open-package-images').fill(images);
    await page.getByTestId('open-package-project').fill(made);
    await shot(page, 'open-package');
    await page.getByTestId('open-package-start').click();
    await identifyAs('bob', 'annotator');
    expect(fs.existsSync(made)).toBe(true);
    await openRow(page, 'a-002.jpg');
    await drawBox(page, { x: 60, y: 60 }, { x: 200, y: 180 });
    await expect(page.getByTestId('box-list').locator('li.mine')).toHaveCount(1);
    await page.getByTestId('file-menu').click();
    await page.getByTestId('file-package-export').click();
    await expect(page.getByTestId('package-person')).toHaveValue('bob');
    await page.getByTestId('package-out').fill(back);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('package-export-summary')).toBeVisible();
    await expect(page.getByTestId('package-boxes')).toHaveText('2');
  } finally {
    await other.stop();
  }

  // Back at the lead's: File › Import work package… brings bob's new box in, as his.
  await page.goto(host.url);
  await identifyAs('alice', 'lead');
  await page.getByTestId('file-menu').click();
  await page.getByTestId('file-package-import').click();
  await page.getByTestId('package-file').fill(back);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('package-import-summary')).toBeVisible();
  await expect(page.getByTestId('package-boxes-added')).toHaveText('1');
  await expect(page.getByTestId('package-import-summary')).toContainText("Imported bob's work");
  await shot(page, 'package-import');
  // A file that is not a package is refused with the core's message, and nothing changes.
  const bogus = path.join(dir, 'not-a-package.loupepkg');
  fs.writeFileSync(bogus, 'hello');
  await page.getByTestId('package-file').fill(bogus);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('package-error')).toBeVisible();
  await expect(page.getByTestId('package-error')).toContainText('not-a-package.loupepkg');
  await page.keyboard.press('Escape');
  await openRow(page, 'a-002.jpg');
  await expect(page.getByTestId('box-list').locator('li.other .who')).toHaveText('bob');
});
