import { describe, expect, it } from 'vitest';
import { snapshotCovers, snapshotRegion } from './quickScene.ts';
import type { View } from './coords.ts';

// A 1000×800 canvas showing a 6000×4000 image.
const W = 1000;
const H = 800;
const image = { w: 6000, h: 4000 };
/** The snapshot QuickScene would take for `view` at device pixel ratio `pr`. */
const snap = (view: View, pr = 1) => {
  const r = snapshotRegion(view, W, H, image, pr);
  return { scale: view.scale, ox: r.x / view.scale, oy: r.y / view.scale, w: r.w, h: r.h };
};

describe('the moving view snapshot', () => {
  it('zoomed in, holds the view and half a canvas beyond each edge', () => {
    const at = { scale: 1, x: -2000, y: -1500 }; // image x 2000–3000, y 1500–2300 in view
    expect(snapshotRegion(at, W, H, image, 1)).toEqual({ x: 1500, y: 1100, w: 2000, h: 1600 });
  });

  it('serves a pan that stays within its padding, and not one that leaves it', () => {
    const at = { scale: 1, x: -2000, y: -1500 };
    const s = snap(at);
    expect(snapshotCovers(s, at, W, H, image)).toBe(true);
    expect(snapshotCovers(s, { ...at, x: at.x + 499 }, W, H, image)).toBe(true);
    expect(snapshotCovers(s, { ...at, x: at.x + 501 }, W, H, image)).toBe(false);
    expect(snapshotCovers(s, { ...at, y: at.y - 401 }, W, H, image)).toBe(false);
  });

  it('holds the whole image when it fits in 12 megapixels, so any pan is served', () => {
    const fit = { scale: 0.15, x: 50, y: 100 }; // the image is 900×600 on screen
    expect(snapshotRegion(fit, W, H, image, 1)).toEqual({ x: 0, y: 0, w: 900, h: 600 });
    const s = snap(fit);
    expect(snapshotCovers(s, { ...fit, x: fit.x + 900, y: fit.y - 650 }, W, H, image)).toBe(true);
    expect(snapshotCovers(s, { ...fit, x: 5000 }, W, H, image)).toBe(true); // the image entirely off screen
    // Zooming out from there is served too, down to a quarter of the scale.
    expect(snapshotCovers(s, { scale: 0.04, x: 300, y: 300 }, W, H, image)).toBe(true);
  });

  it('counts device pixels: on a 2× screen the same view is too big to hold whole', () => {
    const at = { scale: 0.6, x: -100, y: -100 }; // 3600×2400 CSS pixels, 7200×4800 device pixels
    expect(snapshotRegion(at, W, H, image, 1)).toEqual({ x: 0, y: 0, w: 3600, h: 2400 });
    expect(snapshotRegion(at, W, H, image, 2)).toEqual({ x: -400, y: -300, w: 2000, h: 1600 });
  });

  it('is retaken after zooming in by more than 2× or out by more than 4×', () => {
    const at = { scale: 0.3, x: 50, y: 100 };
    const s = snap(at);
    expect(snapshotCovers(s, { scale: 0.59, x: -1500, y: -1000 }, W, H, image)).toBe(true);
    expect(snapshotCovers(s, { scale: 0.61, x: -1500, y: -1000 }, W, H, image)).toBe(false);
    expect(snapshotCovers(s, { scale: 0.076, x: 300, y: 300 }, W, H, image)).toBe(true);
    expect(snapshotCovers(s, { scale: 0.074, x: 300, y: 300 }, W, H, image)).toBe(false);
  });
});
