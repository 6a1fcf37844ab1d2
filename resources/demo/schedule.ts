import { hashSeed, Rng } from './rng.ts';
import type { Camera, Shift } from './scene.ts';

/**
 * When each demo frame was captured: four weeks of a line's production, day
 * shift frames from 06:00 to 17:59 every day, the night shift's (20:00–23:59)
 * from DEMO_NIGHT_SHIFT_DAY on, and the camera re-mounted on DEMO_REMOUNT_DAY
 * (every frame before it is from the nominal mount, every frame from it on from
 * the re-mounted one). So the monitoring timeline has two known changes.
 */

/** The first day of the demo's production. */
export const DEMO_FIRST_DAY = '2026-01-05';
/** Days of production. */
export const DEMO_DAYS = 28;
/** The day the night shift starts (its first frames are from 20:00 that day). */
export const DEMO_NIGHT_SHIFT_DAY = '2026-01-15';
/** The day the camera was re-mounted (from its first frame that day on). */
export const DEMO_REMOUNT_DAY = '2026-01-25';

const DAY_MS = 86_400_000;
const dayIndex = (day: string) => Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${DEMO_FIRST_DAY}T00:00:00Z`)) / DAY_MS);

/**
 * The capture time (`YYYY-MM-DDTHH:MM:SS`, local time) of every frame, in
 * frame order. Frames of each camera and shift are spread evenly over the days
 * that camera and shift were in use, in frame order; the hour, minute and
 * second come from (seed, frame index).
 */
export function demoCaptureTimes(seed: number, frames: readonly { camera: Camera; shift: Shift }[]): string[] {
  const night = dayIndex(DEMO_NIGHT_SHIFT_DAY);
  const remount = dayIndex(DEMO_REMOUNT_DAY);
  // The range of days [from, to) each camera and shift was in use.
  const range = (f: { camera: Camera; shift: Shift }): [number, number] => {
    const [from, to] = f.camera === 'nominal' ? [0, remount] : [remount, DEMO_DAYS];
    return f.shift === 'night' ? [Math.max(from, night), to] : [from, to];
  };
  const groups = new Map<string, number[]>();
  frames.forEach((f, i) => {
    const k = `${f.camera}/${f.shift}`;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  const out: string[] = new Array(frames.length);
  for (const members of groups.values()) {
    const [from, to] = range(frames[members[0]]);
    members.forEach((frame, k) => {
      const rng = new Rng(hashSeed(seed, 'captured', frame));
      const day = from + Math.floor((k * (to - from)) / members.length);
      const hour = frames[frame].shift === 'day' ? rng.int(6, 17) : rng.int(20, 23);
      const t = new Date(Date.parse(`${DEMO_FIRST_DAY}T00:00:00Z`) + day * DAY_MS + hour * 3_600_000 + rng.int(0, 59) * 60_000 + rng.int(0, 59) * 1000);
      out[frame] = t.toISOString().slice(0, 19);
    });
  }
  return out;
}
