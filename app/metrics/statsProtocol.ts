import type { ImageStats } from './imageStats.ts';

/** One image for a stats worker; `decodeOnly` decodes and computes nothing (the bench's baseline). */
export interface StatsRequest {
  id: number;
  file: string;
  pixelLimit?: number;
  decodeOnly?: boolean;
}

/** A stats worker's answer for one image. */
export type StatsReply = { id: number; ok: true; stats: ImageStats | null } | { id: number; ok: false; code: string; message: string };

export type { ImageStats };
