import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { decodeBmp } from '../images/bmp.ts';
import { sniffFormat } from '../images/formats.ts';
import { DEFAULT_PIXEL_LIMIT } from '../images/probe.ts';
import type { RgbImage } from './letterbox.ts';

/** An image to detect on: a file path, or the encoded bytes of one. */
export type ImageSource = string | Uint8Array;

/** A short name for messages: the file's base name, or "image buffer". */
export function sourceName(src: ImageSource): string {
  return typeof src === 'string' ? path.basename(src) : 'image buffer';
}

/**
 * Decode to 8-bit RGB in display orientation (EXIF orientation applied), the
 * pixel grid that Loupe stores boxes in. Grey and alpha images become RGB
 * (alpha is dropped, as cv2.imread does). BMP is decoded here because libvips
 * cannot read it. Throws LoupeError 'bad_image' (or 'not_found') with the reason.
 *
 * `syncRead` reads the file in the calling thread: cheaper than the four thread
 * pool round trips of an asynchronous read, for threads with nothing else to
 * do meanwhile (detector workers), never for a host's main thread.
 */
export async function decodeImage(src: ImageSource, opts: { pixelLimit?: number; syncRead?: boolean } = {}): Promise<RgbImage> {
  const { pixelLimit = DEFAULT_PIXEL_LIMIT, syncRead = false } = opts;
  const name = sourceName(src);
  let buf: Buffer;
  if (typeof src === 'string') {
    try {
      buf = syncRead ? fs.readFileSync(src) : await fs.promises.readFile(src);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new LoupeError('not_found', `${src}: no such image file`);
      throw new LoupeError('io', `${src}: cannot read the image: ${messageOf(err)}`);
    }
  } else buf = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
  if (buf.length === 0) throw new LoupeError('bad_image', `${name}: empty file`);

  if (sniffFormat(buf) === 'bmp') {
    try {
      const bmp = decodeBmp(buf);
      if (bmp.width * bmp.height > pixelLimit) throw new Error(`too large: ${bmp.width}×${bmp.height}`);
      return { width: bmp.width, height: bmp.height, data: bmp.data };
    } catch (err) {
      throw new LoupeError('bad_image', `${name}: cannot decode the image: ${messageOf(err)}`);
    }
  }
  try {
    const { data, info } = await sharp(buf, { limitInputPixels: pixelLimit })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels === 3) return { width: info.width, height: info.height, data };
    return { width: info.width, height: info.height, data: toRgb(data, info.channels, info.width * info.height) };
  } catch (err) {
    throw new LoupeError('bad_image', `${name}: cannot decode the image: ${messageOf(err)}`);
  }
}

/** Expand 1- or 2-channel (grey, grey+alpha) pixels to RGB. */
function toRgb(data: Buffer, channels: number, pixels: number): Buffer {
  if (channels !== 1 && channels !== 2) throw new Error(`unexpected ${channels}-channel output`);
  const out = Buffer.alloc(pixels * 3);
  for (let i = 0, s = 0; i < pixels; i++, s += channels) {
    out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[s];
  }
  return out;
}
