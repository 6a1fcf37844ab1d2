import { SidecarError, type SidecarProblem, type SidecarRow } from './metadataSidecar.ts';

/**
 * Pair each sidecar row with one image: by its path below the image folder, or
 * by its bare file name when exactly one image has it. Throws a SidecarError
 * naming every row that matches no image or several.
 */
export function matchSidecar<T>(file: string, rows: readonly SidecarRow[], images: readonly T[], pathOf: (img: T) => string): Map<T, SidecarRow> {
  const byPath = new Map<string, T[]>();
  const byName = new Map<string, T[]>();
  for (const img of images) {
    const p = pathOf(img);
    push(byPath, p, img);
    push(byName, p.slice(p.lastIndexOf('/') + 1), img);
  }
  const out = new Map<T, SidecarRow>();
  const problems: SidecarProblem[] = [];
  for (const row of rows) {
    const hits = byPath.get(row.file) ?? (row.file.includes('/') ? undefined : byName.get(row.file));
    if (!hits?.length) {
      const example = images.length ? ` (paths are below the image folder, e.g. "${pathOf(images[0])}")` : ' (there are no images)';
      problems.push({ line: row.line, reason: `no image "${row.file}"${example}` });
    } else if (hits.length > 1) {
      problems.push({ line: row.line, reason: `"${row.file}" matches ${hits.length} images (${hits.slice(0, 2).map(pathOf).join(', ')}); give its path below the image folder` });
    } else if (out.has(hits[0])) {
      problems.push({ line: row.line, reason: `"${row.file}" is the image line ${out.get(hits[0])!.line} already gives` });
    } else out.set(hits[0], row);
  }
  if (problems.length) throw new SidecarError(file, problems);
  return out;
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
