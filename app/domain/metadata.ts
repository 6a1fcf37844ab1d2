/** An image's metadata JSON as an object; anything else (bad JSON, an array, a scalar) reads as empty. */
export function parseMetadata(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * A metadata value as text a person filters and slices by (`night`, `3`,
 * `true`), the same text the store's key = value filter compares; null for
 * objects, arrays and null, which are not sliced or filtered on.
 */
export function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** The scalar values of an image's metadata, in key order: at most six, each at most 40 characters. */
export function metadataTags(json: string): string[] {
  const tags: string[] = [];
  for (const v of Object.values(parseMetadata(json))) {
    const text = scalarText(v);
    if (text !== null) tags.push(text.slice(0, 40));
    if (tags.length === 6) break;
  }
  return tags;
}
