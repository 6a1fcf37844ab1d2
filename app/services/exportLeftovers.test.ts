import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildExportFixture } from '../../test/fixtures/export/project.ts';
import { tempDir, track } from '../../test/unit/fixtures.ts';
import { prepareExport, runExport } from './export.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = path.join(ROOT, 'test/fixtures/export/killedExport.ts');
const OWN = ['images', 'README', 'fixture.loupe', 'fixture.loupe-wal', 'fixture.loupe-shm'];
const others = (dir: string) => fs.readdirSync(dir).filter((n) => !OWN.includes(n)).sort();

/** Run the export in a child process and SIGKILL it where it stalls. */
async function killedExport(file: string, out: string, mode: 'write' | 'swap'): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, out, mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_c, signal) => resolve(signal)));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (stdout.includes('stalled')) child.kill('SIGKILL');
  });
  expect(await ended, `${stdout}\n${stderr}`).toBe('SIGKILL');
}

describe('export: what killed exports leave behind', () => {
  it('a kill while writing leaves a partial folder that the next export to the same place removes, and says so', async () => {
    const dir = tempDir('loupe-export-');
    const p = track(await buildExportFixture(dir));
    const out = path.join(dir, 'ds');
    p.close();
    await killedExport(p.file, out, 'write');
    const first = others(dir);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/^\.ds\.partial-\d+-/);
    // A second killed export tidied the first one's folder before leaving its own.
    await killedExport(p.file, out, 'write');
    const second = others(dir);
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);

    const q = track((await import('../store/Project.ts')).Project.open(p.file));
    const s = await runExport(q, prepareExport(q, { format: 'yolo', out, images: 'copy' }));
    expect(s.leftovers.removed).toBe(1);
    expect(s.leftovers.bytes).toBeGreaterThan(0);
    expect(s.leftovers.restored).toBe(false);
    expect(others(dir)).toEqual(['ds']);
    expect(fs.existsSync(path.join(out, 'data.yaml'))).toBe(true);
  }, 60_000);

  it('a kill between the two renames of a forced replacement: the next export puts the previous dataset back first', async () => {
    const dir = tempDir('loupe-export-');
    const p = track(await buildExportFixture(dir));
    const out = path.join(dir, 'ds');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'previous.txt'), 'the previous dataset');
    p.close();
    await killedExport(p.file, out, 'swap');
    // The window the kill fell in: nothing at out, the previous dataset hidden beside it.
    expect(fs.existsSync(out)).toBe(false);
    expect(others(dir).some((n) => n.endsWith('-old'))).toBe(true);

    const q = track((await import('../store/Project.ts')).Project.open(p.file));
    // Without force the put-back dataset is in the way again, as it was before the killed run.
    expect(() => prepareExport(q, { format: 'yolo', out })).toThrow(/already exists/);
    expect(fs.readFileSync(path.join(out, 'previous.txt'), 'utf8')).toBe('the previous dataset');
    expect(others(dir)).toEqual(['ds']);

    await killedExport(p.file, out, 'swap');
    const s = await runExport(q, prepareExport(q, { format: 'yolo', out, force: true }));
    expect(s.leftovers.restored).toBe(true);
    expect(s.leftovers.removed).toBe(1);
    expect(fs.existsSync(path.join(out, 'previous.txt'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'data.yaml'))).toBe(true);
    expect(others(dir)).toEqual(['ds']);
  }, 60_000);

  it("leaves a running export's temporary folder alone", async () => {
    const dir = tempDir('loupe-export-');
    const p = track(await buildExportFixture(dir));
    const out = path.join(dir, 'ds');
    // A folder named for a live process (this one's parent) is another export at work.
    const live = path.join(dir, `.ds.partial-${process.ppid}-abc123`);
    fs.mkdirSync(live);
    const s = await runExport(p, prepareExport(p, { format: 'yolo', out }));
    expect(s.leftovers.removed).toBe(0);
    expect(fs.existsSync(live)).toBe(true);
  });
});
