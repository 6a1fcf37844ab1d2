import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loupeJson } from './helpers.ts';

/** A labelled box in image pixels. */
export type FBox = { cls: number; x: number; y: number; w: number; h: number };

export const CLASSES = ['scratch', 'crack', 'dent'] as const;
export const W = 640;
export const H = 480;

async function makeImage(file: string, hue: number) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},25%,55%)"/><stop offset="1" stop-color="hsl(${hue},25%,20%)"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/><circle cx="${W / 2}" cy="${H / 2}" r="${H / 4}" fill="#c9ced6" stroke="#555" stroke-width="6"/></svg>`;
  await sharp(Buffer.from(svg)).jpeg({ quality: 82 }).toFile(file);
}

/**
 * Deterministic labels of one person on image i: the "true" boxes with person-specific slips
 * (a box shifted, a class swapped, a box left out), so the pairs disagree in every way the
 * report counts.
 */
export function labelsOf(person: number, i: number): FBox[] {
  const truth: FBox[] = [
    { cls: i % 3, x: 60 + 20 * (i % 5), y: 60, w: 140, h: 100 },
    { cls: (i + 1) % 3, x: 360, y: 80 + 10 * (i % 4), w: 160, h: 120 },
    { cls: 2, x: 200, y: 300, w: 120, h: 110 },
  ];
  return truth.flatMap((b, k): FBox[] => {
    const slip = (i * 7 + person * 3 + k * 5) % 11;
    if (slip === 0) return []; // missed
    if (slip === 1) return [{ ...b, cls: (b.cls + 1) % 3 }]; // other class
    if (slip === 2) return [{ ...b, x: b.x + 0.3 * b.w }]; // loose box (IoU about 0.54)
    if (slip === 3) return [b, { cls: 0, x: 500, y: 340, w: 80, h: 70 }]; // an extra box
    return [{ ...b, x: b.x + ((person * 3) % 5), y: b.y + ((person * 2) % 4) }];
  });
}

/** Write one person's YOLO dataset of the project's images. */
function writeYolo(dir: string, files: string[], imagesDir: string, person: number) {
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'labels'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'classes.txt'), CLASSES.join('\n') + '\n');
  files.forEach((f, i) => {
    fs.copyFileSync(path.join(imagesDir, f), path.join(dir, 'images', f));
    const lines = labelsOf(person, i).map((b) => `${b.cls} ${(b.x + b.w / 2) / W} ${(b.y + b.h / 2) / H} ${b.w / W} ${b.h / H}`);
    fs.writeFileSync(path.join(dir, 'labels', f.replace(/\.jpg$/, '.txt')), lines.join('\n') + (lines.length ? '\n' : ''));
  });
}

/**
 * A project like the demo's team: `n` images labelled by three people (imported as each
 * person's labels), so that the agreement report has every kind of disagreement in it.
 */
export async function teamProject(dir: string, n: number, people = ['ana', 'bo', 'cy']): Promise<{ project: string; files: string[] }> {
  const images = path.join(dir, 'images');
  fs.mkdirSync(images, { recursive: true });
  const files = Array.from({ length: n }, (_, i) => `line-${String(i + 1).padStart(3, '0')}.jpg`);
  for (const [i, f] of files.entries()) await makeImage(path.join(images, f), (i * 37) % 360);
  const project = path.join(dir, 'team.loupe');
  loupeJson('init', project, '--images', images, '--json');
  loupeJson('classes', project, '--add', ...CLASSES, '--json');
  people.forEach((name, p) => {
    const ds = path.join(dir, `labels-${name}`);
    writeYolo(ds, files, images, p + 1);
    loupeJson('import', project, '--annotations', ds, '--format', 'yolo', '--annotator', name, '--json');
  });
  return { project, files };
}
