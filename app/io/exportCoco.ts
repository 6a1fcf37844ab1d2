import fs from 'node:fs';
import path from 'node:path';
import { ChunkedWriter } from './exportFiles.ts';
import type { Dataset } from './exportDataset.ts';

/** What precedes each number of an annotation: id, image, category, the four bbox values, area. */
const ANNOTATION_KEYS = ['\n{"id":', ',"image_id":', ',"category_id":', ',"bbox":[', ',', ',', ',', '],"area":'];

/**
 * Write `annotations/instances_<split>.json` per split, streamed: every split's
 * file is open at once, its images written first, then one pass over the boxes
 * of all images appends each annotation to its split's file, then categories.
 * Ids are Loupe's (image, box and class ids, all ≥ 1), so they stay the same
 * across exports; `file_name` is relative to the `images/` folder.
 */
export async function writeCoco(ds: Dataset): Promise<void> {
  fs.mkdirSync(path.join(ds.dir, 'annotations'), { recursive: true });
  const categories = ds.classes.map((c) => JSON.stringify({ id: c.id, name: c.name, supercategory: 'none' }));
  const writers = new Map(ds.splits.map((s) => [s, new ChunkedWriter(path.join(ds.dir, 'annotations', `instances_${s}.json`), 1 << 18, ds.beforeChunk)]));
  try {
    for (const split of ds.splits) {
      const w = writers.get(split)!;
      fs.mkdirSync(path.join(ds.dir, 'images', split), { recursive: true });
      await w.write('{"images":[');
      for (const [i, img] of (ds.images.get(split) ?? []).entries()) {
        const entry = { id: img.id, file_name: `${split}/${img.name}`, width: img.width, height: img.height };
        await w.write(`${i ? ',' : ''}\n${JSON.stringify(entry)}`);
      }
      await w.write('\n],"annotations":[');
    }
    const first = new Set(ds.splits);
    const all = ds.splits.flatMap((s) => ds.images.get(s) ?? []).sort((a, b) => a.id - b.id);
    await ds.eachWithBoxes(all, (img, boxes) => {
      if (!boxes.length) return;
      // Written piece by piece into the file's buffer: building a string per box
      // was more than half of all the export allocated.
      const w = writers.get(img.split)!;
      if (!first.delete(img.split)) w.ascii(',');
      for (let k = 0; k < boxes.length; k++) {
        const b = boxes[k];
        if (k) w.ascii(',');
        w.fields(ANNOTATION_KEYS, [b.id, img.id, b.classId, b.x, b.y, b.w, b.h, b.w * b.h]);
        w.ascii(',"iscrowd":0}');
      }
    }, async () => {
      for (const w of writers.values()) await w.flush();
    });
    for (const w of writers.values()) {
      await w.write(`\n],"categories":[\n${categories.join(',\n')}\n]}\n`);
      await w.close();
    }
  } catch (err) {
    for (const w of writers.values()) w.destroy();
    throw err;
  }
}
