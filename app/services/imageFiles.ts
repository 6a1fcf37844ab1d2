import fs from 'node:fs';
import path from 'node:path';
import { LoupeError } from '../domain/errors.ts';
import { displayable, thumbnail, type Displayable } from '../images/render.ts';
import type { Project } from '../store/Project.ts';

/**
 * The real path of a registered image, refusing anything that resolves outside
 * its root folder: a stored path with `..`, or a symlink pointing elsewhere.
 */
export function resolveImageFile(project: Project, imageId: number): { file: string; format: string; orientation: number } {
  const img = project.images.get(imageId);
  if (!img) throw new LoupeError('not_found', `Image ${imageId} is not in this project.`);
  const root = project.images.root(img.rootId);
  if (!root) throw new LoupeError('not_found', `Image ${imageId} has no root folder.`);
  const rootAbs = project.rootPath(root.path);
  let realRoot: string;
  let realFile: string;
  try {
    realRoot = fs.realpathSync(rootAbs);
    realFile = fs.realpathSync(path.resolve(rootAbs, img.path));
  } catch {
    throw new LoupeError('not_found', `Image file is missing: ${path.join(rootAbs, img.path)}`);
  }
  const rel = path.relative(realRoot, realFile);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new LoupeError('forbidden', `Refused to serve ${img.path}: it resolves outside the project's image folder.`);
  }
  return { file: realFile, format: img.format ?? 'jpeg', orientation: img.orientation };
}

/** The bytes for an image URL: the full image, or its cached thumbnail. */
export async function serveImage(project: Project, imageId: number, kind: 'full' | 'thumb'): Promise<Displayable> {
  const { file, format, orientation } = resolveImageFile(project, imageId);
  if (kind === 'full') return displayable(file, format, orientation);
  const cached = project.images.thumbnail(imageId);
  if (cached) return cached;
  const t = await thumbnail(file, format);
  if (project.db.open) project.images.putThumbnail(imageId, t.mime, t.data);
  return t;
}

/** Parse `image/ID` or `thumb/ID` (the path part of an image URL). */
export function parseImageRoute(route: string): { kind: 'full' | 'thumb'; id: number } | null {
  // Ids are positive, written without leading zeros, so each image has exactly one URL.
  const m = /^\/*(image|thumb)\/([1-9]\d{0,14})$/.exec(route);
  if (!m) return null;
  return { kind: m[1] === 'image' ? 'full' : 'thumb', id: Number(m[2]) };
}
