/**
 * What the label and prediction readers (YOLO, COCO, Ultralytics txt, COCO
 * results) hand to the import service: class names, images with their boxes,
 * and every problem found. Readers never touch the project's tables.
 */

/** One thing wrong with the input, located as precisely as the format allows. */
export interface Problem {
  file: string;
  /** 1-based line of a text file. */
  line?: number;
  /** Index or id of a JSON record, e.g. `annotations[3] (id 17)`. */
  record?: string;
  reason: string;
}

/** How many problems are kept in full; the rest are only counted. */
export const PROBLEM_CAP = 100;

/** Collects problems up to the cap, counting all of them. */
export class Problems {
  readonly list: Problem[] = [];
  total = 0;

  add(p: Problem): void {
    this.total++;
    if (this.list.length < PROBLEM_CAP) this.list.push(p);
  }
}

/** `file:line: reason`, as compilers print it. */
export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.record !== undefined ? `${p.file} ${p.record}` : p.file;
  return `${where}: ${p.reason}`;
}

/**
 * A box as read: `norm` is YOLO's normalised centre and size (cx, cy, w, h),
 * `px` is COCO's top-left corner and size in pixels. `cls` indexes the reader's class names.
 */
export interface RawBox {
  cls: number;
  coords: 'norm' | 'px';
  a: number;
  b: number;
  c: number;
  d: number;
  score: number | null;
  where: Omit<Problem, 'reason'>;
}

/**
 * An image the input has labels (or no labels) for. `file` is the image file
 * when found on disk, with the folder it is stored relative to; `name` is how
 * the input calls it, used to find an image already in the project.
 */
export interface LabelImage {
  /** Where the image's labels come from (label file, or JSON file and image record). */
  source: string;
  name: string;
  file?: { abs: string; root: string; rel: string };
  /** A Loupe image id the input names directly (COCO results without file names). */
  imageId?: number;
  /** Only project images whose file name without extension is this (Ultralytics txt predictions). */
  stem?: string;
  /** Size the input claims (COCO `width`/`height`), checked against the real image. */
  size?: { w: number; h: number };
  boxes: RawBox[];
}

/** Everything a reader found. */
export interface ReadLabels {
  /** Class names by the index RawBox.cls uses; all of them are created or reused, even those with no boxes. */
  classes: string[];
  images: LabelImage[];
  /** Label files or records whose image could not be found; their labels are skipped. */
  missing: string[];
  problems: Problems;
  /** Every input file read, for the hash that names an imported run. */
  files: string[];
}

/** A number written the way label files write them (no hex, no blanks, no Infinity). */
export function parseNumber(s: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}
