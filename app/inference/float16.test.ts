import { describe, expect, it } from 'vitest';
import { float16ArrayToFloat32, float16ToFloat32, float32ToFloat16 } from './float16.ts';

describe('half floats', () => {
  it('encodes known bit patterns', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [2 ** -14, 0x0400],
      [2 ** -24, 0x0001], [Infinity, 0x7c00], [-Infinity, 0xfc00], [1e6, 0x7c00], [0.1, 0x2e66], [114 / 255, 0x3727],
    ];
    for (const [v, bits] of cases) expect([v, float32ToFloat16(v)]).toEqual([v, bits]);
    expect(float32ToFloat16(NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16(NaN) & 0x3ff).not.toBe(0);
  });

  it('rounds to nearest, ties to even', () => {
    // 1 + 2^-11 lies halfway between 1 and the next half (1 + 2^-10): ties go to the even mantissa, 1.
    expect(float32ToFloat16(1 + 2 ** -11)).toBe(0x3c00);
    expect(float32ToFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float32ToFloat16(2 ** -25)).toBe(0); // half of the smallest subnormal
    expect(float32ToFloat16(1.5 * 2 ** -24)).toBe(2);
    expect(float32ToFloat16(65520)).toBe(0x7c00); // rounds up past the largest finite half
  });

  it('decodes every finite pattern back to the value it came from', () => {
    for (let h = 0; h < 0x7c00; h++) expect(float32ToFloat16(float16ToFloat32(h))).toBe(h);
    expect(float16ToFloat32(0x3c00)).toBe(1);
    expect(float16ToFloat32(0x0001)).toBe(2 ** -24);
    expect(Number.isNaN(float16ToFloat32(0x7e00))).toBe(true);
    expect(Array.from(float16ArrayToFloat32(Uint16Array.from([0x3c00, 0xc000, 0x7bff])))).toEqual([1, -2, 65504]);
  });
});
