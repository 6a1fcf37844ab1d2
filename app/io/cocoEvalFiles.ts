import { LoupeError } from '../domain/errors.ts';
import type { EvalDt, EvalGt, EvalInput } from '../metrics/cocoEval.ts';
import { brief, isNum, isObj, readBbox } from './cocoGeometry.ts';
import { recordOf } from './cocoLabels.ts';
import { formatProblem, Problems } from './importLabels.ts';
import { readJson } from './importLabelsJson.ts';

/**
 * The two files of the usual pycocotools script, read into an evaluation input as
 * `COCO(gt)` and `coco.loadRes(dt)` read them: every image and category of the instances
 * file is evaluated (those without boxes too); a ground-truth box's area is its `area`
 * field (else w·h), crowd from `iscrowd`; a detection's area is w·h. A detection on an
 * image the instances file does not have is refused, as loadRes refuses it, but here
 * with the record named.
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
  const okGt = await readJson(
    gtFile,
    {
      root: (kind) => (gtShape = kind === 'object'),
      member: (key) => {
        if (key === 'images' || key === 'annotations' || key === 'categories') {
          lists.add(key);
          return 'records';
        }
        return 'skip';
      },
      value: (key) => {
        if (key === 'images' || key === 'annotations' || key === 'categories') problems.add({ file: gtFile, reason: `"${key}" must be a list` });
      },
      record: (key, i, v) => {
        const where = { file: gtFile, record: recordOf(key, i, v) };
        if (!isObj(v)) return problems.add({ ...where, reason: `expected an object, got ${brief(v)}` });
        if (key === 'images' || key === 'categories') {
          if (!Number.isInteger(v.id)) return problems.add({ ...where, reason: `needs an integer "id", got ${brief(v.id)}` });
          const seen = key === 'images' ? seenImages : seenCategories;
          if (seen.has(v.id as number)) return problems.add({ ...where, reason: `duplicate ${key === 'images' ? 'image' : 'category'} id ${v.id}` });
          seen.add(v.id as number);
          (key === 'images' ? imageIds : categoryIds).push(v.id as number);
          return;
        }
        const box = readBbox(v.bbox, { allowEmpty: true });
        if (typeof box === 'string') return problems.add({ ...where, reason: box });
        if (!Number.isInteger(v.image_id)) return problems.add({ ...where, reason: `needs an integer "image_id", got ${brief(v.image_id)}` });
        if (!Number.isInteger(v.category_id)) return problems.add({ ...where, reason: `needs an integer "category_id", got ${brief(v.category_id)}` });
        if (v.area !== undefined && (!isNum(v.area) || v.area < 0)) return problems.add({ ...where, reason: `"area" must be a number ≥ 0, got ${brief(v.area)}` });
        if (v.iscrowd !== undefined && v.iscrowd !== 0 && v.iscrowd !== 1 && typeof v.iscrowd !== 'boolean') return problems.add({ ...where, reason: `"iscrowd" must be 0 or 1, got ${brief(v.iscrowd)}` });
        gt.push({ imageId: v.image_id as number, categoryId: v.category_id as number, bbox: box, area: (v.area as number | undefined) ?? box[2] * box[3], iscrowd: v.iscrowd === 1 || v.iscrowd === true });
      },
    },
    problems,
    { signal },
  );
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
  const okDt = await readJson(
    dtFile,
    {
      root: (kind) => {
        dtShape = kind === 'array';
      },
      // The root array (key ''), one detection at a time.
      member: (key) => (key === '' ? 'records' : 'skip'),
      record: (_key, i, v) => {
        const where = { file: dtFile, record: recordOf('results', i, v) };
        if (!isObj(v)) return problems.add({ ...where, reason: `expected an object, got ${brief(v)}` });
        const box = readBbox(v.bbox, { allowEmpty: true });
        if (typeof box === 'string') return problems.add({ ...where, reason: box });
        if (!Number.isInteger(v.image_id)) return problems.add({ ...where, reason: `needs an integer "image_id", got ${brief(v.image_id)}` });
        if (!seenImages.has(v.image_id as number)) return problems.add({ ...where, reason: `image ${v.image_id} is not in ${gtFile}` });
        if (!Number.isInteger(v.category_id)) return problems.add({ ...where, reason: `needs an integer "category_id", got ${brief(v.category_id)}` });
        if (!isNum(v.score)) return problems.add({ ...where, reason: `needs a numeric "score", got ${brief(v.score)}` });
        dt.push({ imageId: v.image_id as number, categoryId: v.category_id as number, bbox: box, score: v.score });
      },
    },
    problems,
    { signal },
  );
  if (okDt && !dtShape) problems.add({ file: dtFile, reason: 'expected a list of detections ([{"image_id", "category_id", "bbox", "score"}, …]), as COCO results files are' });
  fail(problems);
  return { imageIds, categoryIds, gt, dt, images: imageIds.length, annotations: gt.length };
}

function fail(problems: Problems): void {
  if (problems.total === 0) return;
  // One line, as errors a person reads are: the first problem, and how many follow it.
  const more = problems.total - 1;
  throw new LoupeError('bad_request', formatProblem(problems.list[0]) + (more ? ` (and ${more} more ${more === 1 ? 'problem' : 'problems'})` : ''));
}
