import type { Db } from '../store/openDatabase.ts';
import type { DatasetBox } from './exportDataset.ts';

/** Rows of the boxes table read per query; the export yields to other requests between them. */
const SCAN_ROWS = 50_000;
/** Boxes held in memory at once (about 48 bytes each); more boxes are read in several passes. */
const WINDOW_BOXES = 2_000_000;

type Row = [id: number, imageId: number, annotatorId: number, runId: number | null, classId: number, x: number, y: number, w: number, h: number];

/** Parallel arrays that grow by doubling. */
class Columns {
  count = 0;
  image = new Int32Array(0);
  cls = new Float64Array(0);
  id = new Float64Array(0);
  x = new Float64Array(0);
  y = new Float64Array(0);
  w = new Float64Array(0);
  h = new Float64Array(0);

  constructor(readonly full: boolean) {}

  add(i: number, r: Row): void {
    if (this.count === this.image.length) this.grow(Math.max(1024, this.count * 2));
    const k = this.count++;
    this.image[k] = i;
    this.cls[k] = r[4];
    if (!this.full) return;
    this.id[k] = r[0];
    this.x[k] = r[5];
    this.y[k] = r[6];
    this.w[k] = r[7];
    this.h[k] = r[8];
  }

  private grow(size: number): void {
    const more = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a.subarray(0, this.count));
      return b;
    };
    this.image = more(this.image);
    this.cls = more(this.cls);
    if (!this.full) return;
    this.id = more(this.id);
    this.x = more(this.x);
    this.y = more(this.y);
    this.w = more(this.w);
    this.h = more(this.h);
  }
}

/** The boxes of images `lo`…`hi - 1`, grouped by image, each image's in id order. */
interface Window {
  lo: number;
  hi: number;
  cols: Columns;
  /** Boxes of image `lo + j` are `order[start[j]]`…`order[start[j + 1] - 1]`. */
  start: Int32Array;
  order: Int32Array;
}

/**
 * The label boxes of the exported images, read with whole-table scans of the
 * boxes table in id order. Boxes are stored in random image order on disk, so
 * reading them image by image through the index costs a random page read per
 * box; a sequential scan kept in typed arrays is several times faster and
 * holds no object per box. Beyond WINDOW_BOXES the images are read in several
 * passes, each for a range of images, so memory stays bounded.
 */
export class ExportBoxes {
  private readonly scan;
  private readonly indexOf: Int32Array;
  private readonly total: number;
  private windows: { lo: number; hi: number }[] = [];
  private current: Window | null = null;

  /**
   * `imageIds` are the exported images in ascending id order; image `i` takes the
   * boxes of annotator `annotator[i]` and model run `run[i]` (0: boxes not from a run).
   */
  constructor(
    db: Db,
    private readonly imageIds: readonly number[],
    private readonly annotator: Int32Array,
    private readonly run: Int32Array,
    /** Awaited between queries: yields to other requests and checks for cancel. */
    private readonly pause: () => Promise<void>,
    /** Boxes held at once; tests lower it to read in several passes. */
    private readonly windowBoxes = WINDOW_BOXES,
  ) {
    this.scan = db
      .prepare<[number, number], Row>('SELECT id, image_id, annotator_id, model_run_id, class_id, x, y, w, h FROM boxes WHERE id > ? ORDER BY id LIMIT ?')
      .raw();
    const maxId = imageIds.length ? imageIds[imageIds.length - 1] : 0;
    this.indexOf = new Int32Array(maxId + 1).fill(-1);
    imageIds.forEach((id, i) => (this.indexOf[id] = i));
    this.total = (db.prepare('SELECT count(*) FROM boxes').pluck().get() as number) ?? 0;
  }

  /**
   * One scan for the classes of every image (the split needs them all before
   * anything is written): image index and class id of each label box. When all
   * boxes fit in one window their coordinates are kept too, and that scan is the only one.
   */
  async classes(): Promise<{ image: Int32Array; cls: Float64Array; count: number }> {
    const n = this.imageIds.length;
    const full = this.total <= this.windowBoxes;
    const cols = await this.read(0, n, full);
    if (full) this.current = this.group(0, n, cols);
    else {
      const per = new Int32Array(n);
      for (let k = 0; k < cols.count; k++) per[cols.image[k]]++;
      let lo = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        if (sum + per[i] > this.windowBoxes && i > lo) {
          this.windows.push({ lo, hi: i });
          lo = i;
          sum = 0;
        }
        sum += per[i];
      }
      this.windows.push({ lo, hi: n });
    }
    return { image: cols.image, cls: cols.cls, count: cols.count };
  }

  /** The index in `imageIds` of an exported image id. */
  index(id: number): number {
    return this.indexOf[id];
  }

  /** The boxes of image `i` (an index into `imageIds`), in id order; call with ascending `i`. */
  async boxesOf(i: number): Promise<DatasetBox[]> {
    let w = this.current;
    if (!w || i < w.lo || i >= w.hi) {
      const range = this.windows.find((r) => i >= r.lo && i < r.hi)!;
      this.current = null;
      w = this.current = this.group(range.lo, range.hi, await this.read(range.lo, range.hi, true));
    }
    const out: DatasetBox[] = [];
    const c = w.cols;
    for (let p = w.start[i - w.lo], end = w.start[i - w.lo + 1]; p < end; p++) {
      const k = w.order[p];
      out.push({ id: c.id[k], classId: c.cls[k], x: c.x[k], y: c.y[k], w: c.w[k], h: c.h[k] });
    }
    return out;
  }

  private async read(lo: number, hi: number, full: boolean): Promise<Columns> {
    const cols = new Columns(full);
    const { indexOf, annotator, run } = this;
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      let rows = 0;
      for (const r of this.scan.iterate(after, SCAN_ROWS)) {
        rows++;
        after = r[0];
        const i = r[1] < indexOf.length ? indexOf[r[1]] : -1;
        if (i < lo || i >= hi || annotator[i] !== r[2] || run[i] !== (r[3] ?? 0)) continue;
        cols.add(i, r);
      }
      if (rows < SCAN_ROWS) return cols;
      await this.pause();
    }
  }

  /** Group a window's boxes by image with a stable counting sort (scan order is id order). */
  private group(lo: number, hi: number, cols: Columns): Window {
    const start = new Int32Array(hi - lo + 1);
    for (let k = 0; k < cols.count; k++) start[cols.image[k] - lo + 1]++;
    for (let j = 1; j < start.length; j++) start[j] += start[j - 1];
    const next = start.slice(0, hi - lo);
    const order = new Int32Array(cols.count);
    for (let k = 0; k < cols.count; k++) order[next[cols.image[k] - lo]++] = k;
    return { lo, hi, cols, start, order };
  }
}
