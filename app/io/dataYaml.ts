/**
 * The subset of YAML an Ultralytics dataset file uses: top-level `path`,
 * `train`, `val`, `test` (a string or a list), `names` (a list or an
 * `{index: name}` mapping, block or flow style) and `nc`. Other keys, with any
 * indented block under them (e.g. a `download:` script), are ignored.
 */

/** A data.yaml that cannot be read, with the 1-based line it failed on. */
export class DataYamlError extends Error {
  constructor(
    readonly line: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'DataYamlError';
  }
}

/** What Loupe needs from a data.yaml. */
export interface DataYaml {
  path?: string;
  train: string[];
  val: string[];
  test: string[];
  names: string[];
  nc?: number;
}

type Value = { kind: 'scalar'; text: string } | { kind: 'list'; items: string[] } | { kind: 'map'; entries: [string, string][] };

/** Remove a trailing `# comment` that is outside quotes. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', '0': '\0' };

/** A scalar: single-quoted ('' is a quote), double-quoted with escapes, or bare. */
function scalar(raw: string, line: number): string {
  const s = raw.trim();
  if (s.startsWith("'")) {
    if (s.length < 2 || !s.endsWith("'")) throw new DataYamlError(line, `unterminated quoted value ${s}`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s.startsWith('"')) {
    if (s.length < 2 || !s.endsWith('"')) throw new DataYamlError(line, `unterminated quoted value ${s}`);
    return s.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
      if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
      if (!(e in ESCAPES)) throw new DataYamlError(line, `unknown escape \\${e} in ${s}`);
      return ESCAPES[e];
    });
  }
  return s;
}

/** Split a flow collection's body on commas outside quotes. */
function splitFlow(body: string): string[] {
  const out: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ',') {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out.map((x) => x.trim()).filter((x) => x.length > 0);
}

/** `key: value` with the key possibly quoted; null when the text has no such colon. */
function keyValue(text: string): [string, string] | null {
  const m = /^("[^"]*"|'[^']*'|[^:'"]+?)\s*:(?:\s+(.*))?$/.exec(text.trim());
  return m ? [m[1].replace(/^["']|["']$/g, ''), m[2] ?? ''] : null;
}

function flowValue(text: string, line: number): Value {
  const open = text[0];
  const close = open === '[' ? ']' : '}';
  if (!text.endsWith(close)) throw new DataYamlError(line, `'${open}' is not closed on the same line`);
  const items = splitFlow(text.slice(1, -1));
  if (open === '[') return { kind: 'list', items: items.map((x) => scalar(x, line)) };
  return {
    kind: 'map',
    entries: items.map((x) => {
      const kv = keyValue(x);
      if (!kv) throw new DataYamlError(line, `expected 'key: value' in the mapping, found '${x}'`);
      return [kv[0], scalar(kv[1], line)];
    }),
  };
}

/** Parse the text of a data.yaml. */
export function parseDataYaml(text: string): DataYaml {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const values = new Map<string, { value: Value; line: number }>();
  for (let i = 0; i < lines.length; i++) {
    const body = stripComment(lines[i]);
    if (!body.trim() || body.trim() === '---') continue;
    if (/^\s/.test(body)) throw new DataYamlError(i + 1, `indented line '${body.trim()}' belongs to no key`);
    const kv = keyValue(body);
    if (!kv) throw new DataYamlError(i + 1, `expected 'key: value', found '${body.trim()}'`);
    const [key, rest] = kv;
    const line = i + 1;
    // The indented block under the key (its list items, mapping entries, or a script to skip).
    const block: { text: string; line: number }[] = [];
    // YAML lets a key's list items start at column 0 ("names:\n- car").
    while (i + 1 < lines.length && (/^(\s|-(\s|$))/.test(lines[i + 1]) || !stripComment(lines[i + 1]).trim())) {
      i++;
      const t = stripComment(lines[i]);
      if (t.trim()) block.push({ text: t.trim(), line: i + 1 });
    }
    if (!['path', 'train', 'val', 'test', 'names', 'nc'].includes(key)) continue;
    if (values.has(key)) throw new DataYamlError(line, `'${key}' is given twice (first on line ${values.get(key)!.line})`);
    let value: Value;
    const inline = rest.trim();
    if (inline && block.length) throw new DataYamlError(block[0].line, `'${key}' has both a value and an indented block`);
    if (inline.startsWith('[') || inline.startsWith('{')) value = flowValue(inline, line);
    else if (inline || !block.length) value = { kind: 'scalar', text: scalar(inline, line) };
    else if (block.length && block[0].text.startsWith('-')) {
      value = {
        kind: 'list',
        items: block.map((b) => {
          if (!b.text.startsWith('-')) throw new DataYamlError(b.line, `expected a '- item' line, found '${b.text}'`);
          return scalar(b.text.slice(1), b.line);
        }),
      };
    } else {
      value = {
        kind: 'map',
        entries: block.map((b) => {
          const e = keyValue(b.text);
          if (!e) throw new DataYamlError(b.line, `expected 'index: name', found '${b.text}'`);
          return [e[0], scalar(e[1], b.line)];
        }),
      };
    }
    values.set(key, { value, line });
  }
  return build(values);
}

function build(values: Map<string, { value: Value; line: number }>): DataYaml {
  const out: DataYaml = { train: [], val: [], test: [], names: [] };
  const path = values.get('path');
  if (path) {
    if (path.value.kind !== 'scalar') throw new DataYamlError(path.line, "'path' must be one folder");
    if (path.value.text) out.path = path.value.text;
  }
  for (const split of ['train', 'val', 'test'] as const) {
    const v = values.get(split);
    if (!v) continue;
    if (v.value.kind === 'map') throw new DataYamlError(v.line, `'${split}' must be a path or a list of paths`);
    out[split] = (v.value.kind === 'scalar' ? [v.value.text] : v.value.items).filter((s) => s !== '' && s !== 'null' && s !== '~');
  }
  const nc = values.get('nc');
  if (nc) {
    const n = nc.value.kind === 'scalar' ? Number(nc.value.text) : NaN;
    if (!Number.isInteger(n) || n < 0) throw new DataYamlError(nc.line, `'nc' must be a whole number, found ${JSON.stringify(nc.value.kind === 'scalar' ? nc.value.text : nc.value)}`);
    out.nc = n;
  }
  const names = values.get('names');
  if (!names) throw new DataYamlError(1, "no 'names' entry: the class names are needed");
  if (names.value.kind === 'scalar') throw new DataYamlError(names.line, "'names' must be a list or an {index: name} mapping");
  if (names.value.kind === 'list') out.names = names.value.items;
  else {
    const entries = names.value.entries;
    const dense: string[] = new Array(entries.length);
    for (const [k, v] of entries) {
      const idx = /^\d+$/.test(k) ? Number(k) : NaN;
      if (!(idx >= 0 && idx < entries.length)) throw new DataYamlError(names.line, `class index ${k} is outside 0..${entries.length - 1}; indices must be 0..n-1`);
      if (dense[idx] !== undefined) throw new DataYamlError(names.line, `class index ${idx} appears twice`);
      dense[idx] = v;
    }
    out.names = dense;
  }
  const seen = new Map<string, number>();
  out.names.forEach((n, i) => {
    if (!n.trim()) throw new DataYamlError(names.line, `class ${i} has an empty name`);
    if (seen.has(n)) throw new DataYamlError(names.line, `class name '${n}' is used by both ${seen.get(n)} and ${i}`);
    seen.set(n, i);
  });
  if (out.nc !== undefined && out.nc !== out.names.length) {
    throw new DataYamlError(nc!.line, `'nc' is ${out.nc} but 'names' has ${out.names.length} classes`);
  }
  return out;
}
