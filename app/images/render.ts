import fs from 'node:fs/promises';
import sharp from 'sharp';
import { decodeBmp } from './bmp.ts';

/** Bytes a browser can show, already in display orientation. */
export interface Displayable {
  mime: string;
  data: Buffer;
}

const NATIVE: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', bmp: 'image/bmp' };

/**
 * The file as a browser should receive it. Chromium applies EXIF orientation to
 * JPEG only, and shows no TIFF, so those cases are transcoded to PNG.
 */
export async function displayable(file: string, format: string, orientation: number): Promise<Displayable> {
  const buf = await fs.readFile(file);
  const mime = NATIVE[format];
  if (mime && (orientation === 1 || format === 'jpeg')) return { mime, data: buf };
  const data = await pipeline(buf, format).rotate().png({ compressionLevel: 3 }).toBuffer();
  return { mime: 'image/png', data };
}

/** A small WebP preview for the image list, oriented for display. */
export async function thumbnail(file: string, format: string, size = 160): Promise<Displayable> {
  const buf = await fs.readFile(file);
  const data = await pipeline(buf, format)
    .rotate()
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 70 })
    .toBuffer();
  return { mime: 'image/webp', data };
}

function pipeline(buf: Buffer, format: string): sharp.Sharp {
  if (format === 'bmp') {
    const img = decodeBmp(buf);
    return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
  }
  return sharp(buf);
}
