import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError } from '../domain/errors.ts';
import { brief, isNum, isObj, readGeometry, readSegmentation } from './cocoGeometry.ts';
import { FileFinder, forEachOrdered } from './fileLookup.ts';
import { BoxTable, noNotes, PROBLEM_CAP, Problems, type LabelImage, type ReadLabels, type ReadProgress } from './importLabels.ts';
import { readJson } from './importLabelsJson.ts';

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

/** Image lookups in flight at once. */
const LOOKUPS = 64;

/** A relative path of forward-slash-separated names, none of them empty, `.` or `..`, and no backslash. */
const PLAIN = /^(?!\.\.?(\/|$))[^/\\]+(\/(?!\.\.?(\/|$))[^/\\]+)*$/;

/** Where an image named in a COCO file is: beside the JSON, in images/ beside it, or the same one level up. */
export async function locate(jsonDir: string, name: string, finder = new FileFinder()): Promise<LabelImage['file']> {
  if (path.isAbsolute(name)) {
    return (await finder.isFile(name)) ? { abs: name, root: path.dirname(name), rel: path.basename(name) } : undefined;
  }
  const up = path.dirname(jsonDir);
  const roots = [jsonDir, path.join(jsonDir, 'images'), up, path.join(up, 'images')];
  // A plain relative name (the usual case) is joined as text: resolving a million paths costs more than the lookups.
  if (PLAIN.test(name)) {
    const rel = path.sep === '/' ? name : name.split('/').join(path.sep);
    for (const root of roots) {
      const abs = `${root}${path.sep}${rel}`;
      if (await finder.isFile(abs)) return { abs, root, rel: name };
    }
    return undefined;
  }
  for (const root of roots) {
    const abs = path.resolve(root, name);
    if (path.relative(root, abs).startsWith('..')) continue;
    if (await finder.isFile(abs)) return { abs, root, rel: path.relative(root, abs).split(path.sep).join('/') };
  }
  return undefined;
}

/** Find the files of `images` on disk, a bounded number at a time. */
export async function locateAll(images: LabelImage[], jsonDir: string, finder: FileFinder, signal?: AbortSignal): Promise<void> {
  await forEachOrdered(images, LOOKUPS, (im) => locate(jsonDir, im.name, finder), (file, im) => {
    if (file) im.file = file;
  }, signal);
}

/**
 * Read COCO instances files (one, or every one in a folder, such as one per
 * split): categories become classes, merged by name across files; images are
 * found on disk when they can be; bboxes stay in pixels. Crowd regions
 * (`iscrowd: 1`) are counted, not imported; segmentations are checked and
 * dropped, and give the box of an annotation without one.
 */
export async function readCoco(input: string, progress?: ReadProgress): Promise<ReadLabels> {
  const problems = new Problems();
  const out: ReadLabels = { classes: [], images: [], boxes: new BoxTable('px'), problems, files: [], notes: noNotes() };
  const files = await findJson(path.resolve(input));
  const finder = new FileFinder();
  const firsts: number[] = [];
  for (const file of files) {
    firsts.push(out.images.length);
    await readCocoFile(file, out, progress);
    out.files.push(file);
  }
  firsts.push(out.images.length);
  for (const [i, file] of files.entries()) {
    await locateAll(out.images.slice(firsts[i], firsts[i + 1]), path.dirname(file), finder, progress?.signal);
  }
  return out;
}

// Per-annotation flags, kept in the box table's tag byte while the file is read.
const EARLY = 1;
const BAD_IMAGE = 2;
const BAD_CATEGORY = 4;
const LATE = 8;
const CROWD = 16;
const FROM_SEGMENTATION = 32;
const SEGMENTATION = 64;

/**
 * Read one instances file into `out`, streamed: images, categories and
 * annotations may come in any order, so annotations are kept in the box table
 * with their raw image and category ids, and checked against the others once
 * the file is read. Problems are reported in the order a whole-file reader
 * would: categories, images, then annotations, each in file order.
 */
async function readCocoFile(file: string, out: ReadLabels, progress?: ReadProgress): Promise<void> {
  const fileProblems = new Problems();
  const catProblems = new Problems();
  const imgProblems = new Problems();
  const annProblems = new Problems();
  const table = out.boxes;
  const src = table.source({ file, list: 'annotations' });
  const firstBox = table.n;

  const catIndex = new Map<number, number>();
  const catNames: string[] = [];
  const byId = new Map<number, number>();
  const seen = new Set<string>();
  /** The message of an annotation that will be reported, for the first PROBLEM_CAP of them (later ones are only counted). */
  const texts = new Map<number, string>();
  let flagged = 0;
  /** Image (2k) and category (2k + 1) ids of annotation k that are not 32-bit integers. */
  const wide = new Map<number, number>();
  const imageOf = (k: number) => (wide.size ? (wide.get(k * 2) ?? table.img(k)) : table.img(k));
  const categoryOf = (k: number) => (wide.size ? (wide.get(k * 2 + 1) ?? table.cls(k)) : table.cls(k));

  const category = (i: number, c: unknown) => {
    const bad = (reason: string) => catProblems.add({ file, record: recordOf('categories', i, c), reason });
    if (!isObj(c)) return bad('not an object');
    if (c.id === undefined) return bad("missing field 'id'");
    if (!Number.isInteger(c.id)) return bad(`id ${brief(c.id)} is not a whole number`);
    if (typeof c.name !== 'string' || !c.name.trim()) return bad(c.name === undefined ? "missing field 'name'" : 'name must be a non-empty string');
    if (catIndex.has(c.id as number)) return bad(`duplicate category id ${c.id}`);
    if (catNames.includes(c.name)) return bad(`duplicate category name '${c.name}'`);
    catIndex.set(c.id as number, catNames.length);
    catNames.push(c.name);
  };

  const image = (i: number, im: unknown) => {
    const record = recordOf('images', i, im);
    const bad = (reason: string) => imgProblems.add({ file, record, reason });
    if (!isObj(im)) return bad('not an object');
    const missingField = ['id', 'file_name', 'width', 'height'].find((k) => im[k] === undefined);
    if (missingField) return bad(`missing field '${missingField}'`);
    if (!Number.isInteger(im.id)) return bad(`id ${brief(im.id)} is not a whole number`);
    if (byId.has(im.id as number)) return bad(`duplicate image id ${im.id}`);
    if (typeof im.file_name !== 'string' || !im.file_name) return bad('file_name must be a non-empty string');
    if (!isNum(im.width) || !isNum(im.height) || im.width <= 0 || im.height <= 0) return bad(`size ${brief(im.width)}×${brief(im.height)} is not positive`);
    byId.set(im.id as number, out.images.length);
    out.images.push({ source: `${file} ${record}`, name: im.file_name, size: { w: im.width, h: im.height } });
  };

  // Called a million times: no closures inside, the first reason found is kept in `text`.
  const annotation = (i: number, a: unknown) => {
    let flags = 0;
    let text: string | undefined;
    let x = 0;
    let y = 0;
    let w = 0;
    let h = 0;
    let imageRef = NaN;
    let catRef = NaN;
    let ref: number | string = NaN;
    if (!isObj(a)) {
      flags = EARLY;
      text = 'not an object';
    } else {
      if (typeof a.id === 'number' || typeof a.id === 'string') ref = a.id;
      const missingField = a.id === undefined ? 'id' : a.image_id === undefined ? 'image_id' : a.category_id === undefined ? 'category_id' : null;
      if (missingField) {
        flags = EARLY;
        text = `missing field '${missingField}'`;
      } else if (a.iscrowd !== undefined && a.iscrowd !== 0 && a.iscrowd !== 1) {
        flags = EARLY;
        text = `iscrowd must be 0 or 1, found ${brief(a.iscrowd)}`;
      } else if (a.iscrowd === 1) {
        flags = CROWD;
        if (a.segmentation !== undefined) {
          const seg = readSegmentation(a.segmentation);
          if (seg.kind === 'bad') {
            flags |= LATE;
            text = `segmentation ${seg.reason}`;
          }
        }
      } else {
        const g = readGeometry(a.bbox, a.segmentation);
        if ('problem' in g) {
          flags = g.early ? EARLY : LATE;
          text = g.problem;
        } else {
          [x, y, w, h] = g.box;
          if (g.fromSegmentation) flags |= FROM_SEGMENTATION;
          if (g.segmentation) flags |= SEGMENTATION;
        }
      }
      if (!(flags & EARLY)) {
        // The image and category are looked up once the whole file is read; a reference that is not a number can never match.
        if (typeof a.image_id === 'number') imageRef = a.image_id;
        else {
          flags |= BAD_IMAGE;
          text = `unknown image_id ${brief(a.image_id)}`;
        }
        if (typeof a.category_id === 'number') catRef = a.category_id;
        else {
          flags |= BAD_CATEGORY;
          if (!(flags & BAD_IMAGE)) text = `unknown category_id ${brief(a.category_id)}`;
        }
      }
    }
    const k = table.push(imageRef | 0, catRef | 0, x, y, w, h, NaN, src, i, ref);
    // The table holds 32-bit integers: other numbers wait beside it.
    if (imageRef !== (imageRef | 0) && !(flags & (EARLY | BAD_IMAGE))) wide.set(k * 2, imageRef);
    if (catRef !== (catRef | 0) && !(flags & (EARLY | BAD_CATEGORY))) wide.set(k * 2 + 1, catRef);
    if (flags) table.setTag(k, flags);
    // Each of these flags means the annotation is reported: only the first PROBLEM_CAP reports are kept whole.
    if (flags & (EARLY | BAD_IMAGE | BAD_CATEGORY | LATE) && flagged++ < PROBLEM_CAP) texts.set(k, text!);
  };

  let rootOk = true;
  const ok = await readJson(
    file,
    {
      root: (kind) => {
        if (kind !== 'object') {
          rootOk = false;
          fileProblems.add({ file, reason: `expected a COCO object with images, annotations and categories, found ${kind === 'array' ? 'an array (a results file? use --predictions --format coco-results)' : kind === 'null' ? 'null' : `a ${kind}`}` });
        }
      },
      member: (key) => {
        if (key !== 'images' && key !== 'annotations' && key !== 'categories') return 'skip';
        seen.add(key);
        return 'records';
      },
      record: (key, i, v) => (key === 'images' ? image(i, v) : key === 'annotations' ? annotation(i, v) : category(i, v)),
      value: (key) => fileProblems.add({ file, reason: `'${key}' must be an array` }),
    },
    fileProblems,
    progress,
  );
  if (!ok || !rootOk) {
    table.filter(() => false, firstBox);
    out.images.splice(out.images.length - byId.size);
    out.problems.merge(fileProblems);
    return;
  }
  for (const key of ['images', 'annotations', 'categories']) if (!seen.has(key)) fileProblems.add({ file, reason: `missing field '${key}'` });

  const remap = catNames.map((name) => {
    const at = out.classes.indexOf(name);
    return at >= 0 ? at : out.classes.push(name) - 1;
  });
  const dup = duplicateIds(table, firstBox);
  const notes = out.notes;
  const report = (k: number, reason: string | undefined) => annProblems.add({ ...table.where(k), reason: reason ?? texts.get(k) ?? 'a problem (not listed)' });
  table.filter((k) => {
    const flags = table.tag(k);
    if (flags === 0 || flags === SEGMENTATION) {
      // The common case first: nothing wrong so far.
      const img = byId.get(imageOf(k));
      const cls = catIndex.get(categoryOf(k));
      if (img !== undefined && cls !== undefined && !dup.has(k)) {
        if (flags) notes.segmentationsDropped++;
        table.setImg(k, img);
        table.setCls(k, remap[cls]);
        table.setTag(k, 0);
        return true;
      }
    }
    let reason: string | undefined;
    if (flags & EARLY) reason = texts.get(k);
    else if (dup.has(k)) reason = `duplicate annotation id ${JSON.stringify(table.ref(k))}`;
    else if (flags & BAD_IMAGE) reason = texts.get(k);
    else if (!byId.has(imageOf(k))) reason = `unknown image_id ${imageOf(k)}`;
    else if (flags & BAD_CATEGORY) reason = texts.get(k);
    else if (!catIndex.has(categoryOf(k))) reason = `unknown category_id ${categoryOf(k)}`;
    else if (flags & LATE) reason = texts.get(k);
    else if (flags & CROWD) {
      notes.crowdSkipped++;
      return false;
    } else {
      if (flags & FROM_SEGMENTATION) notes.boxesFromSegmentation++;
      if (flags & SEGMENTATION) notes.segmentationsDropped++;
      table.setImg(k, byId.get(imageOf(k))!);
      table.setCls(k, remap[catIndex.get(categoryOf(k))!]);
      table.setTag(k, 0);
      return true;
    }
    report(k, reason);
    return false;
  }, firstBox);

  for (const p of [fileProblems, catProblems, imgProblems, annProblems]) out.problems.merge(p);
}

/** Annotations (from `first` on, not flagged EARLY) whose id an earlier one has: found by sorting, since a Set of a million ids is large. */
function duplicateIds(table: BoxTable, first: number): Set<number> {
  const dups = new Set<number>();
  const nums: number[] = [];
  const texts = new Set<string>();
  const counted = (k: number) => !(table.tag(k) & EARLY);
  for (let k = first; k < table.n; k++) {
    if (!counted(k)) continue;
    const r = table.ref(k);
    if (typeof r === 'string') {
      if (texts.has(r)) dups.add(k);
      texts.add(r);
    }
  }
  const ids = new Float64Array(table.n - first);
  let m = 0;
  for (let k = first; k < table.n; k++) {
    const r = table.ref(k);
    if (typeof r === 'number' && counted(k)) ids[m++] = r;
  }
  const sorted = ids.subarray(0, m).sort();
  for (let j = 1; j < m; j++) if (sorted[j] === sorted[j - 1] && nums[nums.length - 1] !== sorted[j]) nums.push(sorted[j]);
  if (nums.length === 0) return dups;
  const repeated = new Set(nums);
  const met = new Set<number>();
  for (let k = first; k < table.n; k++) {
    const r = table.ref(k);
    if (typeof r !== 'number' || !repeated.has(r) || !counted(k)) continue;
    if (met.has(r)) dups.add(k);
    met.add(r);
  }
  return dups;
}
