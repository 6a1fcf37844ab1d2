/**
 * The geometry of a COCO annotation or result: its `bbox`, and its
 * `segmentation` (polygons, or run-length encoding for crowd regions). Loupe
 * keeps boxes only; a segmentation is checked, and gives the box when `bbox`
 * is missing and it is made of polygons.
 */

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A value as JSON for a message, cut short when long. */
export function brief(v: unknown, max = 60): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export type Bbox = [x: number, y: number, w: number, h: number];

/**
 * A COCO `bbox` [x, y, w, h] in pixels, or why it is not one. Boxes to store need an area;
 * with `allowEmpty` (evaluation files, as pycocotools reads them) a zero width or height is
 * taken, a negative one still refused.
 */
export function readBbox(v: unknown, opts: { allowEmpty?: boolean } = {}): Bbox | string {
  if (!Array.isArray(v) || v.length !== 4 || !v.every(isNum)) return `bbox must be 4 numbers [x, y, w, h], found ${brief(v)}`;
  if (opts.allowEmpty ? v[2] < 0 || v[3] < 0 : v[2] <= 0 || v[3] <= 0) return `bbox size ${v[2]}×${v[3]} is ${opts.allowEmpty ? 'negative' : 'not positive'}`;
  return v as Bbox;
}

/** What a `segmentation` holds. */
export type Segmentation =
  | { kind: 'none' }
  /** Polygons, with the box they span: the smallest and largest x and y of their points. */
  | { kind: 'polygons'; box: Bbox }
  | { kind: 'rle' }
  | { kind: 'bad'; reason: string };

const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/**
 * Read a `segmentation`: absent or [] is none; a list of polygons
 * [[x1, y1, x2, y2, …], …], each of at least 3 points; or run-length encoding
 * {size: [height, width], counts: string or list of counts}.
 */
export function readSegmentation(v: unknown): Segmentation {
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return { kind: 'none' };
  if (Array.isArray(v)) {
    if (v.every(isNum)) return { kind: 'bad', reason: `must be a list of polygons, each a list of numbers; found one flat list ${brief(v)}` };
    let x1 = Infinity;
    let y1 = Infinity;
    let x2 = -Infinity;
    let y2 = -Infinity;
    for (const [i, poly] of v.entries()) {
      if (!Array.isArray(poly) || !poly.every(isNum)) return { kind: 'bad', reason: `polygon ${i} must be a list of numbers [x1, y1, x2, y2, …], found ${brief(poly)}` };
      if (poly.length < 6 || poly.length % 2 !== 0) {
        return { kind: 'bad', reason: `polygon ${i} has ${poly.length} numbers: a polygon is x, y pairs of at least 3 points` };
      }
      for (let k = 0; k < poly.length; k += 2) {
        const x = poly[k] as number;
        const y = poly[k + 1] as number;
        if (x < x1) x1 = x;
        if (x > x2) x2 = x;
        if (y < y1) y1 = y;
        if (y > y2) y2 = y;
      }
    }
    return { kind: 'polygons', box: [x1, y1, x2 - x1, y2 - y1] };
  }
  if (isObj(v)) {
    const { size, counts } = v;
    if (!Array.isArray(size) || size.length !== 2 || !size.every(isCount)) return { kind: 'bad', reason: `RLE size must be [height, width], found ${brief(size)}` };
    if (typeof counts !== 'string' && !(Array.isArray(counts) && counts.every(isCount))) {
      return { kind: 'bad', reason: `RLE counts must be a string or a list of whole numbers, found ${brief(counts)}` };
    }
    return { kind: 'rle' };
  }
  return { kind: 'bad', reason: `must be a list of polygons or {size, counts}, found ${brief(v)}` };
}

/** An annotation's or result's box, from `bbox` or else from polygon `segmentation`, with what became of the segmentation. */
export type Geometry =
  | { box: Bbox; fromSegmentation: boolean; segmentation: boolean }
  /** `early`: the problem a missing field is (reported before lookups); otherwise a problem with a present field. */
  | { problem: string; early: boolean };

export function readGeometry(bbox: unknown, segmentation: unknown): Geometry {
  const seg = readSegmentation(segmentation);
  if (bbox === undefined) {
    if (seg.kind === 'polygons') {
      const [, , w, h] = seg.box;
      if (w <= 0 || h <= 0) return { problem: `no bbox, and the segmentation polygons span ${w}×${h}, not an area`, early: false };
      return { box: seg.box, fromSegmentation: true, segmentation: true };
    }
    const why = seg.kind === 'rle' ? ' (a box is not taken from an RLE segmentation)' : seg.kind === 'bad' ? `, and segmentation ${seg.reason}` : '';
    return { problem: `missing field 'bbox'${why}`, early: true };
  }
  const box = readBbox(bbox);
  if (typeof box === 'string') return { problem: box, early: false };
  if (seg.kind === 'bad') return { problem: `segmentation ${seg.reason}`, early: false };
  return { box, fromSegmentation: false, segmentation: seg.kind !== 'none' };
}
