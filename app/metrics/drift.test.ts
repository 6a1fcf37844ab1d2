import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/unit/fixtures.ts';
import { writeScene, type SceneChange } from '../../test/unit/scenes.ts';
import { DRIFT_THRESHOLD, driftOf, driftReference, MIN_REFERENCE_IMAGES } from './drift.ts';
import { imageStats, type ImageStats } from './imageStats.ts';

async function stats(dir: string, seeds: number[], change: SceneChange = 'none'): Promise<ImageStats[]> {
  const out: ImageStats[] = [];
  for (const s of seeds) {
    const file = path.join(dir, `${change}-${s}.jpg`);
    await writeScene(file, s, change);
    out.push(await imageStats(file));
  }
  return out;
}

describe('drift against a reference set', () => {
  it('stays low on held-out images of the reference distribution and rises on darkened, blurred and resized copies', async () => {
    const dir = tempDir();
    const ref = driftReference(await stats(dir, Array.from({ length: 30 }, (_, i) => i + 1)));
    const held = Array.from({ length: 10 }, (_, i) => 1000 + i);
    const heldOut = await stats(dir, held);
    for (const s of heldOut) expect(driftOf(s, ref).flagged).toBe(false);
    const maxHeld = Math.max(...heldOut.map((s) => driftOf(s, ref).score));
    expect(maxHeld).toBeLessThan(DRIFT_THRESHOLD);

    const expectations: [SceneChange, string][] = [['darken', 'brightness'], ['blur', 'sharpness'], ['resize', 'resolution']];
    for (const [change, feature] of expectations) {
      const changed = await stats(dir, held, change);
      for (const [i, s] of changed.entries()) {
        const d = driftOf(s, ref);
        expect(d.flagged, `${change} ${held[i]}`).toBe(true);
        expect(d.score).toBeGreaterThan(driftOf(heldOut[i], ref).score);
        // The statistic the change moves passes the threshold on its own.
        expect(d.features[feature as keyof typeof d.features].z, change).toBeGreaterThanOrEqual(DRIFT_THRESHOLD);
        expect(d.flagScore).toBeGreaterThanOrEqual(0.5);
        expect(d.flagScore).toBeLessThan(1);
      }
    }
  });

  it('follows the documented rule on hand-made numbers', () => {
    const base = { v: 1 as const, contrast: 40, sharpness: 100, colourfulness: 30, width: 100, height: 100 };
    const ref = driftReference([100, 110, 120, 130, 140].map((brightness) => ({ ...base, brightness })));
    // median 120, MAD 10 → scale 14.826; the other features are constant → their floors
    expect(ref.brightness.median).toBe(120);
    expect(ref.brightness.scale).toBeCloseTo(14.826, 12);
    expect(ref.contrast.scale).toBe(1.5);
    const d = driftOf({ ...base, brightness: 180 }, ref);
    expect(d.features.brightness.z).toBeCloseTo(60 / 14.826, 12);
    expect(d.score).toBeCloseTo(60 / 14.826, 12);
    expect(d.flagged).toBe(true);
    expect(d.flagScore).toBeCloseTo(d.score / (d.score + 3.5), 12);
    expect(driftOf({ ...base, brightness: 150 }, ref).flagged).toBe(false);
  });

  it('refuses a reference set too small to have a spread', () => {
    const s = { v: 1 as const, brightness: 1, contrast: 1, sharpness: 1, colourfulness: 1, width: 1, height: 1 };
    expect(() => driftReference(Array(MIN_REFERENCE_IMAGES - 1).fill(s))).toThrow(/has 4 readable images; drift needs at least 5/);
    expect(() => driftReference([])).toThrow(/has 0 readable images/);
  });
});
