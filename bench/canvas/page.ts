/**
 * What the canvas benchmark runs inside the page, as plain JavaScript source (a
 * function passed to page.evaluate would carry the bundler's helpers with it).
 *
 * `window.__bench.start()` records the timestamp of every animation frame and the
 * canvas's view (its data-x, data-y and data-scale) at that frame until
 * `stop()`, which returns both. `armKey()` notes when the next key press reaches
 * the page; `pixelsAfterKey(prevImageId)` resolves with the milliseconds from that
 * key press to the first animation frame at which the canvas shows another image
 * whose pixels are drawn (the image layer's centre differs from what it showed
 * before the key, and is not the empty background).
 */
export const PAGE_SCRIPT = String.raw`
(() => {
  const canvasEl = () => document.querySelector('[data-testid=canvas]');
  const imageLayer = () => canvasEl()?.querySelector('canvas');
  const viewOf = (c) => (c ? c.dataset.x + ',' + c.dataset.y + ',' + c.dataset.scale : '');
  /** 8×8 pixels around the image layer's centre, as a string. */
  const centre = () => {
    const cv = imageLayer();
    if (!cv || cv.width < 16) return '';
    const ctx = cv.getContext('2d');
    const d = ctx.getImageData((cv.width >> 1) - 4, (cv.height >> 1) - 4, 8, 8).data;
    return Array.prototype.join.call(d, ',');
  };
  const blank = (s) => s === '' || /^(0,0,0,0,?)+$/.test(s);
  const state = { on: false, t: [], views: [], keyAt: null, before: '' };
  window.__bench = {
    start() {
      state.on = true;
      state.t = [];
      state.views = [];
      const loop = (ts) => {
        if (!state.on) return;
        state.t.push(ts);
        state.views.push(viewOf(canvasEl()));
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    },
    stop() {
      state.on = false;
      return { t: state.t, views: state.views };
    },
    armKey() {
      state.keyAt = null;
      state.before = centre();
      window.addEventListener('keydown', (e) => { state.keyAt = performance.now(); }, { once: true, capture: true });
    },
    pixelsAfterKey(prevId) {
      return new Promise((resolve, reject) => {
        const limit = performance.now() + 10000;
        const tick = (ts) => {
          const c = canvasEl();
          if (state.keyAt !== null && c && c.dataset.imageId !== String(prevId) && c.dataset.ready === 'true') {
            const now = centre();
            if (!blank(now) && now !== state.before) return resolve({ ms: performance.now() - state.keyAt, imageId: Number(c.dataset.imageId) });
          }
          if (performance.now() > limit) return reject(new Error('no new image drawn within 10 s of the key (keyAt ' + state.keyAt + ')'));
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
    },
  };
})();
`;

/** The recorder's result. */
export interface FrameRecord {
  t: number[];
  views: string[];
}
