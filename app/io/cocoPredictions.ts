import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { locate, recordOf } from './cocoLabels.ts';
import { Problems, type LabelImage, type ReadLabels } from './importLabels.ts';
import { parseJsonFile } from './importLabelsJson.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new LoupeError((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not_found' : 'io', `Cannot read ${file}: ${messageOf(err)}`);
  }
}

/** Image file names and category names by id, from a COCO instances file. */
async function readImagesJson(file: string, problems: Problems): Promise<{ images: Map<number, string>; categories: Map<number, string> }> {
  const images = new Map<number, string>();
  const categories = new Map<number, string>();
  const doc = parseJsonFile(await readText(file), file, problems);
  if (doc === undefined) return { images, categories };
  if (!isObj(doc) || !Array.isArray(doc.images)) {
    problems.add({ file, reason: "expected a COCO instances object with an 'images' array" });
    return { images, categories };
  }
  doc.images.forEach((im, i) => {
    if (!isObj(im) || !Number.isInteger(im.id) || typeof im.file_name !== 'string' || !im.file_name) {
      problems.add({ file, record: recordOf('images', i, im), reason: 'needs an integer id and a file_name' });
    } else if (images.has(im.id as number)) problems.add({ file, record: recordOf('images', i, im), reason: `duplicate image id ${im.id}` });
    else images.set(im.id as number, im.file_name);
  });
  if (Array.isArray(doc.categories)) {
    for (const c of doc.categories) if (isObj(c) && Number.isInteger(c.id) && typeof c.name === 'string') categories.set(c.id as number, c.name);
  }
  return { images, categories };
}

/**
 * Read a COCO results file (a JSON array of {image_id, category_id, bbox,
 * score}). An entry's image is its `file_name` when given, else the image of
 * that id in `imagesJson`, else the Loupe image of that id. Its class is its
 * `category_name`, else the category of that id in `imagesJson`, else the
 * project class `classById` gives for the id.
 */
export async function readCocoResults(
  input: string,
  opts: { imagesJson?: string; classById: (id: number) => string | undefined; signal?: AbortSignal },
): Promise<ReadLabels> {
  const file = path.resolve(input);
  const problems = new Problems();
  const out: ReadLabels = { classes: [], images: [], missing: [], problems, files: [file] };
  const doc = parseJsonFile(await readText(file), file, problems);
  const extra = opts.imagesJson ? await readImagesJson(path.resolve(opts.imagesJson), problems) : null;
  if (opts.imagesJson) out.files.push(path.resolve(opts.imagesJson));
  if (doc === undefined) return out;
  if (!Array.isArray(doc)) {
    problems.add({ file, reason: `expected a JSON array of results, found ${isObj(doc) ? 'an object (an instances file? use --annotations --format coco)' : typeof doc}` });
    return out;
  }
  const classIndex = new Map<string, number>();
  const images = new Map<string, LabelImage>();
  const jsonDir = path.dirname(file);
  for (const [i, r] of doc.entries()) {
    if (opts.signal?.aborted) throw new LoupeError('cancelled', 'Import cancelled; nothing was written.');
    const record = recordOf('', i, r).replace(/^\[/, 'entry [');
    const bad = (reason: string) => problems.add({ file, record, reason });
    if (!isObj(r)) {
      bad('not an object');
      continue;
    }
    const missingField = ['image_id', 'category_id', 'bbox', 'score'].find((k) => r[k] === undefined && !(k === 'image_id' && typeof r.file_name === 'string'));
    if (missingField) {
      bad(`missing field '${missingField}'`);
      continue;
    }
    const bb = r.bbox;
    if (!Array.isArray(bb) || bb.length !== 4 || !bb.every(isNum)) {
      bad(`bbox must be 4 numbers [x, y, w, h], found ${JSON.stringify(bb)}`);
      continue;
    }
    if (bb[2] <= 0 || bb[3] <= 0) {
      bad(`bbox size ${bb[2]}×${bb[3]} is not positive`);
      continue;
    }
    if (!isNum(r.score) || r.score < 0 || r.score > 1) {
      bad(`score ${JSON.stringify(r.score)} is not a number from 0 to 1`);
      continue;
    }
    let className: string | undefined;
    if (typeof r.category_name === 'string' && r.category_name.trim()) className = r.category_name;
    else if (!Number.isInteger(r.category_id)) {
      bad(`category_id ${JSON.stringify(r.category_id)} is not a whole number`);
      continue;
    } else className = extra ? extra.categories.get(r.category_id as number) : opts.classById(r.category_id as number);
    if (className === undefined) {
      bad(`unknown category_id ${r.category_id}${extra ? ` (not in ${path.basename(opts.imagesJson!)})` : ' (no category_name, no --images-json, and no project class has this id)'}`);
      continue;
    }
    let key: string;
    let entry: LabelImage | undefined;
    if (typeof r.file_name === 'string' && r.file_name) {
      key = `name:${r.file_name}`;
      entry = images.get(key) ?? { source: `${file} ${record}`, name: r.file_name, file: await locate(jsonDir, r.file_name), boxes: [] };
    } else if (!Number.isInteger(r.image_id)) {
      bad(`image_id ${JSON.stringify(r.image_id)} is not a whole number`);
      continue;
    } else if (extra) {
      const name = extra.images.get(r.image_id as number);
      if (name === undefined) {
        bad(`unknown image_id ${r.image_id} (not in ${path.basename(opts.imagesJson!)})`);
        continue;
      }
      key = `name:${name}`;
      entry = images.get(key) ?? { source: `${file} ${record}`, name, file: await locate(path.dirname(path.resolve(opts.imagesJson!)), name), boxes: [] };
    } else {
      key = `id:${r.image_id}`;
      entry = images.get(key) ?? { source: `${file} ${record}`, name: `image ${r.image_id}`, imageId: r.image_id as number, boxes: [] };
    }
    images.set(key, entry);
    let cls = classIndex.get(className);
    if (cls === undefined) {
      cls = out.classes.length;
      classIndex.set(className, cls);
      out.classes.push(className);
    }
    entry.boxes.push({ cls, coords: 'px', a: bb[0], b: bb[1], c: bb[2], d: bb[3], score: r.score, where: { file, record } });
  }
  out.images = [...images.values()];
  return out;
}
