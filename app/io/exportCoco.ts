import fs from 'node:fs';
import path from 'node:path';
import { ChunkedWriter } from './exportFiles.ts';
import type { Dataset } from './exportDataset.ts';

/**
 * Write `annotations/instances_<split>.json` per split, streamed: images, then
 * each image's annotations fetched from the store as they are written, then
 * categories. Ids are Loupe's (image, box and class ids, all ≥ 1), so they stay
 * the same across exports; `file_name` is relative to the `images/` folder.
 */
export async function writeCoco(ds: Dataset): Promise<void> {
  fs.mkdirSync(path.join(ds.dir, 'annotations'), { recursive: true });
  const categories = ds.classes.map((c) => JSON.stringify({ id: c.id, name: c.name, supercategory: 'none' }));
  for (const split of ds.splits) {
    const images = ds.images.get(split) ?? [];
    fs.mkdirSync(path.join(ds.dir, 'images', split), { recursive: true });
    const w = new ChunkedWriter(path.join(ds.dir, 'annotations', `instances_${split}.json`), 1 << 20, ds.beforeChunk);
    try {
      await w.write('{"images":[');
      for (const [i, img] of images.entries()) {
        const entry = { id: img.id, file_name: `${split}/${img.name}`, width: img.width, height: img.height };
        await w.write(`${i ? ',' : ''}\n${JSON.stringify(entry)}`);
      }
      await w.write('\n],"annotations":[');
      let first = true;
      for (const img of images) {
        for (const b of ds.boxes(img)) {
          const a = `{"id":${b.id},"image_id":${img.id},"category_id":${b.classId},"bbox":[${b.x},${b.y},${b.w},${b.h}],"area":${b.w * b.h},"iscrowd":0}`;
          await w.write(`${first ? '' : ','}\n${a}`);
          first = false;
        }
        await ds.tick();
      }
      await w.write(`\n],"categories":[\n${categories.join(',\n')}\n]}\n`);
      await w.close();
    } catch (err) {
      w.destroy();
      throw err;
    }
  }
}
