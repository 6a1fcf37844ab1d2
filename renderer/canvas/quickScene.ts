import { viewportRect } from './boxScene.ts';
import type { View } from './coords.ts';

/** From this many boxes in view, a moving view is drawn from a snapshot (below it, drawing them is cheaper than a frame). */
export const QUICK_MIN_BOXES = 1500;
/** A snapshot of part of the image reaches this share of the canvas beyond each edge, so a pan can go that far before it is retaken. */
const PAD = 0.5;
/**
 * Zooming in by more than this factor from the snapshot's scale retakes it (it
 * would look soft), and so does zooming out by more than `MAX_ZOOM_OUT` (too
 * coarse). A new motion retakes it from `FRESH_ZOOM` on.
 */
const MAX_ZOOM_IN = 2;
const MAX_ZOOM_OUT = 4;
const FRESH_ZOOM = 1.25;

export interface Snapshot {
  canvas: HTMLCanvasElement;
  /** Screen pixels per image pixel it was drawn at. */
  scale: number;
  /** The image point at its top-left corner, and its size in CSS pixels. */
  ox: number;
  oy: number;
  w: number;
  h: number;
}

/** A snapshot of the whole image is taken when it fits in this many device pixels (a side, and in all). */
const WHOLE_MAX_SIDE = 4096;
const WHOLE_MAX_PIXELS = 12_000_000;

/** Draws the scene without labels into `ctx` (the transform of `view` already set) over a `w`×`h` area of CSS pixels. */
export type RenderScene = (ctx: CanvasRenderingContext2D, view: View, w: number, h: number) => void;

/**
 * While the view moves continuously (a pan, a run of wheel steps) with thousands
 * of boxes in view, the box layer is drawn from a bitmap of the scene moved and
 * scaled with the view: one drawImage a frame instead of thousands of
 * rectangles. With fewer boxes in view than `QUICK_MIN_BOXES` drawing them is
 * cheaper than a frame, and the layer is drawn as usual (`draw` answers false).
 * The bitmap holds the whole image where it fits in 12 megapixels, else the view
 * and half a canvas beyond each edge; it is kept from one motion to the next
 * until the scene changes, and retaken when the view leaves it or the zoom has
 * zoomed in by more than 2× or out by more than 4×, and at the start of a motion
 * when its scale is off by more than a quarter. It leaves the labels out (they are drawn at a fixed
 * screen size, and scaled with the boxes they would mislead); the crisp drawing
 * with labels comes back as soon as the motion ends.
 */
export class QuickScene {
  private on = false;
  /** The motion has drawn no frame yet. */
  private fresh = false;
  private snap: Snapshot | null = null;
  private canvas: HTMLCanvasElement | null = null;

  get active(): boolean {
    return this.on;
  }

  start(): void {
    if (!this.on) this.fresh = true;
    this.on = true;
  }

  /** End the motion; true when it was on (the layer must be drawn crisp again). */
  stop(): boolean {
    const was = this.on;
    this.on = false;
    return was;
  }

  /** The scene changed (boxes, selection, labels, another image): the next motion takes a new snapshot. */
  invalidate(): void {
    this.snap = null;
  }

  /**
   * Draw the layer for `view` from the snapshot, taking one first when there is
   * none or it no longer serves; false, with nothing drawn, when only `inView`
   * boxes are in view, too few to be worth it.
   */
  draw(ctx: CanvasRenderingContext2D, view: View, w: number, h: number, image: { w: number; h: number }, pr: number, inView: number, render: RenderScene): boolean {
    // A motion starts from a snapshot at about its own scale: a pan after a zoom is as sharp as the view.
    const k0 = this.snap ? view.scale / this.snap.scale : 1;
    const stale = this.fresh && (k0 > FRESH_ZOOM || k0 < 1 / MAX_ZOOM_IN);
    this.fresh = false;
    if (stale) this.snap = null;
    const serves = this.snap !== null && !stale && snapshotCovers(this.snap, view, w, h, image);
    if (!serves) {
      if (inView < QUICK_MIN_BOXES) return false;
      this.snap = this.take(view, w, h, image, pr, render);
    }
    const s = this.snap!;
    const k = view.scale / s.scale;
    ctx.save();
    ctx.setTransform(pr, 0, 0, pr, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(s.canvas, view.x + s.ox * view.scale, view.y + s.oy * view.scale, s.w * k, s.h * k);
    ctx.restore();
    return true;
  }

  private take(view: View, w: number, h: number, image: { w: number; h: number }, pr: number, render: RenderScene): Snapshot {
    const region = snapshotRegion(view, w, h, image, pr);
    const canvas = (this.canvas ??= document.createElement('canvas'));
    // Resizing a canvas reallocates it: keep its memory when the size is the same.
    const cw = Math.max(1, Math.ceil(region.w * pr));
    const ch = Math.max(1, Math.ceil(region.h * pr));
    if (canvas.width !== cw || canvas.height !== ch) {
      canvas.width = cw;
      canvas.height = ch;
    }
    const c = canvas.getContext('2d')!;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, cw, ch);
    const at = { scale: view.scale, x: -region.x, y: -region.y };
    c.setTransform(pr * at.scale, 0, 0, pr * at.scale, pr * at.x, pr * at.y);
    render(c, at, region.w, region.h);
    return { canvas, scale: view.scale, ox: region.x / view.scale, oy: region.y / view.scale, w: region.w, h: region.h };
  }
}

/**
 * The part of the scene a snapshot for `view` holds, in CSS pixels at the view's
 * scale with the image's corner at 0,0: the whole image when it fits in
 * 4096 device pixels a side and 12 megapixels, else the view and half a canvas
 * beyond each edge.
 */
export function snapshotRegion(view: View, w: number, h: number, image: { w: number; h: number }, pr: number): { x: number; y: number; w: number; h: number } {
  const iw = image.w * view.scale;
  const ih = image.h * view.scale;
  const whole = iw * pr <= WHOLE_MAX_SIDE && ih * pr <= WHOLE_MAX_SIDE && iw * ih * pr * pr <= WHOLE_MAX_PIXELS;
  if (whole) return { x: 0, y: 0, w: Math.ceil(iw), h: Math.ceil(ih) };
  const px = Math.round(w * PAD);
  const py = Math.round(h * PAD);
  return { x: -view.x - px, y: -view.y - py, w: w + 2 * px, h: h + 2 * py };
}

/** Whether the snapshot holds every part of the image the view shows, at a scale close enough. */
export function snapshotCovers(s: Pick<Snapshot, 'scale' | 'ox' | 'oy' | 'w' | 'h'>, v: View, w: number, h: number, image: { w: number; h: number }): boolean {
  const k = v.scale / s.scale;
  if (k > MAX_ZOOM_IN || k < 1 / MAX_ZOOM_OUT) return false;
  const clip = (r: { x: number; y: number; w: number; h: number }) => ({
    x0: Math.max(0, r.x),
    y0: Math.max(0, r.y),
    x1: Math.min(image.w, r.x + r.w),
    y1: Math.min(image.h, r.y + r.h),
  });
  const need = clip(viewportRect(v, w, h));
  if (need.x1 <= need.x0 || need.y1 <= need.y0) return true; // the image is out of view: nothing to show
  const have = clip({ x: s.ox, y: s.oy, w: s.w / s.scale, h: s.h / s.scale });
  // Half an image pixel of slack for the rounding of the snapshot's size.
  return need.x0 >= have.x0 - 0.5 && need.y0 >= have.y0 - 0.5 && need.x1 <= have.x1 + 0.5 && need.y1 <= have.y1 + 0.5;
}
