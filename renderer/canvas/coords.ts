/**
 * The only place screen and image coordinates are converted. The stage is drawn
 * at `scale` with its image origin at (x, y) in stage-container pixels.
 */
export interface View {
  scale: number;
  x: number;
  y: number;
}

export interface Point {
  x: number;
  y: number;
}

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 40;

export function screenToImage(p: Point, v: View): Point {
  return { x: (p.x - v.x) / v.scale, y: (p.y - v.y) / v.scale };
}

export function imageToScreen(p: Point, v: View): Point {
  return { x: p.x * v.scale + v.x, y: p.y * v.scale + v.y };
}

/** The view that shows the whole image centred with a margin. */
export function fitView(imgW: number, imgH: number, stageW: number, stageH: number, margin = 16): View {
  if (imgW <= 0 || imgH <= 0 || stageW <= 0 || stageH <= 0) return { scale: 1, x: 0, y: 0 };
  const scale = Math.min((stageW - 2 * margin) / imgW, (stageH - 2 * margin) / imgH);
  const s = Math.max(MIN_SCALE, Math.min(MAX_SCALE, scale));
  return { scale: s, x: (stageW - imgW * s) / 2, y: (stageH - imgH * s) / 2 };
}

/** Zoom by `factor` keeping the image point under the cursor fixed. */
export function zoomAt(v: View, cursor: Point, factor: number): View {
  const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, v.scale * factor));
  const anchor = screenToImage(cursor, v);
  return { scale, x: cursor.x - anchor.x * scale, y: cursor.y - anchor.y * scale };
}

/** A rectangle from two corners, in any drag direction. */
export function rectFromPoints(a: Point, b: Point): { x: number; y: number; w: number; h: number } {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(b.x - a.x), h: Math.abs(b.y - a.y) };
}

/** Clamp a rectangle into the image; null when nothing with area is left (shared with the store). */
export { clampRect as clampToImage } from '../../app/contract/geometry.ts';

/** Does the rectangle intersect the visible part of the image? Used to skip off-screen boxes. */
export function intersectsViewport(r: { x: number; y: number; w: number; h: number }, v: View, stageW: number, stageH: number): boolean {
  const tl = screenToImage({ x: 0, y: 0 }, v);
  const br = screenToImage({ x: stageW, y: stageH }, v);
  return r.x <= br.x && r.x + r.w >= tl.x && r.y <= br.y && r.y + r.h >= tl.y;
}
