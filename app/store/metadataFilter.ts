/**
 * A metadata key = value test in SQL over `<alias>.metadata`, with its
 * parameters. JSON true/false compare as the words, numbers and strings as
 * their text, so `shift=night` and `defects=3` both read as a person writes
 * them. The key is matched through json_each, so any key (quotes, dots,
 * brackets) is taken literally rather than as a JSON path.
 */
export function metadataEquals(alias: string, key: string, value: string): { sql: string; params: string[] } {
  return {
    sql: `EXISTS (SELECT 1 FROM json_each(${alias}.metadata) AS m WHERE m.key = ? AND (CASE m.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(m.value AS TEXT) END) = ?)`,
    params: [key, value],
  };
}
