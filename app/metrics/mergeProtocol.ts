/**
 * What the consensus merge worker (mergeWorker.ts) and the host exchange: the job's
 * parameters, the consensus boxes of each image packed in one Float64Array per batch,
 * and the fingerprint of the work each image's boxes were computed from.
 */
import type { ReadOnlyWorkerData } from '../jobs/readOnlyWorker.ts';
import type { ABox } from './agreement/index.ts';

/** What a merge worker is started with. */
export interface MergeWorkerData extends ReadOnlyWorkerData {
  iou: number;
  quorum?: number;
  /** The images to merge, ascending (the others are passed over). */
  imageIds: Int32Array;
  /** Images per posted batch after the first, smaller one (default 256). */
  batch?: number;
  /** On a SharedArrayBuffer: set to 1 by the host when it needs no more answers, so the worker stops reading. */
  stop?: Int32Array;
}

/** One image's consensus as the worker computed it. */
export interface MergedImage {
  imageId: number;
  /** inputFingerprint of the people and boxes it was computed from. */
  fingerprint: number;
  quorum: number;
  boxes: { box: ABox; classId: number; source: number }[];
  /** addedJson(boxes), made by the worker so the host does not turn the numbers into text. */
  added?: string;
}

/** What the worker posts: batches, the end of its read, the end of its checkpoints, or an error. */
export type FromMergeWorker =
  | { type: 'batch'; data: Float64Array; added: string[] }
  | { type: 'read'; images: number }
  | { type: 'checkpointed'; complete: boolean }
  | { type: 'error'; code: string | null; message: string };

/** What the host posts: all writes are done, so checkpoint once more and stop. */
export type ToMergeWorker = { type: 'finish' };

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * A 53-bit hash of one image's input to the consensus: the people in order, and each
 * one's boxes (id, class and the exact bits of x, y, w, h). Any change to who marked the
 * image done or to one of their boxes changes it (but for a chance of about 2^-53).
 */
export function inputFingerprint(byPerson: ReadonlyMap<number, readonly ABox[]>): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const mix = (v: number) => {
    h1 = Math.imul(h1 ^ v, 2654435761);
    h2 = Math.imul(h2 ^ v, 1597334677);
  };
  const real = (v: number) => {
    f64[0] = v;
    mix(u32[0]);
    mix(u32[1]);
  };
  for (const [person, boxes] of byPerson) {
    mix(person | 0);
    mix(boxes.length);
    for (const b of boxes) {
      real(b.id);
      mix(b.classId | 0);
      real(b.x);
      real(b.y);
      real(b.w);
      real(b.h);
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * The JSON text of the `added` list of an edit that inserts these boxes, as JSON.stringify
 * writes it (id, classId, x, y, w, h, sourceBoxId), with `#` where each new box's id goes
 * (ids are given when the boxes are written).
 */
export function addedJson(boxes: MergedImage['boxes']): string {
  let out = '';
  for (const { box, classId, source } of boxes) {
    out += `${out === '' ? '' : ','}{"id":#,"classId":${classId},"x":${box.x},"y":${box.y},"w":${box.w},"h":${box.h},"sourceBoxId":${source}}`;
  }
  return out;
}

/** Numbers a packed image takes: its header and 6 per box. */
const HEAD = 4;
const PER_BOX = 6;

/** Pack images' consensus into one array: per image id, fingerprint, quorum, n, then n × (source id, class, x, y, w, h). */
export function packMerged(images: readonly MergedImage[]): Float64Array {
  let n = 0;
  for (const m of images) n += HEAD + PER_BOX * m.boxes.length;
  const out = new Float64Array(n);
  let k = 0;
  for (const m of images) {
    out[k++] = m.imageId;
    out[k++] = m.fingerprint;
    out[k++] = m.quorum;
    out[k++] = m.boxes.length;
    for (const { box, classId, source } of m.boxes) {
      out[k++] = source;
      out[k++] = classId;
      out[k++] = box.x;
      out[k++] = box.y;
      out[k++] = box.w;
      out[k++] = box.h;
    }
  }
  return out;
}

/** Where the packed image at `at` ends (the start of the next one). */
export function packedEnd(data: Float64Array, at: number): number {
  return at + HEAD + PER_BOX * data[at + 3];
}

/** The packed image at `at`. */
export function unpackAt(data: Float64Array, at: number): MergedImage {
  const boxes: MergedImage['boxes'] = [];
  for (let k = at + HEAD, end = packedEnd(data, at); k < end; k += PER_BOX) {
    const source = data[k];
    const classId = data[k + 1];
    const box: ABox = { id: source, classId, x: data[k + 2], y: data[k + 3], w: data[k + 4], h: data[k + 5] };
    boxes.push({ box, classId, source });
  }
  return { imageId: data[at], fingerprint: data[at + 1], quorum: data[at + 2], boxes };
}
