/**
 * Decoded images and their half-size pyramid, kept for the open image and its
 * neighbours. Drawing a 24-megapixel picture scaled to a 1,900-pixel canvas costs
 * tens of milliseconds a frame in a software rasteriser; drawing the pyramid
 * level just above the shown size costs a fraction of that, so pans and zooms
 * stay within a frame. Decoding happens off the key press: the next and previous
 * images are prefetched.
 */

/** One decoded image: full resolution plus levels of 1/2, 1/4, … down to about 512 px. */
export interface LoadedImage {
  url: string;
  width: number;
  height: number;
  /** levels[0] is the full image; each next level halves both sides. */
  levels: CanvasImageSource[];
}

const KEEP = 5;
const cache = new Map<string, Promise<LoadedImage>>();

async function decode(url: string): Promise<LoadedImage> {
  // An <img> rather than fetch(): the Electron CSP allows images, not connections, from loupe:.
  const el = new Image();
  el.decoding = 'async';
  el.src = url;
  await el.decode(); // off the main thread; rejects for a broken file
  const full = await createImageBitmap(el);
  const levels: CanvasImageSource[] = [full];
  let w = full.width;
  let h = full.height;
  let src: ImageBitmap = full;
  while (Math.max(w, h) > 1024) {
    w = Math.max(1, Math.round(w / 2));
    h = Math.max(1, Math.round(h / 2));
    src = await createImageBitmap(src, { resizeWidth: w, resizeHeight: h, resizeQuality: 'medium' });
    levels.push(src);
  }
  return { url, width: full.width, height: full.height, levels };
}

/** The decoded image for `url`, from the cache or decoded now; a failed load is forgotten so it can be retried. */
export function loadImage(url: string): Promise<LoadedImage> {
  let p = cache.get(url);
  if (p) {
    // Most recently used last, so the oldest is evicted first.
    cache.delete(url);
    cache.set(url, p);
    return p;
  }
  p = decode(url);
  p.catch(() => cache.delete(url));
  cache.set(url, p);
  while (cache.size > KEEP) {
    const oldest = cache.keys().next().value as string;
    const gone = cache.get(oldest);
    cache.delete(oldest);
    void gone?.then((img) => img.levels.forEach((l) => (l as ImageBitmap).close?.())).catch(() => {});
  }
  return p;
}

/** Start decoding images that are likely to be opened next. */
export function prefetchImages(urls: string[]): void {
  for (const u of urls) if (!cache.has(u)) void loadImage(u).catch(() => {});
}

/** The pyramid level to draw at `scale` (screen px per image px): the smallest one still at least as sharp as the screen. */
export function levelFor(img: LoadedImage, scale: number, pixelRatio: number): number {
  const want = scale * pixelRatio;
  let level = 0;
  while (level + 1 < img.levels.length && want <= 1 / 2 ** (level + 1)) level++;
  return level;
}
