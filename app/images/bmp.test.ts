import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { bmpBytes } from '../../test/unit/fixtures.ts';
import { bmpSize, decodeBmp } from './bmp.ts';

// A 3×2 image: widths that are not a multiple of 4 bytes exercise row padding.
const colour = (x: number, y: number) => ({ r: 10 * x + 1, g: 100 + y, b: 200 + x + y });

function pixels(w: number, h: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.push(colour(x, y).r, colour(x, y).g, colour(x, y).b);
  return out;
}

describe('bmpSize', () => {
  it('reads width and height of bottom-up and top-down BMPs', () => {
    expect(bmpSize(bmpBytes(7, 5))).toEqual({ width: 7, height: 5 });
    expect(bmpSize(bmpBytes(7, 5, colour, { topDown: true }))).toEqual({ width: 7, height: 5 });
  });

  it('reads an OS/2 (12-byte header) BMP', () => {
    const buf = Buffer.alloc(26);
    buf.write('BM', 0, 'latin1');
    buf.writeUInt32LE(12, 14);
    buf.writeUInt16LE(9, 18);
    buf.writeUInt16LE(4, 20);
    expect(bmpSize(buf)).toEqual({ width: 9, height: 4 });
  });

  it('refuses what is not a BMP, or one without pixels, with the reason', () => {
    expect(() => bmpSize(Buffer.from('PK\x03\x04 zip file, not a bitmap at all', 'latin1'))).toThrow('not a BMP file');
    expect(() => bmpSize(Buffer.from('BM'))).toThrow('not a BMP file');
    const odd = bmpBytes(2, 2);
    odd.writeUInt32LE(20, 14);
    expect(() => bmpSize(odd)).toThrow('unsupported BMP header (20 bytes)');
    const zero = bmpBytes(2, 2);
    zero.writeInt32LE(0, 18);
    expect(() => bmpSize(zero)).toThrow('BMP has no pixels (0×2)');
    const negative = bmpBytes(2, 2);
    negative.writeInt32LE(-4, 18);
    expect(() => bmpSize(negative)).toThrow(/no pixels/);
  });
});

describe('decodeBmp', () => {
  it('decodes 24-bit bottom-up and top-down BMPs to RGB, top row first', () => {
    for (const topDown of [false, true]) {
      const img = decodeBmp(bmpBytes(3, 2, colour, { topDown }));
      expect([img.width, img.height]).toEqual([3, 2]);
      expect([...img.data]).toEqual(pixels(3, 2));
    }
  });

  it('decodes 32-bit BMPs', () => {
    const img = decodeBmp(bmpBytes(5, 3, colour, { bpp: 32 }));
    expect([...img.data]).toEqual(pixels(5, 3));
  });

  it('gives sharp pixels it can encode', async () => {
    const img = decodeBmp(bmpBytes(3, 2, colour));
    const png = await sharp(img.data, { raw: { width: 3, height: 2, channels: 3 } }).png().toBuffer();
    const back = await sharp(png).raw().toBuffer();
    expect([...back]).toEqual(pixels(3, 2));
  });

  it('refuses palette, compressed and truncated BMPs with the reason', () => {
    const paletted = bmpBytes(4, 4);
    paletted.writeUInt16LE(8, 28);
    expect(() => decodeBmp(paletted)).toThrow('unsupported BMP variant (8 bits per pixel, compression 0)');
    const rle = bmpBytes(4, 4);
    rle.writeUInt32LE(1, 30);
    expect(() => decodeBmp(rle)).toThrow('unsupported BMP variant (24 bits per pixel, compression 1)');
    expect(() => decodeBmp(bmpBytes(10, 10).subarray(0, 200))).toThrow('truncated BMP pixel data');
  });
});
