import crypto from 'node:crypto';
import path from 'node:path';
import { brief, isNum, isObj, readGeometry, type Obj } from './cocoGeometry.ts';
import { locateAll, recordOf } from './cocoLabels.ts';
import { FileFinder } from './fileLookup.ts';
import { BoxTable, noNotes, Problems, type LabelImage, type ReadLabels, type ReadProgress } from './importLabels.ts';
import { readJson } from './importLabelsJson.ts';

/** Image file names and category names by id, from a COCO instances file (its annotations are only checked as JSON). */
async function readImagesJson(
  file: string,
  problems: Problems,
  progress?: ReadProgress,
  onChunk?: (chunk: Buffer) => void,
): Promise<{ images: Map<number, string>; categories: Map<number, string> }> {
  const images = new Map<number, string>();
  const categories = new Map<number, string>();
  const own = new Problems();
  let shape = true;
  let hasImages = false;
  const ok = await readJson(
    file,
    {
      root: (kind) => (shape = kind === 'object'),
      member: (key) => {
        if (key === 'images') hasImages = true;
        return key === 'images' || key === 'categories' ? 'records' : 'skip';
      },
      record: (key, i, v) => {
        if (key === 'categories') {
          if (isObj(v) && Number.isInteger(v.id) && typeof v.name === 'string') categories.set(v.id as number, v.name);
        } else if (!isObj(v) || !Number.isInteger(v.id) || typeof v.file_name !== 'string' || !v.file_name) {
          own.add({ file, record: recordOf('images', i, v), reason: 'needs an integer id and a file_name' });
        } else if (images.has(v.id as number)) own.add({ file, record: recordOf('images', i, v), reason: `duplicate image id ${v.id}` });
        else images.set(v.id as number, v.file_name);
      },
      value: (key) => key === 'images' && (shape = false),
    },
    problems,
    progress,
    onChunk,
  );
  if (!ok) return { images: new Map(), categories: new Map() };
  if (!shape || !hasImages) {
    problems.add({ file, reason: "expected a COCO instances object with an 'images' array" });
    return { images: new Map(), categories: new Map() };
  }
  problems.merge(own);
  return { images, categories };
}

/**
 * Read a COCO results file (a JSON array of {image_id, category_id, bbox,
 * score}), streamed. An entry's image is its `file_name` when given, else the
 * image of that id in `imagesJson`, else the Loupe image of that id. Its class
 * is its `category_name`, else the category of that id in `imagesJson`, else
 * the project class `classById` gives for the id. A missing bbox is taken from
 * polygon segmentations; segmentations are not kept.
 */
export async function readCocoResults(
  input: string,
  opts: { imagesJson?: string; classById: (id: number) => string | undefined; progress?: ReadProgress },
): Promise<ReadLabels> {
  const file = path.resolve(input);
  const imagesJson = opts.imagesJson ? path.resolve(opts.imagesJson) : undefined;
  const problems = new Problems();
  const table = new BoxTable('px');
  const out: ReadLabels = { classes: [], images: [], boxes: table, problems, files: [file], notes: noNotes() };
  if (imagesJson) out.files.push(imagesJson);
  // The run is named by a hash over its files in sorted order; it is taken while reading when that is the reading order.
  const hash = !imagesJson || [file, imagesJson].sort()[0] === imagesJson ? crypto.createHash('sha256') : null;
  const onChunk = hash ? (c: Buffer) => void hash.update(c) : undefined;

  const fileProblems = new Problems();
  const jsonProblems = new Problems();
  const recProblems = new Problems();
  const extra = imagesJson ? await readImagesJson(imagesJson, jsonProblems, opts.progress, onChunk) : null;
  const src = table.source({ file, list: 'entry ' });
  const classIndex = new Map<string, number>();
  const byName = new Map<string, number>();
  const byId = new Map<number, number>();
  const nearResults: LabelImage[] = [];
  const nearImagesJson: LabelImage[] = [];
  const notes = out.notes;

  const recordAt = (i: number, r: unknown) => recordOf('', i, r).replace(/^\[/, 'entry [');
  /** Why entry r cannot be imported, or null. Its class is left in `className`. */
  let className: string | undefined;
  const check = (r: unknown): string | null => {
    if (!isObj(r)) return 'not an object';
    if (r.image_id === undefined && typeof r.file_name !== 'string') return "missing field 'image_id'";
    if (r.category_id === undefined) return "missing field 'category_id'";
    return null;
  };
  // Called a million times: no closures inside, and the record's name is only made when needed.
  const entry = (i: number, r: unknown) => {
    const shape = check(r);
    if (shape !== null) return void recProblems.add({ file, record: recordAt(i, r), reason: shape });
    const e = r as Obj;
    const g = readGeometry(e.bbox, e.segmentation);
    let reason: string | null = null;
    if ('problem' in g && g.early) reason = g.problem;
    else if (e.score === undefined) reason = "missing field 'score'";
    else if ('problem' in g) reason = g.problem;
    else if (!isNum(e.score) || e.score < 0 || e.score > 1) reason = `score ${brief(e.score)} is not a number from 0 to 1`;
    else {
      className = undefined;
      if (typeof e.category_name === 'string' && e.category_name.trim()) className = e.category_name;
      else if (!Number.isInteger(e.category_id)) reason = `category_id ${brief(e.category_id)} is not a whole number`;
      else className = extra ? extra.categories.get(e.category_id as number) : opts.classById(e.category_id as number);
      if (reason === null && className === undefined) {
        reason = `unknown category_id ${e.category_id}${extra ? ` (not in ${path.basename(imagesJson!)})` : ' (no category_name, no --images-json, and no project class has this id)'}`;
      }
    }
    let img: number | undefined;
    if (reason === null) {
      if (typeof e.file_name === 'string' && e.file_name) {
        img = byName.get(e.file_name);
        if (img === undefined) img = addImage(byName, e.file_name, { source: `${file} ${recordAt(i, r)}`, name: e.file_name }, nearResults);
      } else if (!Number.isInteger(e.image_id)) reason = `image_id ${brief(e.image_id)} is not a whole number`;
      else if (extra) {
        const name = extra.images.get(e.image_id as number);
        if (name === undefined) reason = `unknown image_id ${e.image_id} (not in ${path.basename(imagesJson!)})`;
        else img = byName.get(name) ?? addImage(byName, name, { source: `${file} ${recordAt(i, r)}`, name }, nearImagesJson);
      } else {
        const id = e.image_id as number;
        img = byId.get(id) ?? addImage(byId, id, { source: `${file} ${recordAt(i, r)}`, name: `image ${id}`, imageId: id }, null);
      }
    }
    if (reason !== null || img === undefined || 'problem' in g) return void recProblems.add({ file, record: recordAt(i, r), reason: reason! });
    let cls = classIndex.get(className!);
    if (cls === undefined) {
      cls = out.classes.push(className!) - 1;
      classIndex.set(className!, cls);
    }
    if (g.fromSegmentation) notes.boxesFromSegmentation++;
    if (g.segmentation) notes.segmentationsDropped++;
    const ref = typeof e.id === 'number' || typeof e.id === 'string' ? e.id : NaN;
    table.push(img, cls, g.box[0], g.box[1], g.box[2], g.box[3], e.score as number, src, i, ref);
  };
  function addImage<K>(map: Map<K, number>, key: K, im: LabelImage, near: LabelImage[] | null): number {
    const img = out.images.push(im) - 1;
    map.set(key, img);
    near?.push(im);
    return img;
  }

  let isArray = true;
  const ok = await readJson(
    file,
    {
      root: (kind) => {
        if (kind === 'array') return;
        isArray = false;
        fileProblems.add({ file, reason: `expected a JSON array of results, found ${kind === 'object' ? 'an object (an instances file? use --annotations --format coco)' : kind === 'null' ? 'null' : `a ${kind}`}` });
      },
      member: (key) => (key === '' ? 'records' : 'skip'),
      record: (_key, i, v) => entry(i, v),
    },
    fileProblems,
    opts.progress,
    onChunk,
  );
  if (hash) out.hash = hash.digest('hex');
  problems.merge(fileProblems);
  problems.merge(jsonProblems);
  if (!ok || !isArray) {
    out.images = [];
    out.classes = [];
    out.boxes = new BoxTable('px');
    out.notes = noNotes();
    return out;
  }
  problems.merge(recProblems);
  const finder = new FileFinder();
  await locateAll(nearResults, path.dirname(file), finder, opts.progress?.signal);
  if (imagesJson) await locateAll(nearImagesJson, path.dirname(imagesJson), finder, opts.progress?.signal);
  return out;
}
