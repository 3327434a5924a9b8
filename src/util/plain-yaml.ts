/**
 * A reader for the plainest YAML: nested block mappings of `key: value` lines, full-
 * line and trailing comments, values that are unquoted ASCII words or decimal
 * integers. That is every pointer file mlo writes and the config.yaml it creates,
 * which `mlo status`, `add` and `checkout` read on every run; reading them here
 * spares those commands loading the yaml package (about 20 ms of start-up).
 *
 * It answers only where YAML itself cannot mean anything else, and returns undefined
 * for everything outside that subset, so the caller parses the text in full: quotes,
 * flow collections, sequences, anchors, tags, block scalars, tabs, duplicate keys,
 * empty values, and any scalar YAML's core schema would type (true, null, 1.5, 0x1F,
 * 012, .inf). test/unit/util/plain-yaml.test.ts checks it against the yaml package.
 */

type PlainMap = Record<string, unknown>;

const LINE = /^( *)([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?$/;
/** a scalar starting with a letter, digit, `_` or `/`, of safe characters only */
const WORD = /^[A-Za-z0-9_/][A-Za-z0-9_./:@+=, -]*$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
/** what YAML's core schema reads as a number when it is not a plain decimal */
const NUMBERISH = /^(0[xo]|[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$)/i;
const CORE_WORDS = /^(true|false|null)$/i;

/** The mapping `text` holds, or undefined when it is not in the plain subset. */
export function parsePlainYaml(text: string): PlainMap | undefined {
  if (text.includes('\t')) return undefined;
  const root: PlainMap = {};
  // open mappings, innermost last; a mapping's indent is fixed by its first key
  const stack: { indent: number; map: PlainMap }[] = [{ indent: 0, map: root }];
  let opened: PlainMap | undefined; // a key with no value: its mapping, not yet indented
  let keys = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.includes('\r')) return undefined;
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) return undefined;
    const indent = m[1].length;
    if (opened) {
      if (indent <= stack[stack.length - 1].indent) return undefined; // `key:` alone is null
      stack.push({ indent, map: opened });
      opened = undefined;
    }
    while (stack.length > 1 && stack[stack.length - 1].indent > indent) stack.pop();
    const top = stack[stack.length - 1];
    if (top.indent !== indent) return undefined;
    const key = m[2];
    if (key === '__proto__' || Object.hasOwn(top.map, key)) return undefined;
    keys++;
    const rest = m[3] ?? '';
    const comment = rest.indexOf(' #');
    const value = (comment < 0 ? rest : rest.slice(0, comment)).trimEnd();
    if (value === '') {
      opened = {};
      top.map[key] = opened;
      continue;
    }
    const scalar = plainScalar(value);
    if (scalar === undefined) return undefined;
    top.map[key] = scalar;
  }
  if (opened || keys === 0) return undefined;
  return root;
}

/** A value YAML reads as exactly this string or integer; undefined if not sure. */
function plainScalar(value: string): string | number | undefined {
  if (!WORD.test(value) || value.endsWith(' ') || value.includes(': ') || value.endsWith(':'))
    return undefined;
  if (DECIMAL.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  // a hash like 7e3f... is a string; 7e3 or 0x1f would be a number
  return NUMBERISH.test(value) || CORE_WORDS.test(value) ? undefined : value;
}

/**
 * `value` as a YAML scalar: as is where the plain reader reads it back unchanged,
 * else double-quoted. JSON's string syntax is YAML's double-quoted one; the C1
 * controls, which YAML must see escaped and JSON leaves alone, are escaped too.
 */
export function yamlScalar(value: string): string {
  if (plainScalar(value) === value) return value;
  return JSON.stringify(value).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
