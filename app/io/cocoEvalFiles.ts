import { LoupeError } from '../domain/errors.ts';
import type { EvalDt, EvalGt, EvalInput } from '../metrics/cocoEval.ts';
import { brief, isNum, isObj, readBbox } from './cocoGeometry.ts';
import { recordOf } from './cocoLabels.ts';
import { formatProblem, Problems } from './importLabels.ts';
import { readJson } from './importLabelsJson.ts';
import type { JsonKind, JsonStreamHandler } from './jsonStream.ts';
import fs from 'node:fs/promises';

/**
 * The two files of the usual pycocotools script, read into an evaluation input as
 * `COCO(gt)` and `coco.loadRes(dt)` read them: every image and category of the instances
 * file is evaluated (those without boxes too); a ground-truth box's area is its `area`
 * field (else w·h), crowd from `iscrowd`; a detection's area is w·h. A detection on an
 * image the instances file does not have is refused, as loadRes refuses it, but here
 * with the record named; so is one of a category the instances file does not list
 * (pycocotools would drop it without a word), and NaN or Infinity, which Python's json
 * writes for a non-finite number, is named with the record it is in.
 */
export async function readCocoEvalFiles(gtFile: string, dtFile: string, signal?: AbortSignal): Promise<EvalInput & { images: number; annotations: number }> {
  const problems = new Problems();
  const imageIds: number[] = [];
  const categoryIds: number[] = [];
  const gt: EvalGt[] = [];
  const seenImages = new Set<number>();
  const seenCategories = new Set<number>();
  let gtShape = true;
  const lists = new Set<string>();
  const gtAt = { list: '', index: -1 };
  const okGt = await readWhole(
    gtFile,
    {
      root: (kind) => (gtShape = kind === 'object'),
      member: (key) => {
        if (key === 'images' || key === 'annotations' || key === 'categories') {
          lists.add(key);
          gtAt.list = key;
          gtAt.index = -1;
          return 'records';
        }
        return 'skip';
      },
      value: (key) => {
        if (key === 'images' || key === 'annotations' || key === 'categories') problems.add({ file: gtFile, reason: `"${key}" must be a list` });
      },
      record: (key, i, v) => {
        gtAt.index = i;
        if (!isObj(v)) return bad(problems, gtFile, key, i, v, `expected an object, got ${brief(v)}`);
        if (key === 'images' || key === 'categories') {
          if (!Number.isInteger(v.id)) return bad(problems, gtFile, key, i, v, `needs an integer "id", got ${brief(v.id)}`);
          const seen = key === 'images' ? seenImages : seenCategories;
          if (seen.has(v.id as number)) return bad(problems, gtFile, key, i, v, `duplicate ${key === 'images' ? 'image' : 'category'} id ${v.id}`);
          seen.add(v.id as number);
          (key === 'images' ? imageIds : categoryIds).push(v.id as number);
          return;
        }
        const box = readBbox(v.bbox, { allowEmpty: true });
        if (typeof box === 'string') return bad(problems, gtFile, key, i, v, box);
        if (!Number.isInteger(v.image_id)) return bad(problems, gtFile, key, i, v, `needs an integer "image_id", got ${brief(v.image_id)}`);
        if (!Number.isInteger(v.category_id)) return bad(problems, gtFile, key, i, v, `needs an integer "category_id", got ${brief(v.category_id)}`);
        if (v.area !== undefined && (!isNum(v.area) || v.area < 0)) return bad(problems, gtFile, key, i, v, `"area" must be a number ≥ 0, got ${brief(v.area)}`);
        if (v.iscrowd !== undefined && v.iscrowd !== 0 && v.iscrowd !== 1 && typeof v.iscrowd !== 'boolean') return bad(problems, gtFile, key, i, v, `"iscrowd" must be 0 or 1, got ${brief(v.iscrowd)}`);
        gt.push({ imageId: v.image_id as number, categoryId: v.category_id as number, bbox: box, area: (v.area as number | undefined) ?? box[2] * box[3], iscrowd: v.iscrowd === 1 || v.iscrowd === true });
      },
    },
    problems,
    { signal },
  );
  if (!okGt && gtAt.list) nameNonFinite(problems, `${gtAt.list}[${gtAt.index + 1}]`, 'every bbox value and the area');
  if (okGt && !gtShape) problems.add({ file: gtFile, reason: 'expected a COCO instances object with "images", "annotations" and "categories"' });
  else if (okGt) for (const k of ['images', 'annotations', 'categories']) if (!lists.has(k)) problems.add({ file: gtFile, reason: `has no "${k}" list; is it a COCO instances file?` });
  for (const g of gt) {
    if (!seenImages.has(g.imageId)) problems.add({ file: gtFile, reason: `an annotation is on image ${g.imageId}, which "images" does not list` });
    else if (!seenCategories.has(g.categoryId)) problems.add({ file: gtFile, reason: `an annotation has category ${g.categoryId}, which "categories" does not list` });
    if (problems.total > 0) break;
  }
  fail(problems);

  const dt: EvalDt[] = [];
  let dtShape = true;
  let dtAt = -1;
  const okDt = await readWhole(
    dtFile,
    {
      root: (kind) => {
        dtShape = kind === 'array';
      },
      // The root array (key ''), one detection at a time.
      member: (key) => (key === '' ? 'records' : 'skip'),
      record: (_key, i, v) => {
        dtAt = i;
        if (!isObj(v)) return bad(problems, dtFile, 'results', i, v, `expected an object, got ${brief(v)}`);
        const box = readBbox(v.bbox, { allowEmpty: true });
        if (typeof box === 'string') return bad(problems, dtFile, 'results', i, v, box);
        if (!Number.isInteger(v.image_id)) return bad(problems, dtFile, 'results', i, v, `needs an integer "image_id", got ${brief(v.image_id)}`);
        if (!seenImages.has(v.image_id as number)) return bad(problems, dtFile, 'results', i, v, `image ${v.image_id} is not in ${gtFile}`);
        if (!Number.isInteger(v.category_id)) return bad(problems, dtFile, 'results', i, v, `needs an integer "category_id", got ${brief(v.category_id)}`);
        if (!seenCategories.has(v.category_id as number)) return bad(problems, dtFile, 'results', i, v, `category ${v.category_id} is not in the "categories" of ${gtFile}`);
        if (!isNum(v.score)) return bad(problems, dtFile, 'results', i, v, `needs a numeric "score", got ${brief(v.score)}`);
        dt.push({ imageId: v.image_id as number, categoryId: v.category_id as number, bbox: box, score: v.score });
      },
    },
    problems,
    { signal },
  );
  if (!okDt && dtShape) nameNonFinite(problems, `results[${dtAt + 1}]`, 'every bbox value and the score');
  if (okDt && !dtShape) problems.add({ file: dtFile, reason: 'expected a list of detections ([{"image_id", "category_id", "bbox", "score"}, …]), as COCO results files are' });
  fail(problems);
  return { imageIds, categoryIds, gt, dt, images: imageIds.length, annotations: gt.length };
}

/** A problem with record i of a list; its name is built only then (most records have none). */
function bad(problems: Problems, file: string, list: string, i: number, v: unknown, reason: string): void {
  problems.add({ file, record: recordOf(list, i, v), reason });
}

/** Files up to this size are read whole and parsed by JSON.parse; larger ones are streamed. */
const WHOLE_FILE_BYTES = 256 * 2 ** 20;

/**
 * readJson's contract (the same handler calls, the same problems), faster for the files
 * an evaluation usually gets: a file up to WHOLE_FILE_BYTES is parsed by JSON.parse (about
 * three times quicker than the streaming parser) and its values handed to `h` as the
 * streaming parser hands them. A file that is larger, unreadable or not JSON goes through
 * readJson, which streams it and reports where it stops being JSON.
 */
async function readWhole(file: string, h: JsonStreamHandler, problems: Problems, opts: { signal?: AbortSignal }): Promise<boolean> {
  let root: unknown;
  try {
    const st = await fs.stat(file);
    if (!st.isFile() || st.size > WHOLE_FILE_BYTES) return readJson(file, h, problems, opts);
    const text = await fs.readFile(file, 'utf8');
    root = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return readJson(file, h, problems, opts);
  }
  opts.signal?.throwIfAborted();
  h.root?.(kindOf(root));
  const hand = (key: string, v: unknown) => {
    const mode = h.member(key);
    if (mode === 'records' && Array.isArray(v)) v.forEach((r, i) => h.record?.(key, i, r));
    else if (mode !== 'skip') h.value?.(key, v);
  };
  if (Array.isArray(root)) hand('', root);
  else if (kindOf(root) === 'object') for (const [key, v] of Object.entries(root as Record<string, unknown>)) hand(key, v);
  return true;
}

function kindOf(v: unknown): JsonKind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonKind;
}

/**
 * When the text stopped being JSON at NaN or Infinity (Python's json.dump writes them for
 * non-finite numbers), say so and name the record it is in, instead of the parser's words.
 */
function nameNonFinite(problems: Problems, record: string, fields: string): void {
  const last = problems.list.length - 1;
  const p = problems.list[last];
  const token = p && /found "(-?Infinity|NaN)/.exec(p.reason)?.[1]; // after a minus sign the parser stops at Infinity
  if (!token) return;
  problems.list[last] = { ...p, reason: `${record} has ${token === 'NaN' ? 'NaN' : 'Infinity'}, which is not a number JSON allows (Python's json writes it for a non-finite value): ${fields} must be finite numbers` };
}

function fail(problems: Problems): void {
  if (problems.total === 0) return;
  // One line, as errors a person reads are: the first problem, and how many follow it.
  const more = problems.total - 1;
  throw new LoupeError('bad_request', formatProblem(problems.list[0]) + (more ? ` (and ${more} more ${more === 1 ? 'problem' : 'problems'})` : ''));
}
