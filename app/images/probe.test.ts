import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { importFolder } from '../io/importFolder.ts';
import { bmpBytes, imageBytes, newProject, tempDir } from '../../test/unit/fixtures.ts';
import { formatOfPath, sniffFormat, truncationReason } from './formats.ts';
import { probeImage } from './probe.ts';

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected probeImage to fail');
}

describe('formats', () => {
  it('maps extensions case-insensitively and ignores others', () => {
    expect(formatOfPath('a/b/C.JPG')).toBe('jpeg');
    expect(formatOfPath('x.jpeg')).toBe('jpeg');
    expect(formatOfPath('x.Tif')).toBe('tiff');
    expect(formatOfPath('x.webp')).toBe('webp');
    expect(formatOfPath('x.bmp')).toBe('bmp');
    expect(formatOfPath('x.gif')).toBeUndefined();
    expect(formatOfPath('png')).toBeUndefined();
    expect(formatOfPath('archive.png.zip')).toBeUndefined();
  });

  it('sniffs the format from the bytes', async () => {
    for (const f of ['jpeg', 'png', 'webp', 'tiff'] as const) expect(sniffFormat(await imageBytes({ w: 4, h: 4, format: f }))).toBe(f);
    expect(sniffFormat(bmpBytes(2, 2))).toBe('bmp');
    expect(sniffFormat(Buffer.from('MM\0*....', 'latin1'))).toBe('tiff');
    expect(sniffFormat(Buffer.from('GIF89a......', 'latin1'))).toBeUndefined();
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'))).toBeUndefined();
    expect(sniffFormat(Buffer.from([0xff, 0xd8]))).toBeUndefined();
    expect(sniffFormat(Buffer.alloc(0))).toBeUndefined();
  });

  it('spots files cut short, per format', async () => {
    const jpeg = await imageBytes({ w: 64, h: 64, format: 'jpeg' });
    const png = await imageBytes({ w: 64, h: 64, format: 'png' });
    const webp = await imageBytes({ w: 64, h: 64, format: 'webp' });
    const bmp = bmpBytes(10, 10);
    expect(truncationReason('jpeg', jpeg)).toBeNull();
    expect(truncationReason('jpeg', Buffer.concat([jpeg, Buffer.alloc(100)]))).toBeNull(); // trailing padding is fine
    expect(truncationReason('jpeg', jpeg.subarray(0, jpeg.length - 2))).toBe('truncated JPEG (no end-of-image marker)');
    expect(truncationReason('png', png)).toBeNull();
    expect(truncationReason('png', png.subarray(0, png.length - 8))).toBe('truncated PNG (no IEND chunk)');
    expect(truncationReason('webp', webp)).toBeNull();
    expect(truncationReason('webp', webp.subarray(0, 30))).toBe(`truncated WebP (30 of ${webp.length} bytes)`);
    expect(truncationReason('bmp', bmp)).toBeNull();
    expect(truncationReason('bmp', bmp.subarray(0, 100))).toBe(`truncated BMP (100 of ${bmp.length} bytes)`);
    expect(truncationReason('bmp', bmp.subarray(0, 10))).toBe('truncated BMP header');
  });
});

describe('probeImage', () => {
  it('reads size and format of every supported format', async () => {
    for (const f of ['jpeg', 'png', 'webp', 'tiff'] as const) {
      expect(await probeImage(await imageBytes({ w: 33, h: 17, format: f }))).toEqual({ format: f, width: 33, height: 17, orientation: 1 });
    }
    expect(await probeImage(bmpBytes(9, 4))).toEqual({ format: 'bmp', width: 9, height: 4, orientation: 1 });
    expect(await probeImage(bmpBytes(9, 4, undefined, { topDown: true }))).toEqual({ format: 'bmp', width: 9, height: 4, orientation: 1 });
  });

  it('reports the displayed size: orientations 5–8 swap width and height', async () => {
    for (let o = 1; o <= 8; o++) {
      const r = await probeImage(await imageBytes({ w: 40, h: 20, format: 'jpeg', orientation: o }));
      expect(r.orientation).toBe(o);
      expect([r.width, r.height], `orientation ${o}`).toEqual(o >= 5 ? [20, 40] : [40, 20]);
    }
    const png = await probeImage(await imageBytes({ w: 40, h: 20, format: 'png', orientation: 8 }));
    expect([png.width, png.height, png.orientation]).toEqual([20, 40, 8]);
  });

  it('gives a specific reason for each kind of bad file', async () => {
    const png = await imageBytes({ w: 64, h: 64, format: 'png' });
    const jpeg = await imageBytes({ w: 64, h: 64, format: 'jpeg' });
    expect(await reason(probeImage(Buffer.alloc(0)))).toBe('empty file');
    expect(await reason(probeImage(Buffer.from('hello world, definitely not pixels')))).toBe('not an image (unrecognised content)');
    expect(await reason(probeImage(Buffer.from('GIF89a\x0a\x00\x06\x00', 'latin1')))).toBe('unsupported format: the content is GIF (Loupe reads JPEG, PNG, WebP, BMP and TIFF)');
    expect(await reason(probeImage(Buffer.from('\0\0\0\x18ftypheic\0\0\0\0', 'latin1')))).toMatch(/^unsupported format: the content is HEIC\/AVIF/);
    expect(await reason(probeImage(jpeg.subarray(0, jpeg.length >> 1)))).toBe('truncated JPEG (no end-of-image marker)');
    expect(await reason(probeImage(png.subarray(0, 60)))).toBe('truncated PNG (no IEND chunk)');
    const garbled = Buffer.concat([png.subarray(0, 8), Buffer.alloc(64, 0x5a), png.subarray(png.length - 12)]);
    expect(await reason(probeImage(garbled))).toMatch(/^unreadable png: .+/);
    const badTiff = Buffer.concat([Buffer.from('II*\0', 'latin1'), Buffer.alloc(64, 0xee)]);
    expect(await reason(probeImage(badTiff))).toMatch(/^unreadable tiff: .+/);
  });

  it('refuses BMP variants it cannot decode at probe time, so they never reach the viewer', async () => {
    const paletted = bmpBytes(4, 4);
    paletted.writeUInt16LE(8, 28);
    expect(await reason(probeImage(paletted))).toBe('unsupported BMP variant (8 bits per pixel, compression 0)');
    const shortPixels = bmpBytes(8, 8);
    shortPixels.writeUInt32LE(100, 2); // header claims a small file, pixel rows are missing
    expect(await reason(probeImage(shortPixels.subarray(0, 100)))).toBe('truncated BMP pixel data');
  });

  it('refuses a PNG too small for the size its header claims, within the pixel limit too', async () => {
    const png = await imageBytes({ w: 64, h: 64, format: 'png' });
    const forged = Buffer.from(png);
    forged.writeUInt32BE(30_000, 16);
    forged.writeUInt32BE(30_000, 20);
    forged.writeUInt32BE(zlib.crc32(forged.subarray(12, 29)), 29);
    expect(await reason(probeImage(forged))).toMatch(/^too large: 30000×30000/);
    expect(await reason(probeImage(forged, 1e9))).toBe(`corrupt PNG: its header says 30000×30000, which needs at least ${Math.floor((30_000 * (30_000 * 3 + 1)) / 1032)} bytes of pixel data, but the file has ${png.length} bytes`);
    // A real image of one colour compresses far less than deflate's limit.
    const flat = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png({ compressionLevel: 9 }).toBuffer();
    await expect(probeImage(flat)).resolves.toMatchObject({ width: 2000, height: 2000 });
  });

  it('applies the pixel limit at exactly width × height', async () => {
    const img = await imageBytes({ w: 40, h: 25, format: 'png' });
    expect((await probeImage(img, 1000)).width).toBe(40);
    expect(await reason(probeImage(img, 999))).toBe('too large: 40×25 (1000 pixels) exceeds the limit of 999 pixels');
    expect(await reason(probeImage(bmpBytes(40, 25), 999))).toMatch(/^too large: 40×25/);
    // the limit counts stored pixels, so a rotated image is judged before the swap
    expect(await reason(probeImage(await imageBytes({ w: 50, h: 30, format: 'jpeg', orientation: 6 }), 1000))).toMatch(/^too large: 50×30/);
  });

  it('import trusts the content, not the extension', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'really-a-png.jpg'), await imageBytes({ w: 11, h: 12, format: 'png' }));
    fs.writeFileSync(path.join(dir, 'really-a-bmp.tif'), bmpBytes(5, 6));
    fs.writeFileSync(path.join(dir, 'really-a-webp.png'), await imageBytes({ w: 7, h: 8, format: 'webp' }));
    const p = newProject();
    await importFolder(p, dir);
    const rows = p.images.page(0, 10).map((r) => [r.path, r.format, r.width, r.height]);
    expect(rows).toEqual([
      ['really-a-bmp.tif', 'bmp', 5, 6],
      ['really-a-png.jpg', 'png', 11, 12],
      ['really-a-webp.png', 'webp', 7, 8],
    ]);
  });
});
