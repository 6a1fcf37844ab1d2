import path from 'node:path';

// Characters no Windows file name may hold, and the control characters (NUL
// among them) no file system takes well.
const BAD_CHARS = /[\u0000-\u001f<>:"|?*]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * A relative path that stays inside whatever folder it is joined to, on every
 * OS, whatever an image's stored path says: `/` and `\` both separate folders,
 * empty and `.` segments go, `..` becomes `__`, a drive letter or any other
 * character Windows refuses becomes `_`, and so do trailing dots and spaces;
 * reserved device names (CON, NUL.txt…) get a leading `_`. Never empty.
 */
export function safeRelativePath(p: string): string {
  const segments = p
    .split(/[\\/]+/)
    .filter((s) => s !== '' && s !== '.')
    .map((s) => {
      let seg = s === '..' ? '__' : s.replace(BAD_CHARS, '_');
      seg = seg.replace(/[. ]+$/, (m) => '_'.repeat(m.length));
      return WINDOWS_RESERVED.test(seg) ? `_${seg}` : seg;
    });
  return segments.length ? segments.join('/') : '_';
}

/**
 * Why a relative path from outside (a package entry) could leave the folder it
 * is joined to, or null when it cannot: `..` or empty segments, an absolute
 * path, a drive letter, a backslash or a NUL.
 */
export function pathEscape(rel: string): string | null {
  if (rel.includes('\0')) return 'it holds a NUL character';
  if (rel.includes('\\')) return 'it holds a backslash (paths use /)';
  if (/^[a-z]:/i.test(rel)) return 'it starts with a drive letter';
  if (rel.startsWith('/')) return 'it is absolute';
  const segs = rel.split('/');
  if (segs.some((s) => s === '..')) return 'it climbs out with ..';
  if (segs.some((s) => s === '' || s === '.')) return 'it has an empty or . segment';
  return null;
}

/** True when `child` (absolute) is `parent` or lies under it, judged on the paths alone. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
