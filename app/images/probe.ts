import sharp from 'sharp';
import { bmpLayout } from './bmp.ts';
import { pngTooSmallReason, sniffFormat, sniffUnsupported, truncationReason } from './formats.ts';

/** What an import stores about an image file. */
export interface ProbeResult {
  format: string;
  /** Display size: after EXIF orientation, as boxes are drawn. */
  width: number;
  height: number;
  orientation: number;
  /** The raw EXIF block (sharp's metadata().exif), when the file has one. */
  exif?: Buffer;
}

/** Default pixel limit per image (sharp's limitInputPixels): 100 megapixels. */
export const DEFAULT_PIXEL_LIMIT = 100_000_000;

/**
 * Read an image's size from its header; throws an Error whose message is the
 * reason shown to the user (empty, not an image, truncated, too large, unreadable).
 */
export async function probeImage(buf: Buffer, pixelLimit = DEFAULT_PIXEL_LIMIT): Promise<ProbeResult> {
  if (buf.length === 0) throw new Error('empty file');
  const format = sniffFormat(buf);
  if (!format) {
    const other = sniffUnsupported(buf);
    // Say what the file is when we know: "unrecognised" for a GIF named .jpg reads like a damaged JPEG.
    if (other) throw new Error(`unsupported format: the content is ${other} (Loupe reads JPEG, PNG, WebP, BMP and TIFF)`);
    throw new Error('not an image (unrecognised content)');
  }
  const truncated = truncationReason(format, buf);
  if (truncated) throw new Error(truncated);

  let width: number;
  let height: number;
  let orientation = 1;
  let exif: Buffer | undefined;
  if (format === 'bmp') {
    // The viewer and thumbnails decode BMP themselves; refuse here what they could not show.
    ({ width, height } = bmpLayout(buf));
  } else {
    let meta: sharp.Metadata;
    try {
      // Header only; the limit is checked below so an oversized image gets the "too large" reason, not sharp's.
      meta = await sharp(buf, { limitInputPixels: false }).metadata();
    } catch (err) {
      throw new Error(`unreadable ${format}: ${(err as Error).message}`);
    }
    if (!meta.width || !meta.height) throw new Error(`unreadable ${format}: no size in header`);
    width = meta.width;
    height = meta.height;
    orientation = meta.orientation ?? 1;
    exif = meta.exif;
  }
  if (width * height > pixelLimit) {
    const mp = (n: number) => (n >= 100_000 ? `${(n / 1e6).toFixed(1)} MP` : `${n} pixels`);
    throw new Error(`too large: ${width}×${height} (${mp(width * height)}) exceeds the limit of ${mp(pixelLimit)}`);
  }
  const forged = format === 'png' ? pngTooSmallReason(buf) : null;
  if (forged) throw new Error(forged);
  // EXIF orientations 5–8 rotate by 90°, so the displayed image is transposed.
  if (orientation >= 5 && orientation <= 8) [width, height] = [height, width];
  return exif ? { format, width, height, orientation, exif } : { format, width, height, orientation };
}
