import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { float16ToFloat32 } from './float16.ts';
import { grayInput, letterbox, letterboxGeometry, pyRound, type RgbImage } from './letterbox.ts';

const golden = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../test/fixtures/inference/letterbox_golden.json'), 'utf8')) as {
  opencv: string;
  cases: { src: [number, number]; dst: [number, number]; ratio: number; newUnpad: [number, number]; pads: Record<string, number>; hwc: string }[];
};

/** The synthetic pixels make_letterbox_golden.py feeds to OpenCV. */
function formulaImage(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + ((x * y) % 17) + ((x * x + 3 * y * y) % 29)) % 256;
  return { width: w, height: h, data };
}

describe('pyRound', () => {
  it('rounds halves to even like Python 3', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.5001, 69.9, 70.1].map((v) => pyRound(v) + 0)).toEqual([0, 2, 2, 0, -2, 2, 3, 70, 70]);
  });
});

describe('letterboxGeometry (Ultralytics formulas, computed by hand)', () => {
  it('800×500 into 640×640', () => {
    // r = min(640/500, 640/800) = 0.8; new = (640, 400); dh = 120 → top = round(119.9) = 120, bottom = round(120.1) = 120.
    expect(letterboxGeometry(800, 500, 640, 640)).toEqual({
      srcW: 800, srcH: 500, dstW: 640, dstH: 640, ratio: 0.8, newW: 640, newH: 400, dw: 0, dh: 120, top: 120, bottom: 120, left: 0, right: 0,
    });
  });

  it('odd padding splits with the -0.1/+0.1 rule', () => {
    // 1000×333 → r = 0.64, new = (640, round(213.12) = 213), dh = 213.5 → top = round(213.4) = 213, bottom = round(213.6) = 214.
    const g = letterboxGeometry(1000, 333, 640, 640);
    expect([g.ratio, g.newW, g.newH, g.dh, g.top, g.bottom, g.left, g.right]).toEqual([0.64, 640, 213, 213.5, 213, 214, 0, 0]);
    expect(g.top + g.newH + g.bottom).toBe(640);
  });

  it('portrait image pads left and right; upscales small images', () => {
    // 300×400 → r = min(640/400, 640/300) = 1.6; new = (480, 640); dw = 80.
    const g = letterboxGeometry(300, 400, 640, 640);
    expect([g.ratio, g.newW, g.newH, g.left, g.right, g.top, g.bottom]).toEqual([1.6, 480, 640, 80, 80, 0, 0]);
  });

  it('non-square target (w 640, h 384)', () => {
    // 1280×720 → r = min(384/720, 640/1280) = 0.5; new = (640, 360); dh = 12.
    const g = letterboxGeometry(1280, 720, 640, 384);
    expect([g.ratio, g.newW, g.newH, g.top, g.bottom, g.left, g.right]).toEqual([0.5, 640, 360, 12, 12, 0, 0]);
  });

  it('rounds the resized size half to even, like Python round()', () => {
    // 5×2 into 9×9: r = 1.8; 5·1.8 = 9, 2·1.8 = 3.6 → 4; and 25×10 → 16: r = 0.64, 10·0.64 = 6.4 → 6.
    expect(letterboxGeometry(5, 2, 9, 9).newH).toBe(4);
    expect(letterboxGeometry(25, 10, 16, 16).newH).toBe(6);
  });
});

describe('letterbox pixels', () => {
  it.each(golden.cases.map((c) => [`${c.src.join('×')} → ${c.dst.join('×')}`, c] as const))('%s equals OpenCV INTER_LINEAR + copyMakeBorder bit for bit', (_, c) => {
    const [sw, sh] = c.src;
    const [dw, dh] = c.dst;
    const { data, geometry: g } = letterbox(formulaImage(sw, sh), dw, dh);
    expect(g.ratio).toBe(c.ratio);
    expect([g.newW, g.newH]).toEqual(c.newUnpad);
    expect({ top: g.top, bottom: g.bottom, left: g.left, right: g.right }).toEqual(c.pads);
    const ref = Buffer.from(c.hwc, 'base64');
    const plane = dw * dh;
    let maxDiff = 0;
    for (let i = 0; i < plane; i++) {
      for (let ch = 0; ch < 3; ch++) maxDiff = Math.max(maxDiff, Math.abs(Math.round(data[ch * plane + i] * 255) - ref[i * 3 + ch]));
    }
    expect(maxDiff).toBe(0);
  });

  it('writes RGB planes in NCHW order with the pad level 114/255 around the image', () => {
    const img: RgbImage = { width: 2, height: 1, data: Uint8Array.from([255, 0, 0, 0, 0, 255]) };
    // 2×1 → 4×4: r = 2, new 4×2, dh = 1 → rows 0 and 3 are padding.
    const { data } = letterbox(img, 4, 4);
    const pad = 114 / 255;
    expect(Array.from(data.subarray(0, 4))).toEqual([pad, pad, pad, pad].map(Math.fround));
    // Row 1 of the red plane: left pixel red (255), right pixel blue (0) with bilinear in between.
    const red = Array.from(data.subarray(4, 8)).map((v) => Math.round(v * 255));
    expect(red[0]).toBe(255);
    expect(red[3]).toBe(0);
    expect(red[1]).toBeGreaterThan(red[2]);
    const blue = Array.from(data.subarray(32 + 4, 32 + 8)).map((v) => Math.round(v * 255));
    expect(blue[0]).toBe(0);
    expect(blue[3]).toBe(255);
  });

  it('a reused buffer, whatever it held, gives the same tensor as a new one', () => {
    for (const [sw, sh, dw, dh] of [[640, 480, 320, 320], [37, 23, 64, 64], [90, 211, 64, 64], [64, 64, 64, 64]]) {
      const img = formulaImage(sw, sh);
      const fresh = letterbox(img, dw, dh).data;
      const dirty = new Float32Array(3 * dw * dh).fill(Number.NaN);
      const reused = letterbox(img, dw, dh, 'float32', dirty).data;
      expect(reused).toBe(dirty);
      expect(Array.from(reused)).toEqual(Array.from(fresh));
    }
    // A buffer of the wrong size or type is not used.
    const img = formulaImage(20, 10);
    expect(letterbox(img, 16, 16, 'float32', new Float32Array(5)).data.length).toBe(3 * 16 * 16);
    expect(letterbox(img, 16, 16, 'float16', new Float32Array(3 * 16 * 16)).data).toBeInstanceOf(Uint16Array);
  });

  it('float16 output holds the same values as half floats', () => {
    const img = formulaImage(50, 30);
    const f32 = letterbox(img, 32, 32, 'float32').data as Float32Array;
    const f16 = letterbox(img, 32, 32, 'float16').data as Uint16Array;
    expect(f16).toBeInstanceOf(Uint16Array);
    for (let i = 0; i < f32.length; i++) expect(Math.abs(float16ToFloat32(f16[i]) - f32[i])).toBeLessThan(1e-3);
  });

  it('a gray input is the pad level everywhere', () => {
    const g = grayInput(8, 4, 'float32');
    expect(g.length).toBe(3 * 8 * 4);
    expect(new Set(g).size).toBe(1);
    expect(g[0]).toBeCloseTo(114 / 255, 6);
  });
});
