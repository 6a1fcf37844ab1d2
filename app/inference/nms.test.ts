import { describe, expect, it } from 'vitest';
import { iou, nms, type Candidate } from './nms.ts';

const box = (x1: number, y1: number, x2: number, y2: number, score: number, classIndex = 0): Candidate => ({ x1, y1, x2, y2, score, classIndex });

describe('iou', () => {
  it('matches hand-computed values', () => {
    expect(iou(box(0, 0, 10, 10, 1), box(5, 0, 15, 10, 1))).toBeCloseTo(50 / 150, 12);
    expect(iou(box(0, 0, 10, 10, 1), box(0, 0, 10, 5, 1))).toBe(0.5);
    expect(iou(box(0, 0, 10, 10, 1), box(10, 0, 20, 10, 1))).toBe(0);
    expect(iou(box(0, 0, 10, 10, 1), box(0, 0, 10, 10, 1))).toBe(1);
  });
});

describe('nms', () => {
  it('suppresses an overlapping box of the same class when IoU is above the threshold', () => {
    const a = box(0, 0, 10, 10, 0.9);
    const b = box(5, 0, 15, 10, 0.8); // IoU 1/3
    expect(nms([b, a], 0.3, 300)).toEqual([a]);
    expect(nms([b, a], 0.45, 300)).toEqual([a, b]);
  });

  it('keeps overlapping boxes of different classes', () => {
    const a = box(0, 0, 10, 10, 0.9, 0);
    const b = box(0, 0, 10, 10, 0.8, 1);
    expect(nms([a, b], 0.45, 300)).toEqual([a, b]);
  });

  it('keeps a box whose IoU equals the threshold exactly (suppression needs IoU > threshold)', () => {
    const a = box(0, 0, 10, 10, 0.9);
    const half = box(0, 0, 10, 5, 0.8); // IoU exactly 0.5
    expect(nms([a, half], 0.5, 300)).toEqual([a, half]);
    expect(nms([a, half], 0.49, 300)).toEqual([a]);
  });

  it('a suppressed box suppresses nothing', () => {
    const a = box(0, 0, 10, 10, 0.9);
    const b = box(6, 0, 16, 10, 0.8); // IoU(a, b) = 0.25
    const c = box(12, 0, 22, 10, 0.7); // IoU(b, c) = 0.25, IoU(a, c) = 0
    expect(nms([c, b, a], 0.2, 300)).toEqual([a, c]);
  });

  it('returns at most maxDet boxes, best first', () => {
    const boxes = [0.3, 0.9, 0.5, 0.7, 0.1].map((s, i) => box(i * 20, 0, i * 20 + 10, 10, s));
    expect(nms(boxes, 0.45, 3).map((b) => b.score)).toEqual([0.9, 0.7, 0.5]);
    expect(nms(boxes, 0.45, 300).map((b) => b.score)).toEqual([0.9, 0.7, 0.5, 0.3, 0.1]);
  });

  it('keeps equal scores in input order', () => {
    const a = box(0, 0, 10, 10, 0.5);
    const b = box(20, 0, 30, 10, 0.5);
    expect(nms([a, b], 0.45, 300)).toEqual([a, b]);
    expect(nms([b, a], 0.45, 300)).toEqual([b, a]);
  });

  it('never suppresses with boxes that have no area (IoU is NaN, as in torchvision)', () => {
    const a = box(5, 5, 5, 5, 0.9);
    const b = box(5, 5, 5, 5, 0.8);
    expect(nms([a, b], 0.45, 300)).toHaveLength(2);
  });
});
