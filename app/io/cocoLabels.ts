import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { Problems, type LabelImage, type ReadLabels } from './importLabels.ts';
import { parseJsonFile } from './importLabelsJson.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A JSON record's place in a problem report: `annotations[3] (id 17)`. */
export function recordOf(list: string, i: number, rec: unknown): string {
  const id = isObj(rec) && (typeof rec.id === 'number' || typeof rec.id === 'string') ? ` (id ${rec.id})` : '';
  return `${list}[${i}]${id}`;
}

/** The COCO files an import reads: the file itself, or every .json in a folder (or its annotations/), e.g. one per split. */
async function findJson(input: string): Promise<string[]> {
  const st = await fs.stat(input).catch(() => null);
  if (!st) throw new LoupeError('not_found', `COCO file not found: ${input}`);
  if (!st.isDirectory()) return [input];
  const found: string[] = [];
  for (const dir of [input, path.join(input, 'annotations')]) {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    for (const n of names.sort()) if (n.endsWith('.json') && !n.startsWith('.')) found.push(path.join(dir, n));
  }
  if (found.length === 0) throw new LoupeError('bad_request', `${input} has no COCO .json file (looked in it and in annotations/).`);
  return found;
}

/** Where an image named in a COCO file is: beside the JSON, in images/ beside it, or the same one level up. */
export async function locate(jsonDir: string, name: string): Promise<LabelImage['file']> {
  if (path.isAbsolute(name)) {
    const st = await fs.stat(name).catch(() => null);
    return st?.isFile() ? { abs: name, root: path.dirname(name), rel: path.basename(name) } : undefined;
  }
  const up = path.dirname(jsonDir);
  for (const root of [jsonDir, path.join(jsonDir, 'images'), up, path.join(up, 'images')]) {
    const abs = path.resolve(root, name);
    if (path.relative(root, abs).startsWith('..')) continue;
    const st = await fs.stat(abs).catch(() => null);
    if (st?.isFile()) return { abs, root, rel: path.relative(root, abs).split(path.sep).join('/') };
  }
  return undefined;
}

/**
 * Read COCO instances files (one, or every one in a folder, such as one per
 * split): categories become classes, merged by name across files; images are
 * found on disk when they can be; bboxes stay in pixels.
 */
export async function readCoco(input: string, signal?: AbortSignal): Promise<ReadLabels> {
  const problems = new Problems();
  const out: ReadLabels = { classes: [], images: [], missing: [], problems, files: [] };
  for (const file of await findJson(path.resolve(input))) {
    const one = await readCocoFile(file, problems, signal);
    const remap = one.classes.map((name) => {
      const at = out.classes.indexOf(name);
      return at >= 0 ? at : out.classes.push(name) - 1;
    });
    for (const im of one.images) for (const b of im.boxes) b.cls = remap[b.cls];
    out.images.push(...one.images);
    out.files.push(file);
  }
  return out;
}

async function readCocoFile(file: string, problems: Problems, signal?: AbortSignal): Promise<ReadLabels> {
  const out: ReadLabels = { classes: [], images: [], missing: [], problems, files: [file] };
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new LoupeError('io', `Cannot read ${file}: ${messageOf(err)}`);
  }
  const doc = parseJsonFile(text, file, problems);
  if (doc === undefined) return out;
  if (!isObj(doc)) {
    problems.add({ file, reason: `expected a COCO object with images, annotations and categories, found ${Array.isArray(doc) ? 'an array (a results file? use --predictions --format coco-results)' : typeof doc}` });
    return out;
  }
  const lists: Record<string, unknown[]> = {};
  for (const key of ['images', 'annotations', 'categories']) {
    const v = doc[key];
    if (Array.isArray(v)) lists[key] = v;
    else {
      problems.add({ file, reason: v === undefined ? `missing field '${key}'` : `'${key}' must be an array` });
      lists[key] = [];
    }
  }

  const catIndex = new Map<number, number>();
  const catNames = new Set<string>();
  lists.categories.forEach((c, i) => {
    const bad = (reason: string) => problems.add({ file, record: recordOf('categories', i, c), reason });
    if (!isObj(c)) return bad('not an object');
    if (c.id === undefined) return bad("missing field 'id'");
    if (!Number.isInteger(c.id)) return bad(`id ${JSON.stringify(c.id)} is not a whole number`);
    if (typeof c.name !== 'string' || !c.name.trim()) return bad(c.name === undefined ? "missing field 'name'" : 'name must be a non-empty string');
    if (catIndex.has(c.id as number)) return bad(`duplicate category id ${c.id}`);
    if (catNames.has(c.name)) return bad(`duplicate category name '${c.name}'`);
    catIndex.set(c.id as number, out.classes.length);
    catNames.add(c.name);
    out.classes.push(c.name);
  });

  const byId = new Map<number, LabelImage>();
  const jsonDir = path.dirname(file);
  for (const [i, im] of lists.images.entries()) {
    if (signal?.aborted) throw new LoupeError('cancelled', 'Import cancelled; nothing was written.');
    const record = recordOf('images', i, im);
    const bad = (reason: string) => problems.add({ file, record, reason });
    if (!isObj(im)) {
      bad('not an object');
      continue;
    }
    const missingField = ['id', 'file_name', 'width', 'height'].find((k) => im[k] === undefined);
    if (missingField) {
      bad(`missing field '${missingField}'`);
      continue;
    }
    if (!Number.isInteger(im.id)) bad(`id ${JSON.stringify(im.id)} is not a whole number`);
    else if (byId.has(im.id as number)) bad(`duplicate image id ${im.id}`);
    else if (typeof im.file_name !== 'string' || !im.file_name) bad('file_name must be a non-empty string');
    else if (!isNum(im.width) || !isNum(im.height) || im.width <= 0 || im.height <= 0) bad(`size ${JSON.stringify(im.width)}×${JSON.stringify(im.height)} is not positive`);
    else {
      const name = im.file_name;
      const entry: LabelImage = { source: `${file} ${record}`, name, file: await locate(jsonDir, name), size: { w: im.width, h: im.height }, boxes: [] };
      byId.set(im.id as number, entry);
      out.images.push(entry);
    }
  }

  const annIds = new Set<unknown>();
  lists.annotations.forEach((a, i) => {
    const record = recordOf('annotations', i, a);
    const bad = (reason: string) => problems.add({ file, record, reason });
    if (!isObj(a)) return bad('not an object');
    const missingField = ['id', 'image_id', 'category_id', 'bbox'].find((k) => a[k] === undefined);
    if (missingField) return bad(`missing field '${missingField}'`);
    if (annIds.has(a.id)) return bad(`duplicate annotation id ${JSON.stringify(a.id)}`);
    annIds.add(a.id);
    const img = typeof a.image_id === 'number' ? byId.get(a.image_id) : undefined;
    if (!img) return bad(`unknown image_id ${JSON.stringify(a.image_id)}`);
    const cls = typeof a.category_id === 'number' ? catIndex.get(a.category_id) : undefined;
    if (cls === undefined) return bad(`unknown category_id ${JSON.stringify(a.category_id)}`);
    const bb = a.bbox;
    if (!Array.isArray(bb) || bb.length !== 4 || !bb.every(isNum)) return bad(`bbox must be 4 numbers [x, y, w, h], found ${JSON.stringify(bb)}`);
    if (bb[2] <= 0 || bb[3] <= 0) return bad(`bbox size ${bb[2]}×${bb[3]} is not positive`);
    img.boxes.push({ cls, coords: 'px', a: bb[0], b: bb[1], c: bb[2], d: bb[3], score: null, where: { file, record } });
  });
  return out;
}
