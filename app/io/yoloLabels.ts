import fs from 'node:fs/promises';
import path from 'node:path';
import { LoupeError, messageOf } from '../domain/errors.ts';
import { DataYamlError, parseDataYaml, resolveDataYaml, type SplitSource } from './dataYaml.ts';
import { readSmallFiles } from './fileLookup.ts';
import { BoxTable, noNotes, parseNumber, Problems, type LabelImage, type ReadLabels, type ReadProgress } from './importLabels.ts';
import { listImageFiles } from './walk.ts';

const CLASS_FILES = ['classes.txt', 'obj.names', 'classes.names'];
const YAML_FILES = ['data.yaml', 'data.yml', 'dataset.yaml', 'dataset.yml'];

/**
 * Add the boxes on the lines of one YOLO label file to `table` as image
 * `img`'s: `class cx cy w h` (plus `conf` with `withScore`), all normalised.
 * Every bad line is added to `problems`; `src` is the file's source in the table.
 */
export function parseYoloLines(text: string, file: string, src: number, img: number, table: BoxTable, classCount: number, withScore: boolean, problems: Problems): void {
  const want = withScore ? 6 : 5;
  const fieldNames = withScore ? 'class cx cy w h conf' : 'class cx cy w h';
  const labels = ['cx', 'cy', 'w', 'h', 'conf'];
  const nums = [0, 0, 0, 0, 0];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines: for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i].trim();
    if (raw === '') continue;
    const fields = raw.split(/\s+/);
    const bad = (reason: string) => problems.add({ file, line, reason });
    if (fields.length !== want) {
      const polygon = fields.length > want && (fields.length - 1) % 2 === 0 ? ' (a polygon? only boxes are imported)' : '';
      bad(`expected ${want} values (${fieldNames}), found ${fields.length}${polygon}`);
      continue;
    }
    if (!/^\d+$/.test(fields[0])) {
      bad(`class '${fields[0]}' is not a whole number`);
      continue;
    }
    const cls = Number(fields[0]);
    if (cls >= classCount) {
      bad(`class ${cls} is out of range: there ${classCount === 1 ? 'is 1 class' : `are ${classCount} classes`} (0..${classCount - 1})`);
      continue;
    }
    for (let k = 1; k < fields.length; k++) {
      const n = parseNumber(fields[k]);
      if (n === null) {
        bad(`${labels[k - 1]} '${fields[k]}' is not a number`);
        continue lines;
      }
      // Exactly 0 and 1 are fine; anything beyond, however close, makes Ultralytics drop the image.
      if (n < 0 || n > 1) {
        bad(`${labels[k - 1]} ${fields[k]} is outside [0, 1]`);
        continue lines;
      }
      nums[k - 1] = n;
    }
    if (nums[2] === 0) bad('w is 0: a box needs a width');
    else if (nums[3] === 0) bad('h is 0: a box needs a height');
    else table.push(img, cls, nums[0], nums[1], nums[2], nums[3], withScore ? nums[4] : NaN, src, line);
  }
}

/** The label file Ultralytics reads for an image: the last `/images/` becomes `/labels/`, the extension `.txt`. */
export function labelPathFor(imageFile: string): string {
  const posix = imageFile.split(path.sep).join('/');
  const at = posix.lastIndexOf('/images/');
  const swapped = at < 0 ? posix : `${posix.slice(0, at)}/labels/${posix.slice(at + '/images/'.length)}`;
  return swapped.replace(/\.[^./]*$/, '') + '.txt';
}

async function exists(p: string): Promise<'file' | 'dir' | null> {
  const st = await fs.stat(p).catch(() => null);
  return st ? (st.isDirectory() ? 'dir' : 'file') : null;
}

/** Every .txt under a folder (sorted absolute paths); a missing folder has none. */
async function listTxt(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isFile() && e.name.endsWith('.txt') && !e.name.startsWith('.')) out.push(path.join(e.parentPath, e.name));
  return out.sort();
}

/** Find the data.yaml or classes file a YOLO import starts from. */
async function findSpec(input: string): Promise<{ kind: 'yaml' | 'classes'; file: string }> {
  const kind = await exists(input);
  if (!kind) throw new LoupeError('not_found', `YOLO dataset not found: ${input}`);
  if (kind === 'file') return { kind: /\.ya?ml$/i.test(input) ? 'yaml' : 'classes', file: input };
  for (const f of YAML_FILES) if ((await exists(path.join(input, f))) === 'file') return { kind: 'yaml', file: path.join(input, f) };
  for (const f of CLASS_FILES) if ((await exists(path.join(input, f))) === 'file') return { kind: 'classes', file: path.join(input, f) };
  throw new LoupeError('bad_request', `${input} has no data.yaml (or dataset.yaml) and no classes.txt (or obj.names): Loupe needs the class names.`);
}

/** The images a resolved train/val/test entry names, and the folder its label files are in (when it is a folder). */
async function splitImages(source: SplitSource, problems: Problems): Promise<{ images: string[]; labelDir?: string }> {
  switch (source.kind) {
    case 'dir': {
      const listing = await listImageFiles(source.abs);
      for (const u of listing.unreadable) problems.add({ file: path.join(source.abs, u.path), reason: u.reason });
      return { images: listing.files.map((f) => path.join(source.abs, f)), labelDir: path.dirname(labelPathFor(path.join(source.abs, 'x.png'))) };
    }
    case 'list':
      return { images: source.images };
    case 'image':
      return { images: [source.abs] };
    case 'labels':
      return { images: [], labelDir: source.labelDir };
  }
}

/**
 * Read a YOLO dataset: a data.yaml (or a folder holding one), or a classes.txt
 * (YOLO 1.1 layout: labels beside the images or in a `labels/` twin of `images/`).
 * A label file without its image (a dataset exported without images) names
 * its image by its path under the labels folder, without extension; its
 * problems count only if the project has that image.
 */
export async function readYolo(input: string, progress?: ReadProgress): Promise<ReadLabels> {
  const abs = path.resolve(input);
  const spec = await findSpec(abs);
  const problems = new Problems();
  const files = [spec.file];
  let classes: string[] = [];
  let root = path.dirname(spec.file);
  const imageFiles: string[] = [];
  const labelDirs: string[] = [];
  let text: string;
  try {
    text = await fs.readFile(spec.file, 'utf8');
  } catch (err) {
    throw new LoupeError('io', `Cannot read ${spec.file}: ${messageOf(err)}`);
  }

  if (spec.kind === 'yaml') {
    try {
      const y = parseDataYaml(text);
      classes = y.names;
      const resolved = await resolveDataYaml(spec.file, y);
      root = resolved.root;
      for (const e of resolved.entries) {
        if (!e.source) {
          problems.add({ file: spec.file, line: e.line, reason: e.reason ?? `${e.split} entry '${e.entry}' not found` });
          continue;
        }
        const found = await splitImages(e.source, problems);
        imageFiles.push(...found.images);
        if (found.labelDir) labelDirs.push(found.labelDir);
      }
    } catch (err) {
      if (!(err instanceof DataYamlError)) throw err;
      problems.add({ file: spec.file, line: err.line, reason: err.message });
    }
  } else {
    classes = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    const seen = new Map<string, number>();
    classes.forEach((c, i) => {
      if (seen.has(c)) problems.add({ file: spec.file, line: i + 1, reason: `class '${c}' is listed twice` });
      seen.set(c, i);
    });
    if (classes.length === 0) problems.add({ file: spec.file, reason: 'no class names (the file is empty)' });
    const listing = await listImageFiles(root);
    imageFiles.push(...listing.files.map((f) => path.join(root, f)));
    labelDirs.push(root);
  }

  const images: LabelImage[] = [];
  const labelFiles: string[] = [];
  const expected = new Set<string>();
  for (const img of [...new Set(imageFiles)].sort()) {
    const labelFile = labelPathFor(img);
    expected.add(labelFile);
    const inRoot = !path.relative(root, img).startsWith('..') && !path.isAbsolute(path.relative(root, img));
    const fileRoot = inRoot ? root : path.dirname(img);
    const rel = path.relative(fileRoot, img).split(path.sep).join('/');
    images.push({ source: img, name: rel, file: { abs: img, root: fileRoot, rel } });
    labelFiles.push(labelFile);
  }
  const withImage = images.length;

  const ignore = new Set([spec.file, ...['train.txt', 'val.txt', 'valid.txt', 'test.txt'].map((f) => path.join(root, f))]);
  const orphans = new Set<string>();
  for (const dir of [...new Set(labelDirs)]) {
    for (const t of await listTxt(dir)) {
      if (expected.has(t.split(path.sep).join('/')) || ignore.has(t) || orphans.has(t)) continue;
      orphans.add(t);
      const stem = path.relative(dir, t).split(path.sep).join('/').replace(/\.txt$/, '');
      images.push({ source: t, name: stem, stem, orphan: true });
      labelFiles.push(t);
    }
  }

  const table = new BoxTable('norm');
  await readSmallFiles(
    labelFiles,
    (got, labelFile, i) => {
      progress?.progress?.(i + 1, labelFiles.length, 'reading label files');
      if (!Buffer.isBuffer(got)) {
        // An image without a label file has no objects: it still counts as labelled.
        if (got.code === 'ENOENT') return;
        problems.add({ file: labelFile, reason: got.code === 'EISDIR' ? 'is a folder, expected a label file' : `cannot read: ${messageOf(got)}` });
        return;
      }
      const im = images[i];
      const text = got.toString('utf8');
      if (i < withImage) {
        im.source = labelFile;
        files.push(labelFile);
        parseYoloLines(text, labelFile, table.source({ file: labelFile }), i, table, classes.length, false, problems);
      } else {
        const own = new Problems();
        parseYoloLines(text, labelFile, table.source({ file: labelFile }), i, table, classes.length, false, own);
        if (own.total) im.problems = own;
      }
    },
    progress?.signal,
  );
  return { classes, images, boxes: table, problems, files, notes: noNotes() };
}
