import { z } from 'zod';
import { LoupeError } from '../domain/errors.ts';
import { pathEscape } from './safePaths.ts';

/**
 * The records of a work package body, one JSON line each, in this order:
 * every `class`; then per image the `run` of its predictions (the first time
 * that run appears), its `image` record, its `pred`s, the
 * person's `box`es, `reject`s and `edit`s, and with images its `file`.
 * Ids are the ids of the lead's project, which a project opened from a
 * package keeps; the person is named in the header, never in a record.
 */

const Num = z.number().finite();
const Id = z.int().positive();

export const ClassRec = z.strictObject({ t: z.literal('class'), id: Id, name: z.string().min(1), color: z.string(), hotkey: z.string().nullable(), position: z.int() });
export const RunRec = z.strictObject({
  t: z.literal('run'),
  id: Id,
  author: z.string().min(1),
  modelHash: z.string(),
  name: z.string(),
  parameters: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export const MarkRec = z.strictObject({ status: z.enum(['todo', 'in_progress', 'done', 'skipped']), updatedAt: z.string(), assignedAt: z.string().nullable() });
export const ImageRec = z.strictObject({
  t: z.literal('image'),
  id: Id,
  // Opening a package writes its images at these paths: none may leave the folder.
  path: z
    .string()
    .min(1)
    .superRefine((rel, ctx) => {
      const why = pathEscape(rel);
      if (why) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(rel)} is not a path inside the image folder: ${why}` });
    }),
  width: z.int().positive(),
  height: z.int().positive(),
  orientation: z.int(),
  format: z.string().nullable(),
  bytes: z.int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex'),
  metadata: z.string(),
  mark: MarkRec.nullable(),
  run: Id.nullable(),
});
const Geometry = { classId: Id, x: Num, y: Num, w: Num.positive(), h: Num.positive() };
export const PredRec = z.strictObject({ t: z.literal('pred'), id: Id, image: Id, run: Id, ...Geometry, score: Num.nullable() });
export const BoxRec = z.strictObject({
  t: z.literal('box'),
  id: Id,
  image: Id,
  ...Geometry,
  provenance: z.enum(['drawn', 'accepted', 'edited', 'imported']),
  source: Id.nullable(),
});
export const RejectRec = z.strictObject({ t: z.literal('reject'), image: Id, box: Id });
export const EditRec = z.strictObject({ t: z.literal('edit'), image: Id, time: z.string().min(1), state: z.string(), diff: z.json() });
export const FileRec = z.strictObject({ t: z.literal('file'), image: Id, bytes: z.int().min(0) });

export type ClassRec = z.infer<typeof ClassRec>;
export type RunRec = z.infer<typeof RunRec>;
export type ImageRec = z.infer<typeof ImageRec>;
export type PredRec = z.infer<typeof PredRec>;
export type BoxRec = z.infer<typeof BoxRec>;
export type RejectRec = z.infer<typeof RejectRec>;
export type EditRec = z.infer<typeof EditRec>;

const BY_KIND = { class: ClassRec, run: RunRec, image: ImageRec, pred: PredRec, box: BoxRec, reject: RejectRec, edit: EditRec, file: FileRec } as const;

/** Any package record, checked; a record this build does not know, or a bad field, is a clear error. */
export type PackageRecord = ClassRec | RunRec | ImageRec | PredRec | BoxRec | RejectRec | EditRec | z.infer<typeof FileRec>;

/** Check one record read from a package body. */
export function parseRecord(rec: { t: string }, index: number): PackageRecord {
  const schema = BY_KIND[rec.t as keyof typeof BY_KIND];
  if (!schema) throw new LoupeError('bad_request', `The package's record ${index} is of an unknown kind "${rec.t}".`);
  let r: ReturnType<typeof schema.safeParse>;
  try {
    r = schema.safeParse(rec);
  } catch (err) {
    // An edit's diff nested thousands deep overflows the stack of the recursive JSON check.
    if (err instanceof RangeError) throw new LoupeError('bad_request', `The package's ${rec.t} record ${index} is nested too deeply to check.`);
    throw err;
  }
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new LoupeError('bad_request', `The package's ${rec.t} record ${index} is invalid: ${issue.path.join('.') || 'record'}: ${issue.message}.`);
  }
  return r.data as PackageRecord;
}

/** One image of a package with everything that follows its record. */
export interface ImageGroup {
  image: ImageRec;
  run: RunRec | null;
  preds: PredRec[];
  boxes: BoxRec[];
  rejects: RejectRec[];
  edits: EditRec[];
  data?: Buffer;
}

/**
 * Group a package's frames by image, checking each record and the order: the
 * classes first, every other record after its image's and about that image,
 * every class a box names among the classes, every run an image names described before it.
 */
export async function* imageGroups(
  frames: AsyncIterable<{ rec: { t: string }; data?: Buffer }>,
  onClass: (c: ClassRec) => void,
): AsyncGenerator<ImageGroup> {
  const classIds = new Set<number>();
  const runs = new Map<number, RunRec>();
  let cur: ImageGroup | null = null;
  let index = 0;
  for await (const f of frames) {
    const rec = parseRecord(f.rec, ++index);
    if (rec.t === 'class') {
      if (cur) throw new LoupeError('bad_request', `The package's class record ${index} comes after the images.`);
      if (classIds.has(rec.id)) throw new LoupeError('bad_request', `The package names class ${rec.id} twice.`);
      classIds.add(rec.id);
      onClass(rec);
      continue;
    }
    if (rec.t === 'image') {
      if (cur) yield cur;
      const run = rec.run === null ? null : runs.get(rec.run);
      if (run === undefined) throw new LoupeError('bad_request', `The package's image record ${index} names run ${rec.run}, which no earlier record describes.`);
      cur = { image: rec, run, preds: [], boxes: [], rejects: [], edits: [] };
      continue;
    }
    if (rec.t === 'run') {
      runs.set(rec.id, rec);
      continue;
    }
    if (!cur || rec.image !== cur.image.id) throw new LoupeError('bad_request', `The package's ${rec.t} record ${index} is not after the record of its image ${rec.image}.`);
    if ((rec.t === 'pred' || rec.t === 'box') && !classIds.has(rec.classId)) {
      throw new LoupeError('bad_request', `The package's ${rec.t} record ${index} names class ${rec.classId}, which is not among the package's classes.`);
    }
    if (rec.t === 'pred') {
      if (rec.run !== cur.image.run) throw new LoupeError('bad_request', `The package's prediction record ${index} is of run ${rec.run}, not of its image's run ${cur.image.run}.`);
      cur.preds.push(rec);
    } else if (rec.t === 'box') cur.boxes.push(rec);
    else if (rec.t === 'reject') cur.rejects.push(rec);
    else if (rec.t === 'edit') cur.edits.push(rec);
    else cur.data = f.data;
  }
  if (cur) yield cur;
}
