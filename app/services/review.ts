import type { ParsedReq, Res } from '../contract/methods.ts';
import { LoupeError } from '../domain/errors.ts';
import { metadataTags } from '../domain/metadata.ts';
import type { Box } from '../domain/box.ts';
import type { ImageRow } from '../store/ImageRepo.ts';
import type { Project } from '../store/Project.ts';
import type { QueueFilter, QueueOrder } from '../store/QueueRepo.ts';
import { queueFilterFor, visibleBoxCount, visibleBoxes } from './people.ts';

type Item = Res<'images:list'>['items'][number];
type Status = Item['status'];

const now = () => new Date().toISOString();

/** An image as the queue lists it, with the current person's status and its flags. */
export function queueItem(p: Project, r: ImageRow & { boxCount: number }): Item {
  return {
    id: r.id,
    path: r.path,
    width: r.width,
    height: r.height,
    format: r.format,
    boxCount: visibleBoxCount(p, r.id, r.boxCount),
    tags: metadataTags(r.metadata),
    status: p.queue.status(r.id, p.annotator.id),
    flags: p.queue.flags(r.id),
  };
}

/** The filters of a request, with the older top-level `where` folded in. */
function filterOf(req: { filter: QueueFilter; where?: { key: string; value: string } }): QueueFilter {
  return req.where && !req.filter.where ? { ...req.filter, where: req.where } : req.filter;
}

/** A page of the review queue. */
export function listQueue(p: Project, req: ParsedReq<'images:list'>): Res<'images:list'> {
  const page = p.queue.page(p.annotator.id, req.order as QueueOrder, queueFilterFor(p, filterOf(req)), req.offset, req.limit);
  return { total: page.total, offset: req.offset, items: page.items.map((r) => queueItem(p, r)) };
}

function itemById(p: Project, id: number): Item {
  const r = p.images.get(id);
  if (!r) throw new LoupeError('not_found', `Image ${id} is not in this project (it may have been removed); nothing was changed.`);
  return queueItem(p, { ...r, boxCount: p.images.boxCount(id) });
}

const UNREVIEWED: ReadonlySet<Status> = new Set(['todo', 'in_progress']);

/** The image after (or before) queue position `from`; with `unreviewed`, the next still to review, wrapping round once. */
export function nextInQueue(p: Project, req: ParsedReq<'images:next'>): Res<'images:next'> {
  const ids = p.queue.ids(p.annotator.id, req.order as QueueOrder, queueFilterFor(p, req.filter));
  const n = ids.length;
  const me = p.annotator.id;
  if (!req.unreviewed) {
    const i = req.from + req.direction;
    return i >= 0 && i < n ? { item: itemById(p, ids[i]), index: i, total: n } : { item: null, index: null, total: n };
  }
  for (let step = 1; step <= n; step++) {
    const i = (((req.from + req.direction * step) % n) + n) % n;
    if (i === req.from) break;
    if (UNREVIEWED.has(p.queue.status(ids[i], me))) return { item: itemById(p, ids[i]), index: i, total: n };
  }
  return { item: null, index: null, total: n };
}

/** Where an image stands in the queue. */
export function locateInQueue(p: Project, req: ParsedReq<'images:locate'>): Res<'images:locate'> {
  const ids = p.queue.ids(p.annotator.id, req.order as QueueOrder, queueFilterFor(p, req.filter));
  const i = ids.indexOf(req.imageId);
  return { index: i < 0 ? null : i, total: ids.length };
}

/** Record the current person's decision on an image, in one transaction. */
export function setReviewStatus(p: Project, imageId: number, status: Status): Res<'review:set'> {
  return p.db.transaction(() => {
    if (!p.images.get(imageId)) throw new LoupeError('not_found', `Image ${imageId} is not in this project (it may have been removed); nothing was changed.`);
    p.assignments.set(imageId, p.annotator.id, status, now());
    return { imageId, status };
  })();
}

/** The open image's boxes the current person may see (blind labelling, app/services/people.ts), with whether they rejected each. */
export function reviewBoxes(p: Project, imageId: number): (Box & { rejected: boolean })[] {
  const rejected = p.review.rejectedOn(imageId, p.annotator.id);
  return visibleBoxes(p, imageId).map((b) => ({ ...b, rejected: rejected.has(b.id) }));
}

/** A person's setting, parsed; null when never set. */
export function getSetting(p: Project, key: string): Res<'settings:get'> {
  const v = p.review.setting(p.annotator.id, key);
  return { value: v === undefined ? null : (JSON.parse(v) as Res<'settings:get'>['value']) };
}

export function setSetting(p: Project, key: string, value: unknown): Res<'settings:set'> {
  p.db.transaction(() => p.review.setSetting(p.annotator.id, key, JSON.stringify(value)))();
  return { saved: true };
}
