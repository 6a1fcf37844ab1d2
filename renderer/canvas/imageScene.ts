import { viewportRect } from './boxScene.ts';
import type { View } from './coords.ts';
import { levelFor, type LoadedImage } from './imageCache.ts';

/**
 * Draw the part of the image that is in view, from the pyramid level that matches
 * the zoom (the context is already in image coordinates).
 */
export function drawImageView(
  ctx: CanvasRenderingContext2D,
  im: LoadedImage,
  v: View,
  image: { w: number; h: number },
  screen: { w: number; h: number },
  pixelRatio: number,
): void {
  const level = im.levels[levelFor(im, v.scale, pixelRatio)] as ImageBitmap;
  const { w: W, h: H } = image;
  const f = level.width / W;
  const vp = viewportRect(v, screen.w, screen.h);
  const x0 = Math.max(0, Math.floor(vp.x));
  const y0 = Math.max(0, Math.floor(vp.y));
  const x1 = Math.min(W, Math.ceil(vp.x + vp.w));
  const y1 = Math.min(H, Math.ceil(vp.y + vp.h));
  if (x1 <= x0 || y1 <= y0) return;
  // Past 4× a person inspects pixels: show them square, not blurred.
  ctx.imageSmoothingEnabled = v.scale * pixelRatio < 4;
  ctx.drawImage(level, x0 * f, y0 * f, (x1 - x0) * f, (y1 - y0) * f, x0, y0, x1 - x0, y1 - y0);
}
