/**
 * A metadata key = value test in SQL over `<alias>.metadata`, taking two
 * parameters, the key and the value. JSON true/false compare as the words,
 * numbers and strings as their text (as `scalarText` in app/domain/metadata
 * writes them), so `shift=night` and `defects=3` both read as a person writes
 * them. The key is matched through json_each, so any key (quotes, dots,
 * brackets) is taken literally rather than as a JSON path. Migration 4's
 * image_tags table holds the same text per key (the review queue filters on it),
 * so a change to this comparison needs a migration that rebuilds that table.
 */
export function metadataEquals(alias: string): string {
  return `EXISTS (SELECT 1 FROM json_each(${alias}.metadata) AS m WHERE m.key = ? AND (CASE m.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(m.value AS TEXT) END) = ?)`;
}
