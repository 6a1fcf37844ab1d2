import { describe, expect, it } from 'vitest';
import { e2eOutput, v5Output, v8Output } from '../../test/unit/onnxBuilder.ts';
import { anchorPoints, decodeOutput, detectLayout, MAX_NMS, postprocess, resolveParams, toOriginal } from './decode.ts';
import { letterboxGeometry } from './letterbox.ts';

const hints = (numClasses: number, end2end?: boolean) => ({ numClasses, inputW: 640, inputH: 640, end2end });
const SUPPORTED = 'supported: [1, 4+nc, N] (YOLOv8/11), [1, N, 5+nc] (YOLOv5), [1, K, 6] (end-to-end YOLOv10/26)';

describe('detectLayout', () => {
  it('recognises the Ultralytics layouts', () => {
    expect(anchorPoints(640, 640)).toBe(8400);
    expect(detectLayout([1, 84, 8400], hints(80))).toBe('v8');
    expect(detectLayout([1, 6, 8400], hints(2))).toBe('v8');
    expect(detectLayout([1, 25200, 85], hints(80))).toBe('v5');
    expect(detectLayout([1, 300, 6], hints(80))).toBe('e2e');
    expect(detectLayout([1, 300, 6], hints(1))).toBe('e2e');
  });

  it('tells a one-class YOLOv5 head [1, N, 6] from an end-to-end output by the end2end flag, else by the anchor count', () => {
    expect(detectLayout([1, 25200, 6], hints(1))).toBe('v5');
    expect(detectLayout([1, 25200, 6], hints(1, true))).toBe('e2e');
    expect(detectLayout([1, 300, 6], hints(1, false))).toBe('v5');
  });

  it.each([
    [[1, 1000], `output [1, 1000] is not a detection layout; ${SUPPORTED}`],
    [[1, 84, 8400, 1], `output [1, 84, 8400, 1] is not a detection layout; ${SUPPORTED}`],
    [[2, 84, 8400], `output [2, 84, 8400] is not a detection layout; ${SUPPORTED}`],
    [[1, 3, 4], `output [1, 3, 4] is not a detection layout; ${SUPPORTED}`],
    [[1, 84, 8400], 'output [1, 84, 8400] has 80 classes in the YOLOv8/11 layout [1, 4+nc, N], but the class names list 3'],
    [[1, 25200, 85], 'output [1, 25200, 85] has 80 classes in the YOLOv5 layout [1, N, 5+nc], but the class names list 3'],
    [[1, 25200, 6], 'output [1, 25200, 6] has 1 classes in the YOLOv5 layout [1, N, 5+nc], but the class names list 3'],
  ])('refuses %j', (dims, msg) => {
    expect(() => detectLayout(dims, hints(3))).toThrow(msg);
  });
});

describe('resolveParams', () => {
  it('fills the Ultralytics defaults', () => {
    expect(resolveParams()).toEqual({ conf: 0.25, iou: 0.45, maxDet: 300, classes: null });
  });
  it.each([[{ conf: -0.1 }], [{ conf: 1.5 }], [{ iou: NaN }], [{ maxDet: 0 }], [{ maxDet: 2.5 }]])('refuses %j', (p) => {
    expect(() => resolveParams(p)).toThrow(expect.objectContaining({ code: 'bad_request' }));
  });
});

describe('decodeOutput', () => {
  const p = resolveParams();

  it('v8: centre form to corners, best class by argmax, scores strictly above conf', () => {
    const n = 4;
    const out = v8Output([], 3, n);
    const set = (i: number, cx: number, cy: number, w: number, h: number, scores: number[]) => {
      out.values.set([cx], i);
      out.values.set([cy], n + i);
      out.values.set([w], 2 * n + i);
      out.values.set([h], 3 * n + i);
      scores.forEach((s, c) => (out.values[(4 + c) * n + i] = s));
    };
    set(0, 100, 50, 20, 10, [0.1, 0.75, 0.5]);
    set(1, 10, 10, 4, 4, [0.25, 0.25, 0.25]); // exactly at conf: dropped
    set(2, 300, 300, 10, 10, [0.3, 0.3, 0.2]); // tie: first class wins
    const c = decodeOutput(out.values, out.dims, 'v8', p, 3);
    expect(c).toEqual([
      { x1: 90, y1: 45, x2: 110, y2: 55, score: 0.75, classIndex: 1 },
      { x1: 295, y1: 295, x2: 305, y2: 305, score: expect.closeTo(0.3, 6), classIndex: 0 },
    ]);
    // Class filtering applies to the best class: anchor 0's class 2 (0.5) does not make it a class-2 box.
    expect(decodeOutput(out.values, out.dims, 'v8', resolveParams({ classes: [2] }), 3)).toEqual([]);
  });

  it('v5: score = objectness × class score, objectness must pass conf first', () => {
    const out = v5Output(
      [
        { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.6, classIndex: 1, objectness: 0.8 }, // class score 0.75
        { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.24, classIndex: 0, objectness: 0.3 }, // 0.3 × 0.8 below conf
      ],
      2,
      3,
    );
    const c = decodeOutput(out.values, out.dims, 'v5', p, 2);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ x1: 0, y1: 0, x2: 10, y2: 10, classIndex: 1 });
    expect(c[0].score).toBeCloseTo(0.6, 6);
  });

  it('e2e: corners as given; rows with a class outside the names are dropped', () => {
    const out = e2eOutput(
      [
        { x1: 1, y1: 2, x2: 3, y2: 4, score: 0.9, classIndex: 1 },
        { x1: 1, y1: 2, x2: 3, y2: 4, score: 0.9, classIndex: 7 },
      ],
      5,
    );
    expect(decodeOutput(out.values, out.dims, 'e2e', p, 2)).toEqual([{ x1: 1, y1: 2, x2: 3, y2: 4, score: expect.closeTo(0.9, 6), classIndex: 1 }]);
  });

  it('keeps at most MAX_NMS candidates, the best ones', () => {
    const n = MAX_NMS + 500;
    const out = v8Output([], 1, n);
    for (let i = 0; i < n; i++) out.values[4 * n + i] = 0.3 + (0.6 * i) / n;
    const c = decodeOutput(out.values, out.dims, 'v8', p, 1);
    expect(c).toHaveLength(MAX_NMS);
    expect(Math.min(...c.map((x) => x.score))).toBeGreaterThan(0.3 + (0.6 * 499) / n);
  });
});

describe('toOriginal and postprocess', () => {
  const g = letterboxGeometry(800, 500, 640, 640); // r 0.8, top 120

  it('undoes the letterbox: (v − pad) / r', () => {
    expect(toOriginal({ x1: 80, y1: 160, x2: 240, y2: 280, score: 0.5, classIndex: 0 }, g)).toEqual({ x: 100, y: 50, w: 200, h: 150, score: 0.5, classIndex: 0 });
  });

  it('clips to the image and drops what is left with no area', () => {
    // Reaches into the top padding and past the right edge.
    expect(toOriginal({ x1: 600, y1: 100, x2: 700, y2: 200, score: 0.5, classIndex: 0 }, g)).toEqual({ x: 750, y: 0, w: 50, h: 100, score: 0.5, classIndex: 0 });
    // Entirely in the bottom padding.
    expect(toOriginal({ x1: 10, y1: 530, x2: 50, y2: 600, score: 0.5, classIndex: 0 }, g)).toBeNull();
  });

  it('e2e outputs skip NMS but still honour maxDet', () => {
    const same = { x1: 80, y1: 160, x2: 240, y2: 280, classIndex: 0 };
    const out = e2eOutput([{ ...same, score: 0.6 }, { ...same, score: 0.9 }, { ...same, score: 0.7 }], 3);
    expect(postprocess(out.values, out.dims, 'e2e', g, resolveParams(), 1).map((d) => d.score)).toEqual([0.9, 0.7, 0.6].map(Math.fround));
    expect(postprocess(out.values, out.dims, 'e2e', g, resolveParams({ maxDet: 2 }), 1)).toHaveLength(2);
    const v8 = v8Output([{ ...same, score: 0.6 }, { ...same, score: 0.9 }], 1, 3);
    expect(postprocess(v8.values, v8.dims, 'v8', g, resolveParams(), 1).map((d) => d.score)).toEqual([Math.fround(0.9)]);
  });
});

describe('detectLayout with export hints', () => {
  it('a [1, 300, 6] output is end-to-end even when the export says end2end False (NMS built in)', () => {
    expect(detectLayout([1, 300, 6], { numClasses: 80, inputW: 640, inputH: 640, end2end: false })).toBe('e2e');
    expect(detectLayout([1, 25200, 6], { numClasses: 80, inputW: 640, inputH: 640, end2end: true })).toBe('e2e');
  });
});
