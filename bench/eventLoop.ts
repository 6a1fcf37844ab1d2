import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Watch the host's event loop: Node's delay histogram and a 5 ms timer (which
 * also sees a single long block the histogram's sampling can split). `stop`
 * returns the largest delay and the 99th percentile, in milliseconds.
 */
export function watchEventLoop(): { stop(): { maxDelayMs: number; p99DelayMs: number } } {
  const h = monitorEventLoopDelay({ resolution: 5 });
  let maxLag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 5);
    last = now;
  }, 5);
  h.enable();
  return {
    stop() {
      h.disable();
      clearInterval(timer);
      return { maxDelayMs: Math.max(maxLag, h.max / 1e6), p99DelayMs: h.percentile(99) / 1e6 };
    },
  };
}
