/** Size and pixels of an uncompressed BMP; sharp (libvips) does not read BMP. */
export interface BmpImage {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, top row first; only filled by `decodeBmp`. */
  data?: Buffer;
}

/** Read width and height from a BMP header; throws with the reason when it is not one we read. */
export function bmpSize(buf: Buffer): BmpImage {
  if (buf.length < 26 || buf[0] !== 0x42 || buf[1] !== 0x4d) throw new Error('not a BMP file');
  const headerSize = buf.readUInt32LE(14);
  if (headerSize === 12) return { width: buf.readUInt16LE(18), height: buf.readUInt16LE(20) };
  if (headerSize < 40 || buf.length < 54) throw new Error(`unsupported BMP header (${headerSize} bytes)`);
  const width = buf.readInt32LE(18);
  const height = Math.abs(buf.readInt32LE(22));
  if (width <= 0 || height <= 0) throw new Error(`BMP has no pixels (${width}×${height})`);
  return { width, height };
}

/** Size and layout of a BMP that `decodeBmp` can read; throws with the reason otherwise (imports check this up front). */
export function bmpLayout(buf: Buffer): { width: number; height: number; bytesPP: number; stride: number; offset: number } {
  const { width, height } = bmpSize(buf);
  const headerSize = buf.readUInt32LE(14);
  if (headerSize < 40) throw new Error('unsupported BMP (OS/2 header)');
  const bpp = buf.readUInt16LE(28);
  const compression = buf.readUInt32LE(30);
  if (!((bpp === 24 && compression === 0) || (bpp === 32 && (compression === 0 || compression === 3)))) {
    throw new Error(`unsupported BMP variant (${bpp} bits per pixel, compression ${compression})`);
  }
  const offset = buf.readUInt32LE(10);
  const bytesPP = bpp / 8;
  const stride = Math.ceil((width * bytesPP) / 4) * 4;
  if (offset + stride * height > buf.length) throw new Error('truncated BMP pixel data');
  return { width, height, bytesPP, stride, offset };
}

/** Decode an uncompressed 24- or 32-bit BMP to RGB. Other variants throw with the reason. */
export function decodeBmp(buf: Buffer): Required<BmpImage> {
  const { width, height, bytesPP, stride, offset } = bmpLayout(buf);
  const rawHeight = buf.readInt32LE(22);
  const out = Buffer.alloc(width * height * 3);
  const bottomUp = rawHeight > 0;
  for (let y = 0; y < height; y++) {
    const src = offset + (bottomUp ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const s = src + x * bytesPP;
      const d = (y * width + x) * 3;
      out[d] = buf[s + 2];
      out[d + 1] = buf[s + 1];
      out[d + 2] = buf[s];
    }
  }
  return { width, height, data: out };
}
