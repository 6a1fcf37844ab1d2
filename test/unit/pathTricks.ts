// Path tricks the image routes of both hosts must refuse: in the address
// itself, and as an image's stored path in a (hostile) project file.
import fs from 'node:fs';
import path from 'node:path';
import type { Project } from '../../app/store/Project.ts';

/** Image addresses (path after the host) that try to reach something other than a registered image by id. */
export const ROUTE_TRICKS = [
  'image/..%2F..%2Fetc%2Fpasswd',
  'image/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  'image/%252e%252e%252f%252e%252e%252fetc%252fpasswd',
  'image/%2e%2e/%2e%2e/etc/passwd',
  'image/..%5c..%5cetc%5cpasswd',
  'image/1%5c..%5c..%5cetc%5cpasswd',
  'image/1%00',
  'image/1%00.jpg',
  'image/%2fetc%2fpasswd',
  'image//etc/passwd',
  'image/1/../../../etc/passwd%00',
  'thumb/1%2F..%2F..%2Fetc%2Fpasswd',
  'image/01',
  'image/1.0',
  'image/-1',
  'image/0x1',
  'image/1e0',
];

/**
 * Stored paths of a registered image that must not be served, each with a
 * setup run first (files and links under `dir`, the project's folder, whose
 * image root is `imagesDir`). `outside` is a real image file outside the root.
 */
export function storedTricks(dir: string, imagesDir: string, outside: string): { name: string; stored: string; setup?: () => void }[] {
  return [
    { name: 'a path with ..', stored: '../outside.jpg' },
    { name: 'a path with .. in the middle', stored: 'sub/../../outside.jpg' },
    { name: 'an absolute path', stored: outside },
    { name: 'a percent-encoded ..', stored: '%2e%2e%2foutside.jpg' },
    { name: 'a double-encoded ..', stored: '%252e%252e%252foutside.jpg' },
    { name: 'backslashes', stored: '..\\outside.jpg' },
    { name: 'a NUL byte', stored: 'a.jpg\u0000../../outside.jpg' },
    {
      name: 'a symlink to a file outside the root',
      stored: 'link.jpg',
      setup: () => fs.symlinkSync(outside, path.join(imagesDir, 'link.jpg')),
    },
    {
      name: 'a file in a symlinked folder leading outside the root',
      stored: 'linkdir/outside.jpg',
      setup: () => fs.symlinkSync(dir, path.join(imagesDir, 'linkdir')),
    },
  ];
}

/** Point image `id` at `stored`; returns a function that puts the old path back. */
export function storeImagePath(p: Project, id: number, stored: string): () => void {
  const old = p.db.prepare<[number], string>('SELECT path FROM images WHERE id = ?').pluck().get(id)!;
  p.db.prepare('UPDATE images SET path = ? WHERE id = ?').run(stored, id);
  return () => p.db.prepare('UPDATE images SET path = ? WHERE id = ?').run(old, id);
}
