import crypto from 'node:crypto';
import path from 'node:path';
import { brief, isNum, isObj, readGeometry } from './cocoGeometry.ts';
import { locateAll, recordOf } from './cocoLabels.ts';
import { FileFinder } from './fileLookup.ts';
import { BoxTable, noNotes, Problems, type LabelImage, type ReadLabels } from './importLabels.ts';
import { readJson, type ReadProgress } from './importLabelsJson.ts';

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
  const out: ReadLabels = { classes: [], images: [], boxes: table, missing: [], problems, files: [file], notes: noNotes() };
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
  const images = new Map<string, number>();
  const nearResults: LabelImage[] = [];
  const nearImagesJson: LabelImage[] = [];
  const notes = out.notes;

  const entry = (i: number, r: unknown) => {
    const record = recordOf('', i, r).replace(/^\[/, 'entry [');
    const bad = (reason: string) => recProblems.add({ file, record, reason });
    if (!isObj(r)) return bad('not an object');
    const missingField = ['image_id', 'category_id'].find((k) => r[k] === undefined && !(k === 'image_id' && typeof r.file_name === 'string'));
    if (missingField) return bad(`missing field '${missingField}'`);
    const g = readGeometry(r.bbox, r.segmentation);
    if ('problem' in g && g.early) return bad(g.problem);
    if (r.score === undefined) return bad("missing field 'score'");
    if ('problem' in g) return bad(g.problem);
    if (!isNum(r.score) || r.score < 0 || r.score > 1) return bad(`score ${brief(r.score)} is not a number from 0 to 1`);
    let className: string | undefined;
    if (typeof r.category_name === 'string' && r.category_name.trim()) className = r.category_name;
    else if (!Number.isInteger(r.category_id)) return bad(`category_id ${brief(r.category_id)} is not a whole number`);
    else className = extra ? extra.categories.get(r.category_id as number) : opts.classById(r.category_id as number);
    if (className === undefined) {
      return bad(`unknown category_id ${r.category_id}${extra ? ` (not in ${path.basename(imagesJson!)})` : ' (no category_name, no --images-json, and no project class has this id)'}`);
    }
    let key: string;
    let fresh: () => LabelImage;
    let near: LabelImage[] | null = null;
    if (typeof r.file_name === 'string' && r.file_name) {
      const name = r.file_name;
      key = `name:${name}`;
      fresh = () => ({ source: `${file} ${record}`, name });
      near = nearResults;
    } else if (!Number.isInteger(r.image_id)) return bad(`image_id ${brief(r.image_id)} is not a whole number`);
    else if (extra) {
      const name = extra.images.get(r.image_id as number);
      if (name === undefined) return bad(`unknown image_id ${r.image_id} (not in ${path.basename(imagesJson!)})`);
      key = `name:${name}`;
      fresh = () => ({ source: `${file} ${record}`, name });
      near = nearImagesJson;
    } else {
      const id = r.image_id as number;
      key = `id:${id}`;
      fresh = () => ({ source: `${file} ${record}`, name: `image ${id}`, imageId: id });
    }
    let img = images.get(key);
    if (img === undefined) {
      const im = fresh();
      img = out.images.push(im) - 1;
      images.set(key, img);
      near?.push(im);
    }
    let cls = classIndex.get(className);
    if (cls === undefined) {
      cls = out.classes.push(className) - 1;
      classIndex.set(className, cls);
    }
    if (g.fromSegmentation) notes.boxesFromSegmentation++;
    if (g.segmentation) notes.segmentationsDropped++;
    const ref = typeof r.id === 'number' || typeof r.id === 'string' ? r.id : NaN;
    table.push(img, cls, g.box[0], g.box[1], g.box[2], g.box[3], r.score, src, i, ref);
  };

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
