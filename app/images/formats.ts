/** File extensions an import picks up, mapped to the format name used in errors. */
export const IMAGE_EXTENSIONS: Readonly<Record<string, string>> = {
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.png': 'png',
  '.webp': 'webp',
  '.bmp': 'bmp',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

/** The format an extension claims, or undefined when imports ignore the file. */
export function formatOfPath(p: string): string | undefined {
  const dot = p.lastIndexOf('.');
  return dot < 0 ? undefined : IMAGE_EXTENSIONS[p.slice(dot).toLowerCase()];
}

/** The format the first bytes show, regardless of the extension. */
export function sniffFormat(buf: Buffer): string | undefined {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47 && buf.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d) return 'bmp';
  if (buf.length >= 4 && (buf.toString('latin1', 0, 4) === 'II*\0' || buf.toString('latin1', 0, 4) === 'MM\0*')) return 'tiff';
  return undefined;
}

/** Image formats an import recognises but does not read, by their first bytes. */
const UNSUPPORTED: { name: string; test: (buf: Buffer) => boolean }[] = [
  { name: 'GIF', test: (b) => b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6)) },
  { name: 'HEIC/AVIF', test: (b) => b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp' && /^(heic|heix|hevc|mif1|msf1|avif|avis)$/.test(b.toString('latin1', 8, 12)) },
  { name: 'JPEG XL', test: (b) => (b.length >= 2 && b[0] === 0xff && b[1] === 0x0a) || (b.length >= 12 && b.toString('latin1', 4, 8) === 'JXL ') },
  { name: 'PSD', test: (b) => b.length >= 4 && b.toString('latin1', 0, 4) === '8BPS' },
];

/** The name of an image format the file is but imports do not read (GIF, HEIC, …), or undefined. */
export function sniffUnsupported(buf: Buffer): string | undefined {
  return UNSUPPORTED.find((f) => f.test(buf))?.name;
}

/**
 * Cheap structural check that a file was written to the end: header reads alone
 * cannot see a truncated file, and a full decode per image is too slow for imports.
 * Returns a reason, or null when the file looks complete.
 */
export function truncationReason(format: string, buf: Buffer): string | null {
  switch (format) {
    case 'jpeg': {
      // The EOI marker may be followed by padding or trailers; look near the end.
      const tail = buf.subarray(Math.max(0, buf.length - 4096));
      return tail.lastIndexOf(Buffer.from([0xff, 0xd9])) >= 0 ? null : 'truncated JPEG (no end-of-image marker)';
    }
    case 'png': {
      const tail = buf.subarray(Math.max(0, buf.length - 4096));
      return tail.lastIndexOf(Buffer.from('IEND', 'latin1')) >= 0 ? null : 'truncated PNG (no IEND chunk)';
    }
    case 'webp': {
      const declared = buf.readUInt32LE(4) + 8;
      return buf.length >= declared ? null : `truncated WebP (${buf.length} of ${declared} bytes)`;
    }
    case 'bmp': {
      if (buf.length < 14) return 'truncated BMP header';
      const declared = buf.readUInt32LE(2);
      return declared === 0 || buf.length >= declared ? null : `truncated BMP (${buf.length} of ${declared} bytes)`;
    }
    default:
      return null;
  }
}

/** Deflate's best case: a 258-byte match in two bits, so compressed data is never smaller than 1/1032 of the raw bytes. */
const DEFLATE_MAX_RATIO = 1032;
/** Bits per pixel per bit of depth, by PNG colour type. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * A PNG whose file is too small to hold the pixels its header claims (a forged
 * or damaged header: 30000×30000 in a few hundred bytes), or null. Header reads
 * alone accept such a file, and it would fail only when someone opens it.
 */
export function pngTooSmallReason(buf: Buffer): string | null {
  if (buf.length < 33 || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
  const w = buf.readUInt32BE(16);
  const h = buf.readUInt32BE(20);
  const channels = PNG_CHANNELS[buf[25]];
  if (!channels) return null;
  // Rows of ceil(w·bits/8) bytes plus a filter byte each; interlacing only adds bytes.
  const raw = h * (Math.ceil((w * channels * buf[24]) / 8) + 1);
  const least = Math.floor(raw / DEFLATE_MAX_RATIO);
  return buf.length < least ? `corrupt PNG: its header says ${w}×${h}, which needs at least ${least} bytes of pixel data, but the file has ${buf.length} bytes` : null;
}
