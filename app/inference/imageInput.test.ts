import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { bmpBytes, tempDir } from '../../test/unit/fixtures.ts';
import { decodeImage } from './imageInput.ts';

/** A 4×2 image: left half red, right half blue, written raw so the pixels are exact. */
async function halves(orientation?: number): Promise<Buffer> {
  const raw = Buffer.alloc(4 * 2 * 3);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) raw.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * 4 + x) * 3);
  let img = sharp(raw, { raw: { width: 4, height: 2, channels: 3 } });
  if (orientation) img = img.withMetadata({ orientation });
  return img.png().toBuffer();
}

const px = (img: { width: number; data: Uint8Array }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('decodeImage', () => {
  it('returns RGB pixels as stored when there is no orientation', async () => {
    const img = await decodeImage(await halves());
    expect([img.width, img.height]).toEqual([4, 2]);
    expect(px(img, 0, 0)).toEqual([255, 0, 0]);
    expect(px(img, 3, 1)).toEqual([0, 0, 255]);
  });

  it('applies EXIF orientation 6 (rotate 90° clockwise): display size and pixels', async () => {
    const img = await decodeImage(await halves(6));
    expect([img.width, img.height]).toEqual([2, 4]);
    // The stored left (red) half becomes the top half.
    expect(px(img, 0, 0)).toEqual([255, 0, 0]);
    expect(px(img, 1, 1)).toEqual([255, 0, 0]);
    expect(px(img, 0, 3)).toEqual([0, 0, 255]);
  });

  it('turns grey and grey+alpha and RGBA images into RGB', async () => {
    const grey = await sharp(Buffer.alloc(9, 90), { raw: { width: 3, height: 3, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const g = await decodeImage(grey);
    expect(g.data.length).toBe(27);
    expect(px(g, 1, 1)).toEqual([90, 90, 90]);
    const greyAlpha = await sharp(Buffer.from([60, 255, 60, 0, 60, 128, 60, 255]), { raw: { width: 2, height: 2, channels: 2 } }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(greyAlpha).metadata()).channels).toBe(2);
    const ga = await decodeImage(greyAlpha);
    expect(Array.from(ga.data)).toEqual(new Array(12).fill(60));
    const rgba = await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
    const c = await decodeImage(rgba);
    expect(c.data.length).toBe(12);
    expect(px(c, 0, 0)).toEqual([10, 20, 30]);
  });

  it('reads 16-bit PNGs as 8-bit', async () => {
    const deep = await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 255, g: 128, b: 0 } } }).png({ force: true }).toColourspace('rgb16').toBuffer();
    const img = await decodeImage(deep);
    expect(img.data.length).toBe(12);
    expect(px(img, 0, 0)).toEqual([255, 128, 0]);
  });

  it('decodes BMP itself (libvips cannot), from a file path', async () => {
    const file = path.join(tempDir(), 'a.bmp');
    fs.writeFileSync(file, bmpBytes(3, 2, (x) => (x === 0 ? { r: 1, g: 2, b: 3 } : { r: 200, g: 100, b: 50 })));
    for (const syncRead of [false, true]) {
      const img = await decodeImage(file, { syncRead });
      expect([img.width, img.height]).toEqual([3, 2]);
      expect(px(img, 0, 1)).toEqual([1, 2, 3]);
      expect(px(img, 2, 0)).toEqual([200, 100, 50]);
    }
  });

  it('fails with bad_image, naming the file and the reason', async () => {
    const dir = tempDir();
    const junk = path.join(dir, 'junk.jpg');
    fs.writeFileSync(junk, 'hello');
    await expect(decodeImage(junk)).rejects.toMatchObject({ code: 'bad_image', message: expect.stringMatching(/^junk\.jpg: cannot decode the image: /) });
    const empty = path.join(dir, 'empty.png');
    fs.writeFileSync(empty, '');
    await expect(decodeImage(empty)).rejects.toMatchObject({ code: 'bad_image', message: 'empty.png: empty file' });
    const bmp = bmpBytes(4, 4);
    await expect(decodeImage(bmp.subarray(0, 60))).rejects.toMatchObject({ code: 'bad_image', message: 'image buffer: cannot decode the image: truncated BMP pixel data' });
    await expect(decodeImage(path.join(dir, 'none.png'))).rejects.toMatchObject({ code: 'not_found' });
    // Read in the calling thread (as detector workers do): the same errors.
    await expect(decodeImage(junk, { syncRead: true })).rejects.toMatchObject({ code: 'bad_image', message: expect.stringMatching(/^junk\.jpg: cannot decode the image: /) });
    await expect(decodeImage(empty, { syncRead: true })).rejects.toMatchObject({ code: 'bad_image', message: 'empty.png: empty file' });
    await expect(decodeImage(path.join(dir, 'none.png'), { syncRead: true })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('none.png: no such image file') });
    await expect(decodeImage(dir, { syncRead: true })).rejects.toMatchObject({ code: 'io' });
  });
});
