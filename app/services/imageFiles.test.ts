import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { LoupeError } from '../domain/errors.ts';
import { importFolder } from '../io/importFolder.ts';
import type { Project } from '../store/Project.ts';
import { bmpBytes, makeImage, newProject, tempDir } from '../../test/unit/fixtures.ts';
import { parseImageRoute, resolveImageFile, serveImage } from './imageFiles.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LoupeError);
    return (err as LoupeError).code;
  }
  throw new Error('expected the call to throw');
}

/** Register a stored path directly, as a tampered or hand-edited project file would. */
function addRow(p: Project, rootAbs: string, rel: string): number {
  return p.db.transaction(() => {
    const rootId = p.images.ensureRoot(p.storedRootPath(rootAbs));
    return p.images.insert(
      { rootId, path: rel, width: 4, height: 4, orientation: 1, format: 'png', bytes: 0, contentHash: null, metadata: '{}', ingestError: null },
      new Date().toISOString(),
    );
  })();
}

const idOf = (p: Project, rel: string) => p.images.page(0, 100).find((r) => r.path === rel)!.id;

describe('resolveImageFile', () => {
  it('resolves an imported image to its real path', async () => {
    const root = tempDir();
    await makeImage(path.join(root, 'sub/a.png'), { w: 4, h: 4 });
    const p = newProject();
    await importFolder(p, root);
    const r = resolveImageFile(p, idOf(p, 'sub/a.png'));
    expect(r).toEqual({ file: fs.realpathSync(path.join(root, 'sub/a.png')), format: 'png', orientation: 1 });
  });

  it("refuses a stored path with '..' that leaves the root", async () => {
    const base = tempDir();
    const root = path.join(base, 'root');
    await makeImage(path.join(root, 'ok.png'), { w: 4, h: 4 });
    await makeImage(path.join(base, 'secret.png'), { w: 4, h: 4 });
    const p = newProject();
    expect(codeOf(() => resolveImageFile(p, addRow(p, root, '../secret.png')))).toBe('forbidden');
    expect(codeOf(() => resolveImageFile(p, addRow(p, root, 'sub/../../secret.png')))).toBe('forbidden');
    expect(codeOf(() => resolveImageFile(p, addRow(p, root, path.join(base, 'secret.png'))))).toBe('forbidden');
    expect(codeOf(() => resolveImageFile(p, addRow(p, root, '.')))).toBe('forbidden');
    // a '..' that stays inside is fine
    expect(resolveImageFile(p, addRow(p, root, 'sub/../ok.png')).file).toBe(fs.realpathSync(path.join(root, 'ok.png')));
  });

  it('refuses a symlink that points out of the root, follows one that stays inside', async () => {
    const base = tempDir();
    const root = path.join(base, 'root');
    await makeImage(path.join(root, 'inside.png'), { w: 4, h: 4 });
    await makeImage(path.join(base, 'outside.png'), { w: 5, h: 5 });
    fs.symlinkSync(path.join(base, 'outside.png'), path.join(root, 'escape.png'));
    fs.symlinkSync(path.join(root, 'inside.png'), path.join(root, 'alias.png'));
    fs.symlinkSync(base, path.join(root, 'updir'));
    const p = newProject();
    expect(codeOf(() => resolveImageFile(p, addRow(p, root, 'escape.png')))).toBe('forbidden');
    expect(codeOf(() => resolveImageFile(p, addRow(p, root, 'updir/outside.png')))).toBe('forbidden');
    expect(resolveImageFile(p, addRow(p, root, 'alias.png')).file).toBe(fs.realpathSync(path.join(root, 'inside.png')));
  });

  it('serves from a root that is itself a symlink', async () => {
    const base = tempDir();
    await makeImage(path.join(base, 'real/a.png'), { w: 4, h: 4 });
    fs.symlinkSync(path.join(base, 'real'), path.join(base, 'link'));
    const p = newProject();
    const id = addRow(p, path.join(base, 'link'), 'a.png');
    expect(resolveImageFile(p, id).file).toBe(fs.realpathSync(path.join(base, 'real/a.png')));
  });

  it('reports unknown images and missing files as not_found', async () => {
    const root = tempDir();
    const p = newProject();
    expect(codeOf(() => resolveImageFile(p, 999))).toBe('not_found');
    expect(codeOf(() => resolveImageFile(p, addRow(p, root, 'gone.png')))).toBe('not_found');
  });
});

describe('serveImage', () => {
  it('serves browser-ready bytes: JPEG as is, rotated PNG, TIFF and BMP transcoded to upright PNG', async () => {
    const root = tempDir();
    const jpeg = await makeImage(path.join(root, 'a.jpg'), { w: 40, h: 20, format: 'jpeg', orientation: 6 });
    const png = await makeImage(path.join(root, 'b.png'), { w: 30, h: 10 });
    await makeImage(path.join(root, 'c.png'), { w: 30, h: 10, orientation: 6 });
    await makeImage(path.join(root, 'd.tif'), { w: 12, h: 6, format: 'tiff' });
    fs.writeFileSync(path.join(root, 'e.bmp'), bmpBytes(7, 3));
    const p = newProject();
    await importFolder(p, root);

    const a = await serveImage(p, idOf(p, 'a.jpg'), 'full');
    expect(a.mime).toBe('image/jpeg');
    expect(a.data.equals(jpeg)).toBe(true); // the browser applies EXIF orientation to JPEG itself
    const b = await serveImage(p, idOf(p, 'b.png'), 'full');
    expect([b.mime, b.data.equals(png)]).toEqual(['image/png', true]);
    const c = await serveImage(p, idOf(p, 'c.png'), 'full');
    expect(c.mime).toBe('image/png');
    const cm = await sharp(c.data).metadata();
    expect([cm.width, cm.height]).toEqual([10, 30]);
    const d = await serveImage(p, idOf(p, 'd.tif'), 'full');
    expect(d.mime).toBe('image/png');
    expect((await sharp(d.data).metadata()).width).toBe(12);
    const e = await serveImage(p, idOf(p, 'e.bmp'), 'full');
    expect(e.mime).toBe('image/bmp');
  });

  it('makes an upright WebP thumbnail once and then serves it from the project', async () => {
    const root = tempDir();
    await makeImage(path.join(root, 'big.jpg'), { w: 400, h: 200, format: 'jpeg', orientation: 6 });
    fs.writeFileSync(path.join(root, 'pic.bmp'), bmpBytes(20, 10));
    const p = newProject();
    await importFolder(p, root);
    const id = idOf(p, 'big.jpg');
    const t = await serveImage(p, id, 'thumb');
    expect(t.mime).toBe('image/webp');
    const m = await sharp(t.data).metadata();
    expect([m.width, m.height]).toEqual([80, 160]);
    expect(p.images.thumbnail(id)).toEqual({ mime: 'image/webp', data: t.data });
    fs.rmSync(path.join(root, 'big.jpg'));
    // cached, but the file check still runs first: a vanished image is not served
    await expect(serveImage(p, id, 'thumb')).rejects.toMatchObject({ code: 'not_found' });
    const bt = await serveImage(p, idOf(p, 'pic.bmp'), 'thumb');
    expect((await sharp(bt.data).metadata()).width).toBe(20);
  });
});

describe('parseImageRoute', () => {
  it('parses image and thumbnail routes', () => {
    expect(parseImageRoute('image/12')).toEqual({ kind: 'full', id: 12 });
    expect(parseImageRoute('/thumb/3')).toEqual({ kind: 'thumb', id: 3 });
    expect(parseImageRoute('image/999999999999999')).toEqual({ kind: 'full', id: 999999999999999 });
  });

  it.each([
    '',
    'image',
    'image/',
    'image/abc',
    'image/1/2',
    'image/-1',
    'image/+1',
    'image/1.5',
    'image/1e3',
    'image/0',
    'image/007',
    'image/ 1',
    'image/1?x=1',
    'image/1#x',
    'image/1\n',
    '../image/1',
    'image/../thumb/1',
    'imagex/1',
    'IMAGE/1',
    'full/1',
    'image/1234567890123456',
    'image/%31',
  ])('rejects %j', (route) => {
    expect(parseImageRoute(route)).toBeNull();
  });
});
