import { mulberry32 } from '../app/domain/random.ts';
import { cachedProject } from './cachedProject.ts';

/** The generated project the export and label-import benchmarks share. */
export const LABELLED = { images: 100_000, boxes: 1_000_000, classes: 12 };

/**
 * 100,000 images (1920×1080, paths `site<s>/cam<c>/frame<n>.jpg` under a root
 * that does not exist) and 1,000,000 boxes of one person, 12 classes with
 * skewed frequencies, boxes in random image order. Cached under .bench/ and
 * keyed by schema version.
 */
export function labelledProject(): Promise<string> {
  return cachedProject('export-v1', `${LABELLED.images} images / ${LABELLED.boxes} boxes`, (project) => {
    const db = project.db;
    const rand = mulberry32(11);
    const insImage = db.prepare(
      `INSERT INTO images (root_id, path, width, height, orientation, format, bytes, metadata, added_at) VALUES (?, ?, ?, ?, 1, 'jpeg', 0, ?, ?)`,
    );
    const insBox = db.prepare('INSERT INTO boxes (image_id, annotator_id, class_id, x, y, w, h, provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      const rootId = project.images.ensureRoot('/bench/images');
      const insClass = db.prepare('INSERT INTO classes (name, color, hotkey, position) VALUES (?, ?, NULL, ?)');
      const classIds = Array.from({ length: LABELLED.classes }, (_, i) => Number(insClass.run(`class${i}`, '#ff8800', i).lastInsertRowid));
      const at = new Date().toISOString();
      const ids: number[] = [];
      for (let i = 0; i < LABELLED.images; i++) {
        const meta = JSON.stringify({ site: `site${i % 10}` });
        ids.push(Number(insImage.run(rootId, `site${i % 10}/cam${i % 37}/frame${String(i).padStart(6, '0')}.jpg`, 1920, 1080, meta, at).lastInsertRowid));
      }
      for (let k = 0; k < LABELLED.boxes; k++) {
        // Skewed class frequencies (class i about twice as common as class i+1), so stratifying has rare classes to place.
        const c = Math.min(LABELLED.classes - 1, Math.floor(-Math.log2(1 - rand())));
        insBox.run(ids[Math.floor(rand() * ids.length)], project.annotator.id, classIds[c], rand() * 1850, rand() * 1010, 5 + rand() * 120, 5 + rand() * 80, 'drawn');
      }
    })();
  });
}
