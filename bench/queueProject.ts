/**
 * The review queue benchmarks' project: 100,000 images, 1,000,000 boxes (a model
 * run's predictions with scores and two people's boxes, 10 classes), flags with
 * reasons, camera and shift metadata, both people's review statuses. Built with
 * prepared inserts in one transaction and cached under .bench/, keyed by schema
 * version. Used by bench/queue.ts (filter changes) and bench/canvas.ts (scrolling).
 */
import { mulberry32 } from '../app/domain/random.ts';
import { cachedProject } from './cachedProject.ts';

/** Bump when the generator changes, so stale caches are rebuilt. */
const VERSION = 'v1';
export const BIG = { images: 100_000, boxes: 1_000_000, classes: 10 };
/** Images with a prediction of the model run, and the boxes of the two people. */
const PREDICTED_IMAGES = 95_000;
const MY_BOXES = 150_000;
const OTHER_BOXES = 40_000;
export const FLAGS: Record<string, number> = { 'low-confidence': 8_000, disagreement: 4_000, drift: 2_000, manual: 500 };
/** Statuses of the bench's own person ('bench', the one a session opens as) and of another person. */
const MY_STATUSES: Record<string, number> = { done: 30_000, in_progress: 2_000, skipped: 3_000, todo: 1_000 };
const OTHER_STATUSES: Record<string, number> = { done: 6_000, in_progress: 500, skipped: 500 };
export function queueProject(): Promise<string> {
  const describe = `${BIG.images} images / ${BIG.boxes} boxes with predictions, flags, metadata and statuses`;
  return cachedProject(`queue-${VERSION}`, describe, (project) => {
    const db = project.db;
    const rand = mulberry32(31);
    const pick = (n: number) => Math.floor(rand() * n);
    /** `count` distinct random positions below n. */
    const sample = (n: number, count: number): number[] => {
      const a = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < count; i++) {
        const j = i + pick(n - i);
        [a[i], a[j]] = [a[j], a[i]];
      }
      return a.slice(0, count);
    };
    const insImage = db.prepare(
      `INSERT INTO images (root_id, path, width, height, orientation, format, bytes, content_hash, metadata, added_at)
       VALUES (?, ?, 1920, 1080, 1, 'jpeg', ?, ?, ?, ?)`,
    );
    const insBox = db.prepare(
      'INSERT INTO boxes (image_id, annotator_id, model_run_id, class_id, x, y, w, h, score, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insFlag = db.prepare('INSERT INTO flags (image_id, reason, score) VALUES (?, ?, ?)');
    const insStatus = db.prepare(`INSERT INTO assignments (image_id, annotator_id, status, updated_at, origin) VALUES (?, ?, ?, ?, 'review')`);
    db.transaction(() => {
      const at = new Date().toISOString();
      const rootId = project.images.ensureRoot('/bench/images');
      const insClass = db.prepare('INSERT INTO classes (name, color, hotkey, position) VALUES (?, ?, NULL, ?)');
      const classIds = Array.from({ length: BIG.classes }, (_, i) => Number(insClass.run(`class${i}`, '#ff8800', i).lastInsertRowid));
      // Skewed class frequencies: class i about twice as common as class i+1.
      const cls = () => classIds[Math.min(BIG.classes - 1, Math.floor(-Math.log2(1 - rand())))];
      const me = project.annotator.id;
      const other = project.annotators.ensure('alice', 'human').id;
      const bot = project.annotators.ensure('bench-detector', 'model').id;
      const modelId = project.models.insert({ name: 'bench-detector', path: 'bench.onnx', sha256: 'bench', info: '{}', classMap: '[]', latency: null, addedAt: at });
      const runId = project.models.insertRun(modelId, bot, 'bench', 'bench-detector', '{}', at);

      const ids: number[] = [];
      for (let i = 0; i < BIG.images; i++) {
        // Shuffled insertion order, so path order and id order differ as after imports of several folders.
        const n = (i * 7919) % BIG.images;
        const camera = `cam${1 + (n % 4)}`;
        const shift = Math.floor(n / 500) % 3 === 2 ? 'night' : 'day';
        const p = `${camera}/${shift}/frame${String(n).padStart(6, '0')}.jpg`;
        const hash = n.toString(16).padStart(64, '0');
        ids.push(Number(insImage.run(rootId, p, 200_000 + n, hash, JSON.stringify({ camera, shift }), at).lastInsertRowid));
      }

      // The model run, image by image in id order as a pre-label job stores them.
      const predicted = new Set(sample(BIG.images, PREDICTED_IMAGES));
      const predictions = BIG.boxes - MY_BOXES - OTHER_BOXES;
      const insRunImage = db.prepare(`INSERT INTO run_images (model_run_id, image_id, status, error, boxes, at) VALUES (?, ?, 'done', NULL, ?, ?)`);
      let left = predictions;
      let imagesLeft = PREDICTED_IMAGES;
      for (let i = 0; i < BIG.images; i++) {
        if (!predicted.has(i)) continue;
        const mean = left / imagesLeft;
        const k = imagesLeft === 1 ? left : Math.min(left, Math.max(1, Math.round(mean * 2 * rand())));
        for (let j = 0; j < k; j++) {
          const score = 0.25 + 0.75 * rand() ** 1.5;
          insBox.run(ids[i], bot, runId, cls(), rand() * 1800, rand() * 1000, 10 + rand() * 100, 10 + rand() * 60, score, 'predicted');
        }
        insRunImage.run(runId, ids[i], k, at);
        left -= k;
        imagesLeft--;
      }

      // Statuses: disjoint random sets of images per status, for each person.
      for (const [who, statuses] of [[me, MY_STATUSES], [other, OTHER_STATUSES]] as const) {
        const total = Object.values(statuses).reduce((a, b) => a + b, 0);
        const chosen = sample(BIG.images, total);
        let o = 0;
        for (const [status, count] of Object.entries(statuses)) {
          for (const i of chosen.slice(o, o + count)) insStatus.run(ids[i], who, status, at);
          o += count;
        }
      }

      // People's boxes in random image order (added over weeks of review).
      for (const [who, count] of [[me, MY_BOXES], [other, OTHER_BOXES]] as const) {
        for (let k = 0; k < count; k++) {
          insBox.run(ids[pick(BIG.images)], who, null, cls(), rand() * 1800, rand() * 1000, 10 + rand() * 100, 10 + rand() * 60, null, 'drawn');
        }
      }

      for (const [reason, count] of Object.entries(FLAGS)) {
        for (const i of sample(BIG.images, count)) insFlag.run(ids[i], reason, rand());
      }
    })();
  });
}

