import fs from 'node:fs';
import path from 'node:path';
import type { Dataset, DatasetBox, DatasetImage } from './exportDataset.ts';

/** Clamp to [0, 1]: one value out of range makes Ultralytics drop the whole image. */
const unit = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** One label line `class cx cy w h`, normalised; numbers print as their shortest exact form. */
export function yoloLine(index: number, b: DatasetBox, width: number, height: number): string {
  const cx = unit((b.x + b.w / 2) / width);
  const cy = unit((b.y + b.h / 2) / height);
  return `${index} ${cx} ${cy} ${unit(b.w / width)} ${unit(b.h / height)}`;
}

/** data.yaml as Ultralytics reads it; strings JSON-quoted, which YAML reads as double-quoted scalars. */
export function dataYaml(out: string, splits: readonly string[], names: readonly string[]): string {
  const lines = [`path: ${JSON.stringify(out)}`, ...splits.map((s) => `${s}: images/${s}`), 'names:'];
  names.forEach((n, i) => lines.push(`  ${i}: ${JSON.stringify(n)}`));
  return `${lines.join('\n')}\n`;
}

/** The label file of an image file: the last /images/ becomes /labels/, the extension .txt. */
export function labelPathFor(imagePath: string): string {
  const i = imagePath.lastIndexOf(`${path.sep}images${path.sep}`);
  const swapped = i < 0 ? imagePath : `${imagePath.slice(0, i)}${path.sep}labels${path.sep}${imagePath.slice(i + 8)}`;
  return swapped.slice(0, swapped.length - path.extname(swapped).length) + '.txt';
}

/** Label files written at once: small files are cheap to write but slow to create one after another. */
const WRITERS = 32;

/** Write `labels/<split>/…txt` for every image (empty for an image without boxes) and data.yaml. */
export async function writeYolo(ds: Dataset): Promise<void> {
  const indexOf = new Map(ds.classes.map((c) => [c.id, c.index]));
  const made = new Set<string>();
  for (const split of ds.splits) fs.mkdirSync(path.join(ds.dir, 'labels', split), { recursive: true });
  const all = ds.splits.flatMap((s) => ds.images.get(s) ?? []).sort((a, b) => a.id - b.id);
  let pending: [file: string, text: string][] = [];
  await ds.eachWithBoxes(
    all,
    (img, boxes) => {
      const file = labelPathFor(path.join(ds.dir, 'images', img.split, ...img.name.split('/')));
      const dir = path.dirname(file);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      pending.push([file, labelText(img, boxes, indexOf)]);
    },
    async () => {
      const files = pending;
      pending = [];
      await writeAll(files, ds.beforeChunk);
    },
  );
  fs.writeFileSync(path.join(ds.dir, 'data.yaml'), dataYaml(ds.out, ds.splits, ds.classes.map((c) => c.name)));
}

/**
 * Write files with up to WRITERS in flight; resolves only when none is left in
 * flight, so a failure never races the removal of the temporary folder.
 */
async function writeAll(files: [string, string][], beforeEach?: () => void): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const writer = async () => {
    while (!failed && next < files.length) {
      const [file, text] = files[next++];
      try {
        beforeEach?.();
        await fs.promises.writeFile(file, text);
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITERS, files.length) }, writer));
  if (failed) throw failure;
}

function labelText(img: DatasetImage, boxes: DatasetBox[], indexOf: Map<number, number>): string {
  let text = '';
  for (const b of boxes) text += `${yoloLine(indexOf.get(b.classId)!, b, img.width, img.height)}\n`;
  return text;
}
