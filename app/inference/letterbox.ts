/**
 * Ultralytics LetterBox (auto=False, scaleup=True, center=True) as a pure
 * function from RGB pixels to the model's NCHW input tensor.
 *
 * The resize reproduces cv2.resize INTER_LINEAR on 8-bit images (half-pixel
 * centres, border handling, weights quantised to 1/2048, cv2's rounding), so
 * the tensor equals Ultralytics' preprocessing bit for bit (checked against
 * OpenCV in letterbox.test.ts). sharp's `linear` kernel was not used: on
 * reduction it is an anti-aliasing triangle filter whose support widens with
 * the scale factor, which INTER_LINEAR is not.
 */
import { float32ToFloat16 } from './float16.ts';

/** Decoded pixels: RGB, 3 bytes per pixel, top row first, in display orientation. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Where the image lands inside the model input, per the Ultralytics formulas. */
export interface LetterboxGeometry {
  /** Original (display-oriented) size. */
  srcW: number;
  srcH: number;
  /** Model input size. */
  dstW: number;
  dstH: number;
  /** r = min(dstH/srcH, dstW/srcW). */
  ratio: number;
  /** Size of the resized image before padding: (round(srcW·r), round(srcH·r)). */
  newW: number;
  newH: number;
  /** Half the padding, before rounding. */
  dw: number;
  dh: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Ultralytics pads with this grey level. */
export const PAD_VALUE = 114;

/** Python 3's round(): halves go to the nearest even integer. */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The letterbox placement of a srcW×srcH image in a dstW×dstH input. */
export function letterboxGeometry(srcW: number, srcH: number, dstW: number, dstH: number): LetterboxGeometry {
  if (!(srcW > 0 && srcH > 0 && dstW > 0 && dstH > 0)) throw new Error(`letterbox needs positive sizes, got ${srcW}×${srcH} → ${dstW}×${dstH}`);
  const ratio = Math.min(dstH / srcH, dstW / srcW);
  // An extreme aspect ratio can round a side to 0 pixels, which cv2.resize refuses; keep one row.
  const newW = Math.max(1, pyRound(srcW * ratio));
  const newH = Math.max(1, pyRound(srcH * ratio));
  const dw = (dstW - newW) / 2;
  const dh = (dstH - newH) / 2;
  return {
    srcW,
    srcH,
    dstW,
    dstH,
    ratio,
    newW,
    newH,
    dw,
    dh,
    top: pyRound(dh - 0.1),
    bottom: pyRound(dh + 0.1),
    left: pyRound(dw - 0.1),
    right: pyRound(dw + 0.1),
  };
}

const COEF = 2048; // cv2 INTER_RESIZE_COEF_SCALE for 8-bit images

/**
 * First source index and the weight (out of 2048) of the second tap for each
 * output coordinate, as cv2 computes them. Horizontally cv2 clamps both index
 * and weight at the borders; vertically it keeps the weight and only clamps
 * which rows it reads, so `clampWeight` is false there.
 */
function axisTaps(src: number, dst: number, clampWeight: boolean): { idx: Int32Array; w: Int32Array } {
  const idx = new Int32Array(dst);
  const w = new Int32Array(dst);
  // cv2 stores the inverse scale and inverts it again, which can differ from src/dst in the last bit.
  const scale = 1 / (dst / src);
  for (let d = 0; d < dst; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampWeight && s < 0) {
      s = 0;
      f = 0;
    }
    if (clampWeight && s >= src - 1) {
      s = src - 1;
      f = 0;
    }
    idx[d] = s;
    w[d] = COEF - pyRound(Math.fround(1 - f) * COEF);
  }
  return { idx, w };
}

/** Normalised value of every 8-bit level in each output dtype. */
const LEVELS = {
  float32: Float32Array.from({ length: 256 }, (_, v) => v / 255),
  float16: Uint16Array.from({ length: 256 }, (_, v) => float32ToFloat16(v / 255)),
};

/** The level of a 2×2 block's mean, rounded as cv2 does at exact halving, by the block's sum (0…1020); see halve. */
const HALF_SUMS = {
  float32: Float32Array.from({ length: 1021 }, (_, s) => LEVELS.float32[(s + 2) >> 2]),
  float16: Uint16Array.from({ length: 1021 }, (_, s) => LEVELS.float16[(s + 2) >> 2]),
};

/**
 * Set every element outside the image's rows×cols window at (top, left) to the
 * pad level, in all three planes. Only the border is written, so a reused
 * buffer costs no full clear.
 */
function padAround(out: Float32Array | Uint16Array, pad: number, plane: number, dstW: number, dstH: number, top: number, rows: number, left: number, cols: number): void {
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    out.fill(pad, base, base + top * dstW);
    out.fill(pad, base + (top + rows) * dstW, base + dstH * dstW);
    if (cols === dstW) continue;
    for (let y = top; y < top + rows; y++) {
      const row = base + y * dstW;
      out.fill(pad, row, row + left);
      out.fill(pad, row + left + cols, row + dstW);
    }
  }
}

/**
 * Letterbox `img` into a new 1×3×dstH×dstW tensor (RGB, /255, pad 114): float32,
 * or float16 bit patterns in a Uint16Array for half-precision models.
 */
export function letterbox(
  img: RgbImage,
  dstW: number,
  dstH: number,
  dtype: 'float32' | 'float16' = 'float32',
  reuse?: Float32Array | Uint16Array,
): { data: Float32Array | Uint16Array; geometry: LetterboxGeometry } {
  const g = letterboxGeometry(img.width, img.height, dstW, dstH);
  if (img.data.length < img.width * img.height * 3) throw new Error(`image buffer holds ${img.data.length} bytes, expected ${img.width * img.height * 3}`);
  const lut = LEVELS[dtype];
  const plane = dstW * dstH;
  const fits = reuse && reuse.length === 3 * plane && (dtype === 'float32' ? reuse instanceof Float32Array : reuse instanceof Uint16Array);
  const out = fits ? reuse : dtype === 'float32' ? new Float32Array(3 * plane) : new Uint16Array(3 * plane);

  const { width: sw, data: src } = img;
  // Pixels that land outside the input (possible only through the 1-pixel minimum) are dropped.
  const cols = Math.min(g.newW, dstW - g.left);
  const rows = Math.min(g.newH, dstH - g.top);
  padAround(out, lut[PAD_VALUE], plane, dstW, dstH, g.top, rows, g.left, cols);
  const R = 0;
  const G = plane;
  const B = 2 * plane;

  if (g.newW === img.width && g.newH === img.height) {
    // cv2 skips the resize when the size already matches.
    for (let y = 0; y < rows; y++) {
      let s = y * sw * 3;
      let d = (g.top + y) * dstW + g.left;
      for (let x = 0; x < cols; x++, s += 3, d++) {
        out[R + d] = lut[src[s]];
        out[G + d] = lut[src[s + 1]];
        out[B + d] = lut[src[s + 2]];
      }
    }
    return { data: out, geometry: g };
  }

  if (g.newW * 2 === img.width && g.newH * 2 === img.height) {
    halve(src, sw, rows, cols, out, HALF_SUMS[dtype], plane, dstW, g.top, g.left);
    return { data: out, geometry: g };
  }

  const xs = axisTaps(img.width, g.newW, true);
  const ys = axisTaps(img.height, g.newH, false);
  // Horizontal pass into two cached rows (values ×2048), then the vertical blend; rows are reused when upscaling.
  const rowA = new Int32Array(cols * 3);
  const rowB = new Int32Array(cols * 3);
  const hpass = (sy: number, row: Int32Array) => {
    const base = sy * sw * 3;
    for (let x = 0; x < cols; x++) {
      const s0 = base + xs.idx[x] * 3;
      const s1 = xs.idx[x] + 1 < sw ? s0 + 3 : s0;
      const w1 = xs.w[x];
      const w0 = COEF - w1;
      const o = x * 3;
      row[o] = src[s0] * w0 + src[s1] * w1;
      row[o + 1] = src[s0 + 1] * w0 + src[s1 + 1] * w1;
      row[o + 2] = src[s0 + 2] * w0 + src[s1 + 2] * w1;
    }
  };
  let top = rowA;
  let bot = rowB;
  let topRow = -1;
  let botRow = -1;
  for (let y = 0; y < rows; y++) {
    const sy0 = Math.min(Math.max(ys.idx[y], 0), img.height - 1);
    const sy1 = Math.min(Math.max(ys.idx[y] + 1, 0), img.height - 1);
    if (topRow !== sy0) {
      if (botRow === sy0) {
        [top, bot] = [bot, top];
        [topRow, botRow] = [botRow, topRow];
      } else {
        hpass(sy0, top);
        topRow = sy0;
      }
    }
    if (botRow !== sy1) {
      hpass(sy1, bot);
      botRow = sy1;
    }
    const w1 = ys.w[y];
    const w0 = COEF - w1;
    let d = (g.top + y) * dstW + g.left;
    for (let x = 0, o = 0; x < cols; x++, o += 3, d++) {
      // (v + 2^21) >> 22, written without 32-bit overflow.
      out[R + d] = lut[vblend(top[o], bot[o], w0, w1)];
      out[G + d] = lut[vblend(top[o + 1], bot[o + 1], w0, w1)];
      out[B + d] = lut[vblend(top[o + 2], bot[o + 2], w0, w1)];
    }
  }
  return { data: out, geometry: g };
}

/**
 * cv2 INTER_LINEAR at exactly half size, where every tap weighs 1024 of 2048.
 * vblend((a+b)·1024, (c+d)·1024, 1024, 1024) reduces to (a+b+c+d+2) >> 2, so
 * each output is the rounded 2×2 mean: the same numbers as the general path,
 * looked up from the sum in one table, one plane at a time. Halving is common
 * (640×480 into 320, 1280×720 into 640).
 */
function halve(
  src: Uint8Array,
  sw: number,
  rows: number,
  cols: number,
  out: Float32Array | Uint16Array,
  sums: Float32Array | Uint16Array,
  plane: number,
  dstW: number,
  top: number,
  left: number,
): void {
  const stride = sw * 3;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < rows; y++) {
      let s0 = 2 * y * stride + c;
      let s1 = s0 + stride;
      let d = c * plane + (top + y) * dstW + left;
      const end = d + cols;
      for (; d < end; d++, s0 += 6, s1 += 6) out[d] = sums[src[s0] + src[s0 + 3] + src[s1] + src[s1 + 3]];
    }
  }
}

/**
 * The vertical blend of two horizontally interpolated values (each ×2048) with
 * weights out of 2048, rounded to 8 bits the way cv2's SIMD path does it
 * (drop 4 bits, 16-bit high multiply, round the last 2 bits), which is what
 * cv2.resize runs on x86 and ARM.
 */
function vblend(a: number, b: number, w0: number, w1: number): number {
  return ((((a >> 4) * w0) >> 16) + (((b >> 4) * w1) >> 16) + 2) >> 2;
}

/** A gray image letterboxed: every element is the pad level (used for warm-up and latency runs). */
export function grayInput(dstW: number, dstH: number, dtype: 'float32' | 'float16'): Float32Array | Uint16Array {
  const out = dtype === 'float32' ? new Float32Array(3 * dstW * dstH) : new Uint16Array(3 * dstW * dstH);
  return out.fill(LEVELS[dtype][PAD_VALUE]);
}
