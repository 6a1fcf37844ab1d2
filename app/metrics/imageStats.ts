/**
 * Image statistics for drift detection, computed from decoded pixels (8-bit RGB
 * in display orientation, EXIF orientation applied, as app/inference/imageInput.ts
 * decodes) once per image and stored in images.stats.
 *
 * - brightness: mean BT.601 luma Y = 0.299 R + 0.587 G + 0.114 B, 0–255.
 * - contrast: population standard deviation of that luma.
 * - colourfulness: Hasler & Süsstrunk (2003), M = σ_rgyb + 0.3 μ_rgyb with
 *   rg = R − G, yb = (R + G)/2 − B, σ_rgyb = √(σ_rg² + σ_yb²), μ_rgyb = √(μ_rg² + μ_yb²).
 * - sharpness: variance of the 3×3 Laplacian [[0,1,0],[1,−4,1],[0,1,0]] (OpenCV's
 *   cv2.Laplacian with ksize 1) over the interior of the luma resampled to a fixed
 *   working size, so that the resolution of the file does not dominate the value:
 *   the luma is first averaged over k×k blocks, k = min(64, ⌊long side / 256⌋) when
 *   that is 2 or more (an anti-aliasing step), then resampled bilinearly (half-pixel
 *   centres, edge pixels repeated) to a long side of exactly 256 and a short side
 *   of max(3, round(short · 256 / long)). Working sizes are fixed per aspect ratio,
 *   so one scene at 640×480 and at 4000×3000 gets nearly the same sharpness,
 *   while an upscaled (soft) copy scores lower.
 * - width, height: the display-oriented size in pixels.
 *
 * An independent numpy implementation, test/fixtures/image-stats/reference.py,
 * produced the golden values in imageStats.test.ts.
 */
import { decodeImage, type ImageSource } from '../inference/imageInput.ts';
import type { RgbImage } from '../inference/letterbox.ts';

/** The statistics of one image, as stored in images.stats (JSON). */
export interface ImageStats {
  v: 1;
  brightness: number;
  contrast: number;
  sharpness: number;
  colourfulness: number;
  width: number;
  height: number;
}

/** The long side of the grid sharpness is measured on. */
export const SHARPNESS_LONG_SIDE = 256;
/** The largest block averaged before the bilinear step (images up to 16,384 pixels on the long side get the full anti-aliasing). */
const MAX_BLOCK = 64;

/** Statistics of decoded RGB pixels. */
export function statsOfPixels(img: RgbImage): ImageStats {
  const { width, height, data } = img;
  const n = width * height;
  // The luma goes straight into the k×k block sums of the sharpness grid (k = 1: the luma itself).
  const k = Math.min(MAX_BLOCK, Math.max(1, Math.floor(Math.max(width, height) / SHARPNESS_LONG_SIDE)));
  const bw = Math.ceil(width / k);
  const bh = Math.ceil(height / k);
  // Luma × 1000 in integers: exact, and cheaper than float sums; a block of 64² holds at most 1.05e9.
  const sums = new Int32Array(bw * bh);
  // One pass of integer sums per row (exact; the first and second moments of R, G, B),
  // from which every other statistic follows: far cheaper than float sums per pixel.
  let sR = 0, sG = 0, sB = 0, sRR = 0, sGG = 0, sBB = 0, sRG = 0, sRB = 0, sGB = 0; // prettier-ignore
  for (let y = 0, p = 0; y < height; y++) {
    let r1 = 0, g1 = 0, b1 = 0, rr = 0, gg = 0, bb = 0, rg = 0, rb = 0, gb = 0; // prettier-ignore
    const rowBase = Math.floor(y / k) * bw;
    for (let x = 0, bx = rowBase, inBlock = 0; x < width; x++, p += 3) {
      const r = data[p];
      const g = data[p + 1];
      const b = data[p + 2];
      sums[bx] += 299 * r + 587 * g + 114 * b;
      if (++inBlock === k) {
        inBlock = 0;
        bx++;
      }
      r1 += r;
      g1 += g;
      b1 += b;
      rr += r * r;
      gg += g * g;
      bb += b * b;
      rg += r * g;
      rb += r * b;
      gb += g * b;
    }
    sR += r1;
    sG += g1;
    sB += b1;
    sRR += rr;
    sGG += gg;
    sBB += bb;
    sRG += rg;
    sRB += rb;
    sGB += gb;
  }
  // Sums to means; a partial block at the right or bottom edge is averaged over what it holds.
  const blocks = new Float32Array(bw * bh);
  for (let by = 0; by < bh; by++) {
    const h = Math.min(k, height - by * k);
    for (let bx = 0; bx < bw; bx++) blocks[by * bw + bx] = sums[by * bw + bx] / (1000 * h * Math.min(k, width - bx * k));
  }
  const mR = sR / n;
  const mG = sG / n;
  const mB = sB / n;
  // Covariances of the channels (population).
  const vRR = sRR / n - mR * mR;
  const vGG = sGG / n - mG * mG;
  const vBB = sBB / n - mB * mB;
  const vRG = sRG / n - mR * mG;
  const vRB = sRB / n - mR * mB;
  const vGB = sGB / n - mG * mB;
  /** Variance of a·R + b·G + c·B. */
  const lin = (a: number, b: number, c: number) => Math.max(0, a * a * vRR + b * b * vGG + c * c * vBB + 2 * (a * b * vRG + a * c * vRB + b * c * vGB));
  const mRg = mR - mG;
  const mYb = 0.5 * (mR + mG) - mB;
  const colourfulness = Math.sqrt(lin(1, -1, 0) + lin(0.5, 0.5, -1)) + 0.3 * Math.sqrt(mRg * mRg + mYb * mYb);
  return {
    v: 1,
    brightness: 0.299 * mR + 0.587 * mG + 0.114 * mB,
    contrast: Math.sqrt(lin(0.299, 0.587, 0.114)),
    sharpness: laplacianVariance(bilinear({ width: bw, height: bh, data: blocks }, workingSize(width, height).width, workingSize(width, height).height)),
    colourfulness,
    width,
    height,
  };
}

/** Decode an image file (or its bytes) once and compute its statistics. */
export async function imageStats(src: ImageSource, opts: { pixelLimit?: number; syncRead?: boolean } = {}): Promise<ImageStats> {
  return statsOfPixels(await decodeImage(src, opts));
}

/** The size of the sharpness grid for an image of this size. */
export function workingSize(width: number, height: number): { width: number; height: number } {
  const long = Math.max(width, height);
  const short = Math.max(3, Math.round((Math.min(width, height) * SHARPNESS_LONG_SIDE) / long));
  return width >= height ? { width: SHARPNESS_LONG_SIDE, height: short } : { width: short, height: SHARPNESS_LONG_SIDE };
}

interface Grid {
  width: number;
  height: number;
  data: Float32Array;
}

/** One axis of a half-pixel-centre bilinear resampling: the two source indices and the second's weight per output index. */
function axis(src: number, dst: number): { i0: Int32Array; i1: Int32Array; t: Float32Array } {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const t = new Float32Array(dst);
  const scale = src / dst;
  for (let d = 0; d < dst; d++) {
    const s = Math.min(src - 1, Math.max(0, (d + 0.5) * scale - 0.5));
    const f = Math.floor(s);
    i0[d] = f;
    i1[d] = Math.min(src - 1, f + 1);
    t[d] = s - f;
  }
  return { i0, i1, t };
}

function bilinear(g: Grid, w: number, h: number): Grid {
  const ax = axis(g.width, w);
  const ay = axis(g.height, h);
  const out = new Float32Array(w * h);
  const { data } = g;
  for (let y = 0; y < h; y++) {
    const r0 = ay.i0[y] * g.width;
    const r1 = ay.i1[y] * g.width;
    const ty = ay.t[y];
    for (let x = 0; x < w; x++) {
      const x0 = ax.i0[x];
      const x1 = ax.i1[x];
      const tx = ax.t[x];
      const top = data[r0 + x0] + (data[r0 + x1] - data[r0 + x0]) * tx;
      const bottom = data[r1 + x0] + (data[r1 + x1] - data[r1 + x0]) * tx;
      out[y * w + x] = top + (bottom - top) * ty;
    }
  }
  return { width: w, height: h, data: out };
}

/** Population variance of the 4-neighbour Laplacian over the grid's interior (the border row and column left out). */
function laplacianVariance(g: Grid): number {
  const { width: w, height: h, data } = g;
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    const o = y * w;
    for (let x = 1; x < w - 1; x++) {
      const i = o + x;
      const l = data[i - w] + data[i + w] + data[i - 1] + data[i + 1] - 4 * data[i];
      s += l;
      s2 += l * l;
      n++;
    }
  }
  if (n === 0) return 0;
  const m = s / n;
  return Math.max(0, s2 / n - m * m);
}
