/**
 * Worker thread of a StatsPool: decodes images and computes their statistics.
 * Several requests may be in flight at once, so the decode of the next image
 * (sharp, on libuv's thread pool) overlaps the pixel pass of the current one.
 */
import { parentPort } from 'node:worker_threads';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { decodeImage } from '../inference/imageInput.ts';
import { statsOfPixels } from './imageStats.ts';
import type { StatsReply, StatsRequest } from './statsProtocol.ts';

const port = parentPort!;

port.on('message', (req: StatsRequest) => {
  decodeImage(req.file, { pixelLimit: req.pixelLimit, syncRead: true })
    .then((img): StatsReply => (req.decodeOnly ? { id: req.id, ok: true, stats: null } : { id: req.id, ok: true, stats: statsOfPixels(img) }))
    .catch((err: unknown): StatsReply => ({ id: req.id, ok: false, code: err instanceof LoupeError ? err.code : 'internal', message: messageOf(err) }))
    .then((reply) => port.postMessage(reply));
});
