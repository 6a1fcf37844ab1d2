import exifr from 'exifr';
import { parseCapturedAt } from '../domain/capturedAt.ts';

/** What Loupe takes from an image's EXIF block. */
export interface ExifMetadata {
  /** DateTimeOriginal (with OffsetTimeOriginal when written) in the stored form. */
  capturedAt?: string;
  /** Make and Model as one name ("Basler acA1920"), the model alone when it already starts with the make. */
  camera?: string;
}

const PICK = ['DateTimeOriginal', 'OffsetTimeOriginal', 'Make', 'Model'];

/**
 * Read the capture time and camera from the raw EXIF block sharp's
 * `metadata().exif` gives (an `Exif\0\0` header, then a TIFF structure).
 * A missing, damaged or unparseable block reads as nothing: EXIF is a hint, and
 * an image without it is still imported.
 */
export async function readExifMetadata(exif: Buffer | undefined): Promise<ExifMetadata> {
  if (!exif || exif.length < 14) return {};
  const tiff = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await exifr.parse(tiff, { pick: PICK, reviveValues: false });
  } catch {
    return {};
  }
  if (!tags) return {};
  const out: ExifMetadata = {};
  const when = text(tags.DateTimeOriginal);
  if (when) {
    const offset = text(tags.OffsetTimeOriginal);
    const at = parseCapturedAt(offset && /^[+-]\d{2}:\d{2}$/.test(offset) ? `${when}${offset}` : when) ?? parseCapturedAt(when);
    if (at) out.capturedAt = at;
  }
  const make = text(tags.Make);
  const model = text(tags.Model);
  const camera = make && model ? (model.toLowerCase().startsWith(make.toLowerCase()) ? model : `${make} ${model}`) : (model ?? make);
  if (camera) out.camera = camera;
  return out;
}

function text(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.replace(/\0+$/, '').trim();
  return t || undefined;
}
