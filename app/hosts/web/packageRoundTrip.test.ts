import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importFolder } from '../../io/importFolder.ts';
import { HEADER_BYTES, readHeader } from '../../io/workPackageFile.ts';
import { applyEdit } from '../../services/boxEdits.ts';
import { setReviewStatus } from '../../services/review.ts';
import { Project } from '../../store/Project.ts';
import { bmpBytes, makeImage, newSession, snapshot, tempDir } from '../../../test/unit/fixtures.ts';
import { startWebHost, type WebHost } from './server.ts';

const hosts: WebHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

type Job = { id: string; state: string; error: string | null; result: any };

/** The browser host on a fresh session, and its contract over HTTP as the page calls it. */
async function host() {
  const session = newSession('web');
  const h = await startWebHost({ session, staticDir: tempDir('loupe-static-') });
  hosts.push(h);
  const rpc = (method: string, body: unknown) =>
    new Promise<any>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request(
        { host: '127.0.0.1', port: h.port, path: `/rpc/${method}`, method: 'POST', headers: { Host: `127.0.0.1:${h.port}`, 'X-Loupe-Token': h.token, 'Content-Type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  const call = async (method: string, body: unknown) => {
    const r = await rpc(method, body);
    if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  /** Start a job and poll jobs:list, as the page does, until it ends. */
  const job = async (method: string, body: unknown): Promise<Job> => {
    const { id } = (await call(method, body)) as Job;
    for (;;) {
      const j = ((await call('jobs:list', {})) as Job[]).find((x) => x.id === id)!;
      if (j.state !== 'running') return j;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { session, call, job };
}

/**
 * The lead's project on disk: a.png and b.png small, big1.bmp and big2.bmp of
 * about 1.2 MB of noise each (a package with them is written in several chunks),
 * class car, ana's box and done mark on a.png and big1.bmp, bob's on a.png.
 */
async function leadProject() {
  const dir = tempDir('loupe-web-pkg-');
  const images = path.join(dir, 'images');
  await makeImage(path.join(images, 'a.png'), { w: 100, h: 80 });
  await makeImage(path.join(images, 'b.png'), { w: 60, h: 40 });
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (const name of ['big1.bmp', 'big2.bmp']) fs.writeFileSync(path.join(images, name), bmpBytes(640, 640, () => ({ r: noise(), g: noise(), b: noise() })));
  const file = path.join(dir, 'lead.loupe');
  const p = Project.create(file, { annotator: 'lead' });
  await importFolder(p, images);
  const car = p.db.transaction(() => p.classes.insert({ name: 'car', color: '#ff0000', hotkey: null }))();
  const id = (rel: string) => p.db.prepare<[string], number>('SELECT id FROM images WHERE path = ?').pluck().get(rel)!;
  const ids = { a: id('a.png'), b: id('b.png'), big1: id('big1.bmp'), big2: id('big2.bmp') };
  p.close();
  for (const [who, img, x] of [['ana', ids.a, 10], ['ana', ids.big1, 20], ['bob', ids.a, 30]] as const) {
    const q = Project.open(file, { annotator: who });
    applyEdit(q, img, { added: [{ classId: car, x, y: 5, w: 20, h: 10 }], updated: [], removed: [] });
    setReviewStatus(q, img, 'done');
    q.close();
  }
  return { dir, images, file, car, ids };
}

/** The package's size on disk is its header's and its body's, and the header reads back. */
async function whole(file: string) {
  const header = await readHeader(file);
  expect(fs.statSync(file).size).toBe(HEADER_BYTES + header.body.bytes);
  return header;
}

describe('work packages through the browser host', () => {
  it('a package smaller than its header, one of several chunks with the image files, and the work coming back: each imported into the project it came from', async () => {
    const f = await leadProject();
    const { session, call, job } = await host();
    await call('project:open', { file: f.file });
    await call('session:identify', { name: 'lead', role: 'lead' });

    // The small package: a body of well under HEADER_BYTES (the case that once read as only its header).
    const small = path.join(f.dir, 'ana.loupepkg');
    const x = await job('package:export', { annotator: 'ana', out: small });
    expect(x.error).toBeNull();
    expect(x.state).toBe('done');
    const sh = await whole(small);
    expect(sh.body.bytes).toBeGreaterThan(0);
    expect(sh.body.bytes).toBeLessThan(HEADER_BYTES);
    expect(x.result.bytes).toBe(fs.statSync(small).size);
    // Straight back into the same project: everything is already there.
    const same = await job('package:import', { file: small });
    expect(same.error).toBeNull();
    expect(same.result).toMatchObject({ annotator: 'ana', images: 2, changed: 0, unchanged: 2, unmatched: [] });

    // With the image files: several 1 MB chunks.
    const withImages = path.join(f.dir, 'ana-images.loupepkg');
    const xi = await job('package:export', { annotator: 'ana', out: withImages, withImages: true });
    expect(xi.error).toBeNull();
    const ih = await whole(withImages);
    expect(ih.body.bytes).toBeGreaterThan(1 << 20);
    expect(ih.counts).toMatchObject({ images: 2, imageFiles: 2, boxes: 2 });

    // Ana's machine: the package opened into an empty folder (the images come out of it), one more box there.
    const remote = tempDir('loupe-web-pkg-remote-');
    const opened = await job('package:open', { file: withImages, imagesDir: path.join(remote, 'images'), project: path.join(remote, 'ana.loupe') });
    expect(opened.error).toBeNull();
    expect(opened.result).toMatchObject({ images: 2, written: 2, missing: [] });
    expect(fs.readFileSync(path.join(remote, 'images', 'big1.bmp')).equals(fs.readFileSync(path.join(f.images, 'big1.bmp')))).toBe(true);
    await call('project:open', { file: path.join(remote, 'ana.loupe') });
    await call('session:identify', { name: 'ana' });
    await call('boxes:apply', { imageId: f.ids.big1, diff: { added: [{ classId: f.car, x: 300, y: 200, w: 40, h: 30 }], updated: [], removed: [] } });
    const back = path.join(remote, 'ana-back.loupepkg');
    const xb = await job('package:export', { annotator: 'ana', out: back, withImages: true });
    expect(xb.error).toBeNull();
    expect((await whole(back)).origin).toBe('package');

    // And into the lead's project: her new box arrives, bob's box stays.
    await call('project:open', { file: f.file });
    await call('session:identify', { name: 'lead', role: 'lead' });
    const imported = await job('package:import', { file: back });
    expect(imported.error).toBeNull();
    expect(imported.result).toMatchObject({ annotator: 'ana', images: 2, changed: 1, unchanged: 1, boxesAdded: 2, boxesRemoved: 1, unmatched: [] });
    const boxes = (await call('boxes:list', { imageId: f.ids.big1 })).boxes as { x: number; annotatorId: number }[];
    expect(boxes.map((b) => b.x).sort((p, q) => p - q)).toEqual([20, 300]);
    expect((await call('boxes:list', { imageId: f.ids.a })).boxes.map((b: { x: number }) => b.x).sort()).toEqual([10, 30]);
    const dump = snapshot(session.project);
    expect((await job('package:import', { file: back })).result).toMatchObject({ changed: 0, unchanged: 2 });
    expect(snapshot(session.project)).toBe(dump);
  });

  it('refuses a package cut off after its header, or in its body, with the sizes, and imports nothing', async () => {
    const f = await leadProject();
    const { session, call, job } = await host();
    await call('project:open', { file: f.file });
    await call('session:identify', { name: 'lead', role: 'lead' });
    const pkg = path.join(f.dir, 'ana.loupepkg');
    expect((await job('package:export', { annotator: 'ana', out: pkg, withImages: true })).state).toBe('done');
    const full = fs.readFileSync(pkg);
    const before = snapshot(session.project);
    for (const keep of [HEADER_BYTES, HEADER_BYTES + 100, full.length - 1]) {
      const cut = path.join(f.dir, `cut-${keep}.loupepkg`);
      fs.writeFileSync(cut, full.subarray(0, keep));
      const j = await job('package:import', { file: cut });
      expect(j.state).toBe('failed');
      expect(j.error).toContain(`${cut} is truncated: ${keep} bytes, the package says ${full.length}.`);
    }
    expect(snapshot(session.project)).toBe(before);
  });
});
