/**
 * Makes the binary and derived inputs of the bad-input corpus (manifest.json
 * names each by its `make` key), so the repository holds only small text
 * inputs and this script. Run by corpus.test.ts into a temp folder per entry.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { SCHEMA_VERSION } from '../../app/store/migrations.ts';
import { buildModel, constantOutputModel, namesLiteral } from '../unit/onnxBuilder.ts';

/** What some inputs are made from: real files the corpus test prepares once. */
export interface MakeContext {
  /** The repository root. */
  root: string;
  /** A closed, checkpointed real project (images, classes, boxes). */
  baseline: string;
  /** A real work package exported from `baseline` for annotator `alice`. */
  package: string;
}

/** Makes one input inside `dir`; returns the path the command is given. */
export type Maker = (dir: string, ctx: MakeContext) => Promise<string>;

/** A good COCO instances file as {work}/instances.json, and `results` as the results file ({input}). */
const evaluateFiles = (results: string) => async (dir: string): Promise<string> => {
  write(path.join(dir, 'instances.json'), JSON.stringify({ images: [{ id: 1 }], categories: [{ id: 1 }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 5, 5] }] }));
  return write(path.join(dir, 'results.json'), results);
};

const write = (file: string, data: string | Buffer): string => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
};

const solid = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: { r: 180, g: 60, b: 20, alpha: 1 } } });

/** A PNG chunk: length, type, data, CRC-32 over type and data. */
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A small, well-formed PNG whose header claims `w`×`h` (the pixel data is a few bytes, not w·h). */
function pngClaiming(w: number, h: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const idat = Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]); // an empty zlib stream
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A real JPEG with an APP1 Exif segment whose TIFF structure is garbage (offsets past the end, unknown byte order). */
async function jpegCorruptExif(): Promise<Buffer> {
  const jpeg = await solid(48, 32).jpeg().toBuffer();
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from('MM\0*', 'latin1'), Buffer.from([0xff, 0xff, 0xff, 0xf0]), Buffer.alloc(40, 0xee)]);
  const seg = Buffer.alloc(4);
  seg[0] = 0xff;
  seg[1] = 0xe1;
  seg.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, payload, jpeg.subarray(2)]);
}

/** A two-frame GIF89a (10×6), hand-written: libvips builds may lack a GIF writer. */
function animatedGif(): Buffer {
  const w = 10;
  const h = 6;
  const header = Buffer.from('GIF89a', 'latin1');
  const lsd = Buffer.from([w, 0, h, 0, 0xf0, 0, 0]); // global colour table of 2 entries
  const palette = Buffer.from([255, 0, 0, 0, 0, 255]);
  const loop = Buffer.concat([Buffer.from([0x21, 0xff, 0x0b]), Buffer.from('NETSCAPE2.0', 'latin1'), Buffer.from([3, 1, 0, 0, 0])]);
  // LZW with 2-bit minimum code size; 60 pixels of index `colour` coded as clear, then literal codes, then end.
  const frame = (colour: number): Buffer => {
    const codes = [4, ...Array.from({ length: w * h }, () => colour), 5];
    // Emit a clear code often enough that the code size stays 3 bits.
    const out: number[] = [];
    let acc = 0;
    let bits = 0;
    const emit = (code: number) => {
      acc |= code << bits;
      bits += 3;
      while (bits >= 8) {
        out.push(acc & 0xff);
        acc >>= 8;
        bits -= 8;
      }
    };
    let sinceClear = 0;
    for (const c of codes) {
      if (c !== 4 && c !== 5 && sinceClear >= 2) {
        emit(4);
        sinceClear = 0;
      }
      emit(c);
      sinceClear = c === 4 ? 0 : sinceClear + 1;
    }
    if (bits) out.push(acc & 0xff);
    const gce = Buffer.from([0x21, 0xf9, 4, 0, 10, 0, 0, 0]);
    const desc = Buffer.from([0x2c, 0, 0, 0, 0, w, 0, h, 0, 0]);
    const blocks: number[] = [];
    for (let i = 0; i < out.length; i += 255) {
      const part = out.slice(i, i + 255);
      blocks.push(part.length, ...part);
    }
    return Buffer.concat([gce, desc, Buffer.from([2, ...blocks, 0])]);
  };
  return Buffer.concat([header, lsd, palette, loop, frame(0), frame(1), Buffer.from([0x3b])]);
}

/** A copy of a committed input (file or folder) under `test/bad-inputs/`. */
const copy =
  (rel: string): Maker =>
  async (dir, ctx) => {
    const target = path.join(dir, path.basename(rel));
    fs.cpSync(path.join(ctx.root, 'test/bad-inputs', rel), target, { recursive: true });
    return target;
  };

/** A folder holding one image file, for `import --images`. */
const folderWith =
  (name: string, bytes: () => Promise<Buffer> | Buffer): Maker =>
  async (dir) => {
    const folder = path.join(dir, 'input-images');
    write(path.join(folder, name), await bytes());
    return folder;
  };

/** A committed label folder plus the images its labels need, made with sharp. */
const labelsWith =
  (rel: string, images: Record<string, [number, number]>, entry = ''): Maker =>
  async (dir, ctx) => {
    const target = await copy(rel)(dir, ctx);
    for (const [file, [w, h]] of Object.entries(images)) write(path.join(target, file), await solid(w, h).png().toBuffer());
    return entry ? path.join(target, entry) : target;
  };

/** The baseline project's bytes changed by `edit`, at a new path. */
const projectCopy =
  (edit: (file: string) => void): Maker =>
  async (dir, ctx) => {
    const file = path.join(dir, 'input.loupe');
    fs.copyFileSync(ctx.baseline, file);
    edit(file);
    return file;
  };

/** The real package with its bytes changed by `edit`. */
const packageCopy =
  (edit: (buf: Buffer) => Buffer): Maker =>
  async (dir, ctx) => write(path.join(dir, 'input.loupe-package'), edit(fs.readFileSync(ctx.package)));

/** Rewrite one field of a package header in place (the header is JSON padded with spaces). */
function editHeader(buf: Buffer, change: (h: Record<string, unknown>) => void): Buffer {
  const end = buf.indexOf(0x0a);
  const header = JSON.parse(buf.subarray(0, end).toString('utf8')) as Record<string, unknown>;
  change(header);
  const text = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.from(buf);
  out.fill(0x20, 0, end);
  text.copy(out, 0);
  return out;
}

const demoModel = (ctx: MakeContext) => fs.readFileSync(path.join(ctx.root, 'models/demo-detector.onnx'));

/** Every maker, by the `make` key manifest.json gives. */
export const MAKERS: Record<string, Maker> = {
  // Images
  'png-header-30000x30000': folderWith('huge.png', () => pngClaiming(30_000, 30_000)),
  'jpeg-corrupt-exif': folderWith('exif.jpg', jpegCorruptExif),
  'jpeg-cmyk': folderWith('cmyk.jpg', () => solid(64, 48).toColourspace('cmyk').jpeg().toBuffer()),
  'png-16-bit': folderWith('deep.png', () => solid(33, 21).toColourspace('rgb16').png().toBuffer()),
  'tiff-greyscale': folderWith('grey.tif', () => solid(40, 30).greyscale().tiff().toBuffer()),
  'gif-animated-named-jpg': folderWith('animated.jpg', animatedGif),
  'png-empty': folderWith('empty.png', () => Buffer.alloc(0)),
  'png-text': folderWith('notes.png', () => Buffer.from('this is a text file\n')),
  'jpeg-truncated': folderWith('cut.jpg', async () => (await solid(64, 64).jpeg().toBuffer()).subarray(0, 200)),
  'png-truncated': folderWith('cut.png', async () => {
    const png = await solid(64, 64).png().toBuffer();
    return png.subarray(0, png.length - 12);
  }),
  'tiff-garbage': folderWith('scan.tif', () => Buffer.concat([Buffer.from('II*\0', 'latin1'), Buffer.alloc(64, 0xee)])),
  'webp-truncated': folderWith('cut.webp', async () => {
    const webp = await solid(64, 64).webp().toBuffer();
    return webp.subarray(0, webp.length - 10);
  }),
  'bmp-truncated': folderWith('cut.bmp', () => {
    const bmp = Buffer.alloc(54 + 4 * 4 * 3);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(bmp.length, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(4, 18);
    bmp.writeInt32LE(4, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    return bmp.subarray(0, 60);
  }),
  'png-duplicate-of-project-image': async (dir, ctx) => {
    const folder = path.join(dir, 'input-images');
    write(path.join(folder, 'copy-of-a.png'), fs.readFileSync(path.join(path.dirname(ctx.baseline), 'images/train/a.png')));
    return folder;
  },
  'names-spaces-unicode-newline': async (dir) => {
    const folder = path.join(dir, 'input-images');
    write(path.join(folder, 'with space.png'), await solid(21, 13).png().toBuffer());
    write(path.join(folder, 'ünïcødé 画像.png'), await solid(22, 14).png().toBuffer());
    write(path.join(folder, 'new\nline.png'), await solid(23, 15).png().toBuffer());
    return folder;
  },
  'folder-missing': async (dir) => path.join(dir, 'no-such-folder'),
  'folder-read-only': folderWith('new.png', () => solid(25, 17).png().toBuffer()),
  'disk-full': async (dir) => dir,

  // Models
  'onnx-truncated': async (dir, ctx) => {
    const full = demoModel(ctx);
    return write(path.join(dir, 'cut.onnx'), full.subarray(0, Math.floor(full.length / 2)));
  },
  'onnx-text': async (dir) => write(path.join(dir, 'text.onnx'), 'not a model\n'),
  'onnx-empty': async (dir) => write(path.join(dir, 'empty.onnx'), Buffer.alloc(0)),
  'onnx-missing': async (dir) => path.join(dir, 'missing.onnx'),
  'onnx-not-a-detector': async (dir) =>
    write(
      path.join(dir, 'classifier.onnx'),
      constantOutputModel({ outputDims: [1, 1000], values: new Float32Array(1000), metadata: { names: namesLiteral(['a', 'b']) } }),
    ),
  'onnx-two-inputs': async (dir) =>
    write(
      path.join(dir, 'two-inputs.onnx'),
      buildModel({
        inputs: [
          { name: 'a', dtype: 'float32', dims: [1, 3, 32, 32] },
          { name: 'b', dtype: 'float32', dims: [1, 3, 32, 32] },
        ],
        outputs: [{ name: 'y', dtype: 'float32', dims: [1, 3, 32, 32] }],
        nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }],
      }),
    ),
  'classes-empty': async (dir) => write(path.join(dir, 'classes.txt'), ''),
  'classes-bad-yaml': async (dir) => write(path.join(dir, 'data.yaml'), 'names: {0: scratch, 1: [crack}\n'),

  // Label files and predictions (committed text, plus the images they need)
  'yolo-bad-lines': labelsWith('import/yolo-bad-lines', { 'images/train/bad.png': [200, 100] }, 'data.yaml'),
  'yolo-bad-yaml': labelsWith('import/yolo-bad-yaml', {}, 'data.yaml'),
  'yolo-invalid-yaml': labelsWith('import/yolo-invalid-yaml', {}, 'data.yaml'),
  'yolo-binary-yaml': async (dir) => write(path.join(dir, 'ds/data.yaml'), Buffer.from([0x00, 0xff, 0xfe, 0x00, 0x89, 0x50, 0x4e, 0x47, 0x00, 0x01])),
  'yolo-empty-yaml': async (dir) => write(path.join(dir, 'ds/data.yaml'), ''),
  'yolo-no-names': async (dir) => {
    write(path.join(dir, 'ds/labels/a.txt'), '0 0.5 0.5 0.2 0.2\n');
    write(path.join(dir, 'ds/images/a.png'), await solid(20, 20).png().toBuffer());
    return path.join(dir, 'ds');
  },
  'coco-bad-records': copy('import/coco-bad-records.json'),
  'yolo-missing-split': async (dir) => write(path.join(dir, 'ds/data.yaml'), 'train: images/nowhere\nnames: [car]\n'),
  'labels-missing': async (dir) => path.join(dir, 'no-such-labels.json'),
  'coco-not-json': copy('import/coco-not-json.json'),
  'coco-array': async (dir) => write(path.join(dir, 'coco.json'), '[]\n'),
  'coco-binary': async (dir) => write(path.join(dir, 'coco.json'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])),
  'results-bad': copy('import/results-bad.json'),
  'results-object': async (dir) => write(path.join(dir, 'results.json'), '{"annotations": []}\n'),
  'ultralytics-bad': labelsWith('import/ultralytics-bad', {}),
  'images-json-not-json': async (dir) => {
    write(path.join(dir, 'results.json'), JSON.stringify([{ image_id: 1, category_id: 1, bbox: [1, 2, 3, 4], score: 0.5 }]));
    write(path.join(dir, 'instances.json'), '{"images": [{"id": 1, "file_name": "train/a.png"}],');
    return path.join(dir, 'results.json');
  },

  // `loupe evaluate --gt instances.json --dt results.json`: {work}/instances.json is good, the results are not
  'evaluate-unknown-category': evaluateFiles('[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}, {"image_id": 1, "category_id": 9, "bbox": [0, 0, 5, 5], "score": 0.5}]\n'),
  'evaluate-nan-score': evaluateFiles('[\n {"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": NaN}\n]\n'),
  'evaluate-negative-size': evaluateFiles('[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, -5], "score": 0.5}]\n'),
  'evaluate-not-array': evaluateFiles('{"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}\n'),

  // Work packages
  'package-text': async (dir) => write(path.join(dir, 'notes.loupe-package'), 'not a package\n'),
  'package-empty': async (dir) => write(path.join(dir, 'empty.loupe-package'), Buffer.alloc(0)),
  'package-truncated': packageCopy((b) => b.subarray(0, b.length - 37)),
  'package-flipped-byte': packageCopy((b) => {
    const out = Buffer.from(b);
    out[out.length - 10] ^= 0x01;
    return out;
  }),
  'package-newer-version': packageCopy((b) => editHeader(b, (h) => (h.version = Number(h.version) + 1))),
  'package-foreign-project': packageCopy((b) => editHeader(b, (h) => (h.projectId = '00000000-0000-4000-8000-000000000000'))),

  // Projects
  'project-not-sqlite': async (dir) => write(path.join(dir, 'input.loupe'), 'name: my project\nimages: 12\n'),
  'project-empty': async (dir) => write(path.join(dir, 'input.loupe'), Buffer.alloc(0)),
  'project-truncated': projectCopy((f) => fs.truncateSync(f, 2 * 4096 + 100)),
  'project-newer-schema': projectCopy((f) => {
    const db = new Database(f);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.pragma('journal_mode = DELETE');
    db.close();
  }),
  'project-other-sqlite': async (dir) => {
    const file = path.join(dir, 'input.loupe');
    const db = new Database(file);
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES (\'hello\');');
    db.close();
    return file;
  },
  'project-missing': async (dir) => path.join(dir, 'missing.loupe'),
  'project-is-folder': async (dir) => {
    fs.mkdirSync(path.join(dir, 'folder.loupe'));
    return path.join(dir, 'folder.loupe');
  },
};
