import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../services/Session.ts';
import { createDispatcher } from '../dispatcher.ts';
import { loupe, ROOT, type Run } from './runLoupe.ts';

const stderrLines = (r: Run) => r.stderr.split('\n').filter(Boolean);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A folder of distinct PNGs (some in a subfolder) plus one file that is not an image. */
async function imageFolder(name: string, count: number, withBad = true): Promise<string> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  for (let start = 0; start < count; start += 200) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + 200); i++) {
      const file = path.join(dir, i % 2 ? 'sub' : '', `img${String(i).padStart(5, '0')}.png`);
      const background = { r: i & 255, g: (i >> 8) & 255, b: 99 };
      batch.push(sharp({ create: { width: 20 + (i % 7), height: 16, channels: 3, background } }).png().toFile(file));
    }
    await Promise.all(batch);
  }
  if (withBad) fs.writeFileSync(path.join(dir, 'broken.jpg'), 'this is not a jpeg');
  return dir;
}

describe('loupe CLI (real bin)', () => {
  it('init + import + info report the same numbers', async () => {
    const images = await imageFolder('basic', 6);
    const file = path.join(tmp, 'basic.loupe');

    const init = await loupe(['init', file, '--images', images, '--json']);
    expect(init.code, init.stderr).toBe(0);
    const created = JSON.parse(init.stdout);
    expect(created).toMatchObject({ project: file, imageCount: 6, import: { found: 7, added: 6, alreadyPresent: 0, failedCount: 1 } });
    expect(created.import.failed[0]).toEqual({ path: 'broken.jpg', reason: expect.stringMatching(/not an image/) });

    const again = await loupe(['import', file, '--images', images, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: 0, alreadyPresent: 6, failedCount: 1 });
    expect(again.stderr).toMatch(/Importing: 1\/1 files/);

    const info = await loupe(['info', file, '--json']);
    expect(info.code, info.stderr).toBe(0);
    const report = JSON.parse(info.stdout);
    expect(report).toMatchObject({ file, imageCount: 6, failedCount: 1, boxCount: 0, classes: [], roots: [images] });
    expect(report.failures).toEqual([{ path: 'broken.jpg', root: images, reason: expect.stringMatching(/not an image/) }]);
    expect(report.annotators.map((a: { name: string }) => a.name)).toContain('cli-user');

    const text = await loupe(['info', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Images\s+6, 1 could not be imported/);
    expect(text.stdout).toMatch(/broken\.jpg: not an image/);
  });

  it('a file name with a newline or an escape sequence cannot fake a line of the summary', async () => {
    const images = path.join(tmp, 'control-names');
    fs.mkdirSync(images, { recursive: true });
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toFile(path.join(images, 'good.png'));
    const evil = 'x\nImages       999, 0 could not be imported\u001b[2J.jpg';
    fs.writeFileSync(path.join(images, evil), 'not an image');
    const file = path.join(tmp, 'control-names.loupe');
    expect((await loupe(['init', file, '--images', images, '--json'])).code).toBe(0);

    const text = await loupe(['info', file]);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines.filter((l) => /^\s*Images\s+999/.test(l))).toEqual([]);
    expect(text.stdout).not.toContain('\u001b');
    expect(text.stdout).toContain('x\\nImages       999, 0 could not be imported\\u001b[2J.jpg: not an image');
    // JSON keeps the name exactly, escaped by JSON itself.
    const json = JSON.parse((await loupe(['info', file, '--json'])).stdout);
    expect(json.failures.map((f: { path: string }) => f.path)).toEqual([evil]);
  });

  it('classes --add takes several names at once and repeated flags; a taken name adds nothing', async () => {
    const file = path.join(tmp, 'classes.loupe');
    expect((await loupe(['init', file])).code).toBe(0);

    const add = await loupe(['classes', file, '--add', 'scratch', 'crack', '--add', 'dent', '--json']);
    expect(add.code, add.stderr).toBe(0);
    const { classes, added } = JSON.parse(add.stdout);
    expect(added).toHaveLength(3);
    expect(classes.map((c: { name: string; hotkey: string; boxCount: number }) => [c.name, c.hotkey, c.boxCount])).toEqual([
      ['scratch', '1', 0],
      ['crack', '2', 0],
      ['dent', '3', 0],
    ]);
    expect(new Set(classes.map((c: { color: string }) => c.color)).size).toBe(3);

    const dup = await loupe(['classes', file, '--add', 'stain', 'crack']);
    expect(dup.code).toBe(1);
    expect(stderrLines(dup)).toEqual(['loupe: a class named "crack" already exists; nothing was added']);

    const list = await loupe(['classes', file]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+COLOUR\s+HOTKEY\s+BOXES$/m);
    expect(list.stdout).not.toMatch(/stain/);

    const empty = await loupe(['classes', file, '--add', '  ']);
    expect(empty.code).toBe(1);
    expect(stderrLines(empty)).toEqual([expect.stringMatching(/^loupe: classes:create: name: class name is empty/)]);
  });

  it('boxes --json lists boxes added through the dispatcher with untouched floats', async () => {
    const images = await imageFolder('boxes', 3, false);
    const file = path.join(tmp, 'boxes.loupe');
    expect((await loupe(['init', file, '--images', images])).code).toBe(0);

    let stored = { x: 0, y: 0, w: 0, h: 0 };
    const session = new Session('test', { annotator: 'alice' });
    const d = createDispatcher(session);
    try {
      expect((await d('project:open', { file })).ok).toBe(true);
      const cls = await d('classes:create', { name: 'scratch' });
      const list = await d('images:list', {});
      if (!cls.ok || !list.ok) throw new Error('setup failed');
      const classId = (cls.value as { id: number }).id;
      const items = (list.value as { items: { id: number; path: string }[] }).items;
      const target = items.find((i) => i.path === 'sub/img00001.png')!;
      const box = { classId, x: 1.0000000000000002, y: 2.718281828459045, w: 3.141592653589793, h: 0.30000000000000004 };
      const applied = await d('boxes:apply', { imageId: target.id, diff: { added: [box], updated: [], removed: [] } });
      if (!applied.ok) throw new Error(applied.error.message);
      stored = (applied.value as { boxes: typeof stored[] }).boxes[0];
      const other = items.find((i) => i.path === 'img00000.png')!;
      await d('boxes:apply', { imageId: other.id, diff: { added: [{ classId, x: 5, y: 6, w: 7, h: 8 }], updated: [], removed: [] } });
    } finally {
      await session.close();
    }

    const all = await loupe(['boxes', file, '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout).count).toBe(2);

    const expected = {
      image: 'sub/img00001.png',
      imagePath: path.join(images, 'sub/img00001.png'),
      class: 'scratch',
      x: stored.x,
      y: stored.y,
      w: stored.w,
      h: stored.h,
      author: 'alice',
      score: null,
      provenance: 'drawn',
      source: null,
    };
    const byStored = await loupe(['boxes', file, '--image', 'sub/img00001.png', '--json']);
    expect(byStored.code, byStored.stderr).toBe(0);
    const rows = JSON.parse(byStored.stdout).boxes;
    expect(rows).toEqual([expect.objectContaining(expected)]);
    // Exactly as stored, digit for digit: nothing is rounded on the way out.
    expect(rows[0].x).toBe(1.0000000000000002);
    expect(rows[0].y).toBe(2.718281828459045);
    expect(byStored.stdout).toContain(`"w": ${String(stored.w)}`);

    const byFile = await loupe(['boxes', file, '--image', 'img00001.png', '--json'], { cwd: path.join(images, 'sub') });
    expect(byFile.code, byFile.stderr).toBe(0);
    expect(JSON.parse(byFile.stdout).boxes).toEqual(rows);

    const missing = await loupe(['boxes', file, '--image', 'nope.png', '--json']);
    expect(missing.code).toBe(1);
    expect(stderrLines(missing)).toEqual([expect.stringMatching(/^loupe: no image "nope.png" in this project/)]);
  });

  it('exit 1 with one stderr line for problems a person can fix', async () => {
    const cases: [string, string[], RegExp][] = [];

    cases.push(['missing project', ['info', path.join(tmp, 'absent.loupe'), '--json'], /^loupe: Project file not found: .*absent\.loupe$/]);

    const corrupt = path.join(tmp, 'corrupt.loupe');
    fs.writeFileSync(corrupt, 'definitely not sqlite, just some text that is long enough');
    cases.push(['corrupt file', ['info', corrupt, '--json'], /^loupe: .*corrupt\.loupe is not a Loupe project/]);

    const newer = path.join(tmp, 'newer.loupe');
    expect((await loupe(['init', newer])).code).toBe(0);
    const db = new Database(newer);
    db.pragma('user_version = 999');
    db.close();
    cases.push(['newer schema', ['classes', newer], /^loupe: Project .*newer\.loupe was written by a newer Loupe \(schema 999/]);

    const ok = path.join(tmp, 'ok.loupe');
    expect((await loupe(['init', ok])).code).toBe(0);
    cases.push(['missing images folder', ['import', ok, '--images', path.join(tmp, 'no-such-dir')], /^loupe: image folder not found: .*no-such-dir$/]);
    cases.push(['init with missing folder', ['init', path.join(tmp, 'fresh.loupe'), '--images', path.join(tmp, 'nope')], /^loupe: image folder not found/]);
    cases.push(['existing file', ['init', ok], /^loupe: A file already exists at .*ok\.loupe/]);
    cases.push(['bad value', ['import', ok, '--images', tmp, '--pixel-limit', 'lots'], /^loupe: --pixel-limit must be a whole number/]);

    for (const [what, args, message] of cases) {
      const r = await loupe(args);
      expect(r.code, what).toBe(1);
      expect(r.stdout, what).toBe('');
      expect(stderrLines(r), what).toEqual([expect.stringMatching(message)]);
    }
    expect(fs.existsSync(path.join(tmp, 'fresh.loupe'))).toBe(false);
  });

  it('exit 2 for usage errors, pointing at --help', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /^loupe: unknown command "frobnicate"\. Run loupe --help for usage\.$/],
      [['info', 'x.loupe', '--verbose'], /^loupe: unknown option "--verbose" for info\. Run loupe info --help for usage\.$/],
      [['--nope'], /^loupe: unknown option "--nope"\. Run loupe --help/],
      [['info'], /^loupe: info needs PROJECT\. Run loupe info --help/],
      [['boxes', '--json'], /^loupe: boxes needs PROJECT\./],
      [['import', 'x.loupe'], /^loupe: import needs --images DIR\./],
      [['import', 'x.loupe', '--images'], /^loupe: --images needs a value/],
      [['info', 'a.loupe', 'b.loupe'], /^loupe: unexpected argument "b\.loupe" for info/],
    ];
    for (const [args, message] of cases) {
      const r = await loupe(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(stderrLines(r), args.join(' ')).toEqual([expect.stringMatching(message)]);
    }
  });

  it('--help lists every command, each command has its own help, --version prints the version', async () => {
    const help = await loupe(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['init', 'import', 'classes', 'info', 'boxes']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${cmd}\\s+\\S`, 'm'));
      const own = await loupe([cmd, '--help']);
      expect(own.code).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: loupe ${cmd} PROJECT`));
    }
    const version = await loupe(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(`loupe ${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}`);
  });

  it('Ctrl+C during import cancels cleanly: committed batches stay, a re-run adds the rest', async () => {
    const total = 2000;
    const images = await imageFolder('many', total, false);
    const file = path.join(tmp, 'many.loupe');
    expect((await loupe(['init', file])).code).toBe(0);

    let sent = false;
    const r = await loupe(['import', file, '--images', images], {
      onStderr: (chunk, child) => {
        if (!sent && chunk.includes('Import ')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(r.code, r.stderr).toBe(130);
    expect(stderrLines(r).at(-1)).toMatch(/^loupe: import cancelled after \d+ of \d+ files; what was imported is kept/);

    const info = JSON.parse((await loupe(['info', file, '--json'])).stdout);
    expect(info.imageCount).toBeLessThan(total);
    expect(info.imageCount % 500).toBe(0); // whole batches only

    const rest = await loupe(['import', file, '--images', images, '--json']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ added: total - info.imageCount, alreadyPresent: info.imageCount, failedCount: 0 });
  });

  it('npx resolves the package bin from the repository root', () => {
    // Never install: if the local bin were not found, fail instead of fetching a package named "loupe".
    const env = { ...process.env, npm_config_yes: 'false', npm_config_offline: 'true' };
    const r = spawnSync('npx', ['loupe', '--help'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: loupe COMMAND/m);
  });
});
