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

  /** Add another collection's problems after these, as if they had been added here. */
  merge(other: Problems): void {
    for (const p of other.list) this.add(p);
    this.total += other.total - other.list.length;
  }
}

/** `file:line: reason`, as compilers print it. */
export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.record !== undefined ? `${p.file} ${p.record}` : p.file;
  return `${where}: ${p.reason}`;
}

/** Where a box was read, for a problem about it. */
export type BoxWhere = Omit<Problem, 'reason'>;

/**
 * Where boxes come from: a text file (a box's `at` is its line), or a list of
 * JSON records (`at` is the index in `list`, shown as `annotations[3] (id 17)`).
 */
export interface BoxSource {
  file: string;
  list?: string;
}

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** Column numbers in BoxTable. */
const A = 0;
const B = 1;
const C = 2;
const D = 3;
const SCORE = 4;
const REF = 5;
const IMG = 0;
const CLS = 1;
const SRC = 2;
const AT = 3;

/**
 * Boxes as read, in columns of typed arrays grown a chunk at a time: a million
 * boxes as objects would take hundreds of megabytes, as columns 50 to 60.
 * `coords` says what a, b, c, d are: YOLO's normalised centre and size
 * (cx, cy, w, h) or COCO's top-left corner and size in pixels. `img` indexes
 * the reader's images and `cls` its class names (COCO readers keep the raw ids
 * there until the whole file is read). Scores and record ids take memory only
 * in the chunks that have some; NaN means none.
 */
export class BoxTable {
  n = 0;
  readonly sources: BoxSource[] = [];
  private readonly f64: (Float64Array | null)[][] = [[], [], [], [], [], []];
  private readonly i32: Int32Array[][] = [[], [], [], []];
  private readonly u8: Uint8Array[] = [];
  /** Record ids that are not numbers (rare), by box. */
  private readonly textRefs = new Map<number, string>();

  constructor(readonly coords: 'norm' | 'px') {}

  /** Add a source of boxes; returns the index boxes refer to it by. */
  source(s: BoxSource): number {
    return this.sources.push(s) - 1;
  }

  /** Append a box; `img` and `cls` must be 32-bit integers; `ref` is its record's id (NaN when it has none). */
  push(img: number, cls: number, a: number, b: number, c: number, d: number, score: number, src: number, at: number, ref: number | string = NaN): number {
    const k = this.n++;
    const j = k & MASK;
    const f = this.f64;
    const q = k >>> CHUNK_BITS;
    if (j === 0) {
      for (let col = A; col <= D; col++) f[col].push(new Float64Array(CHUNK));
      f[SCORE].push(null);
      f[REF].push(null);
      for (const col of this.i32) col.push(new Int32Array(CHUNK));
      this.u8.push(new Uint8Array(CHUNK));
    }
    f[A][q]![j] = a;
    f[B][q]![j] = b;
    f[C][q]![j] = c;
    f[D][q]![j] = d;
    // A chunk kept by filter() may hold an old value here: write NaN over it too.
    if (score === score || f[SCORE][q]) this.put(SCORE, k, score);
    const num = typeof ref === 'number' ? ref : NaN;
    if (typeof ref === 'string') this.textRefs.set(k, ref);
    if (num === num || f[REF][q]) this.put(REF, k, num);
    const i = this.i32;
    i[IMG][q][j] = img;
    i[CLS][q][j] = cls;
    i[SRC][q][j] = src;
    i[AT][q][j] = at;
    return k;
  }

  /** Set a value in a column whose chunks are made on first use (filled with NaN). */
  private put(col: number, k: number, v: number): void {
    const chunks = this.f64[col];
    const q = k >>> CHUNK_BITS;
    let chunk = chunks[q];
    if (!chunk) chunks[q] = chunk = new Float64Array(CHUNK).fill(NaN);
    chunk[k & MASK] = v;
  }

  private get(col: number, k: number): number {
    const chunk = this.f64[col][k >>> CHUNK_BITS];
    return chunk ? chunk[k & MASK] : NaN;
  }
  img(k: number): number {
    return this.i32[IMG][k >>> CHUNK_BITS][k & MASK];
  }
  cls(k: number): number {
    return this.i32[CLS][k >>> CHUNK_BITS][k & MASK];
  }
  a(k: number): number {
    return this.f64[A][k >>> CHUNK_BITS]![k & MASK];
  }
  b(k: number): number {
    return this.f64[B][k >>> CHUNK_BITS]![k & MASK];
  }
  c(k: number): number {
    return this.f64[C][k >>> CHUNK_BITS]![k & MASK];
  }
  d(k: number): number {
    return this.f64[D][k >>> CHUNK_BITS]![k & MASK];
  }
  /** The box's score, or null. */
  score(k: number): number | null {
    const s = this.get(SCORE, k);
    return s === s ? s : null;
  }
  /** The id of the record the box came from, if it had one. */
  ref(k: number): number | string | undefined {
    const r = this.get(REF, k);
    return r === r ? r : this.textRefs.get(k);
  }
  /** A byte a reader may keep per box while reading (flags); 0 until set. */
  tag(k: number): number {
    return this.u8[k >>> CHUNK_BITS][k & MASK];
  }
  setTag(k: number, v: number): void {
    this.u8[k >>> CHUNK_BITS][k & MASK] = v;
  }
  setImg(k: number, img: number): void {
    this.i32[IMG][k >>> CHUNK_BITS][k & MASK] = img;
  }
  setCls(k: number, cls: number): void {
    this.i32[CLS][k >>> CHUNK_BITS][k & MASK] = cls;
  }
  /** Replace a box's coordinates (the service turns them into pixels in place). */
  setCoords(k: number, a: number, b: number, c: number, d: number): void {
    const q = k >>> CHUNK_BITS;
    const j = k & MASK;
    const f = this.f64;
    f[A][q]![j] = a;
    f[B][q]![j] = b;
    f[C][q]![j] = c;
    f[D][q]![j] = d;
  }

  /** Keep only the boxes from `from` on that `keep` says yes to, in order; returns how many were dropped. */
  filter(keep: (k: number) => boolean, from = 0): number {
    let j = from;
    const moved = new Map<number, string>();
    for (let k = from; k < this.n; k++) {
      if (!keep(k)) continue;
      if (j !== k) {
        const qs = k >>> CHUNK_BITS;
        const js = k & MASK;
        const qd = j >>> CHUNK_BITS;
        const jd = j & MASK;
        for (let col = A; col <= D; col++) this.f64[col][qd]![jd] = this.f64[col][qs]![js];
        for (const col of [SCORE, REF]) {
          const v = this.get(col, k);
          if (v === v || this.f64[col][qd]) this.put(col, j, v);
        }
        for (const col of this.i32) col[qd][jd] = col[qs][js];
        this.u8[qd][jd] = this.u8[qs][js];
      }
      const t = this.textRefs.get(k);
      if (t !== undefined) moved.set(j, t);
      j++;
    }
    const dropped = this.n - j;
    this.n = j;
    for (const k of [...this.textRefs.keys()]) if (k >= from) this.textRefs.delete(k);
    for (const [k, t] of moved) this.textRefs.set(k, t);
    const chunks = Math.ceil(j / CHUNK);
    for (const col of this.f64) col.length = chunks;
    for (const col of this.i32) col.length = chunks;
    this.u8.length = chunks;
    return dropped;
  }

  /** Where box k was read: file and line, or file and record. */
  where(k: number): BoxWhere {
    const q = k >>> CHUNK_BITS;
    const j = k & MASK;
    const src = this.sources[this.i32[SRC][q][j]];
    const at = this.i32[AT][q][j];
    if (src.list === undefined) return { file: src.file, line: at };
    const ref = this.ref(k);
    return { file: src.file, record: `${src.list}[${at}]${ref === undefined ? '' : ` (id ${ref})`}` };
  }

  /** Box indices grouped by image (read order within each): image i's boxes are order[start[i]] … order[start[i + 1] - 1]. */
  byImage(images: number): { start: Int32Array; order: Int32Array } {
    const start = new Int32Array(images + 1);
    for (let k = 0; k < this.n; k++) start[this.img(k) + 1]++;
    for (let i = 0; i < images; i++) start[i + 1] += start[i];
    const next = start.slice(0, images);
    const order = new Int32Array(this.n);
    for (let k = 0; k < this.n; k++) order[next[this.img(k)]++] = k;
    return { start, order };
  }
}

/**
 * An image the input has labels (or no labels) for; its boxes are those of
 * the reader's BoxTable that name its index. `file` is the image file when
 * found on disk, with the folder it is stored relative to; `name` is how the
 * input calls it, used to find an image already in the project.
 */
export interface LabelImage {
  /** Where the image's labels come from (label file, or JSON file and image record). */
  source: string;
  name: string;
  file?: { abs: string; root: string; rel: string };
  /** A Loupe image id the input names directly (COCO results without file names). */
  imageId?: number;
  /**
   * The image's path without its extension, when the input does not say the
   * extension (Ultralytics txt predictions, YOLO label files without their
   * image): matched against project paths without theirs.
   */
  stem?: string;
  /** Size the input claims (COCO `width`/`height`), checked against the real image. */
  size?: { w: number; h: number };
  /**
   * A label file whose image is not beside it: when the project has no image
   * by its name it is listed as missing (never a problem), and its own
   * `problems` count only when it has.
   */
  orphan?: boolean;
  problems?: Problems;
}

/** What a COCO reader leaves out of the boxes, for the summary. */
export interface CocoNotes {
  /** `iscrowd: 1` annotations: regions of many objects, not object instances; not imported. */
  crowdSkipped: number;
  /** Annotations whose segmentation was not kept (Loupe stores boxes only). */
  segmentationsDropped: number;
  /** Boxes taken from a polygon segmentation's extent, for annotations without a bbox. */
  boxesFromSegmentation: number;
}

/** How a reader reports its progress and hears a cancel (a job's context fits). */
export interface ReadProgress {
  signal?: AbortSignal;
  progress?(done: number, total: number, message?: string): void;
}

/** Everything a reader found. */
export interface ReadLabels {
  /** Class names by the index BoxTable.cls uses; all of them are created or reused, even those with no boxes. */
  classes: string[];
  images: LabelImage[];
  boxes: BoxTable;
  problems: Problems;
  /** Every input file read, for the hash that names an imported run. */
  files: string[];
  /** sha256 over `files` in sorted order, when the reader could take it while reading. */
  hash?: string;
  notes: CocoNotes;
}

/** Notes of a reader that drops nothing. */
export const noNotes = (): CocoNotes => ({ crowdSkipped: 0, segmentationsDropped: 0, boxesFromSegmentation: 0 });

/** A number written the way label files write them (no hex, no blanks, no Infinity). */
export function parseNumber(s: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}
