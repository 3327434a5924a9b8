/**
 * The checks `promtool check metrics` makes, for tests that run where promtool is not
 * installed: the text format as Prometheus' parser reads it (one block per family,
 * TYPE before samples, well-formed names and values, histograms with a +Inf bucket
 * that equals _count) and the lint rules of client_golang's promlint, which promtool
 * runs (prometheus/testutil/promlint/validations: help text, units, counter and
 * histogram/summary suffixes, reserved labels, type names in metric names, colons,
 * camelCase, abbreviated units). Problems read as promtool prints them: "NAME message".
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string | undefined;
  samples: Sample[];
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** Units and the base unit they should be (promlint's table). */
const UNITS: Record<string, string> = {
  amperes: 'amperes',
  bytes: 'bytes',
  celsius: 'celsius',
  grams: 'grams',
  joules: 'joules',
  kelvin: 'kelvin',
  meters: 'meters',
  metres: 'metres',
  seconds: 'seconds',
  volts: 'volts',
  minutes: 'seconds',
  hours: 'seconds',
  days: 'seconds',
  weeks: 'seconds',
  kelvins: 'kelvin',
  fahrenheit: 'celsius',
  rankine: 'celsius',
  inches: 'meters',
  yards: 'meters',
  miles: 'meters',
  bits: 'bytes',
  calories: 'joules',
  pounds: 'grams',
  ounces: 'grams',
};
const UNIT_PREFIXES = [
  'pico',
  'nano',
  'micro',
  'milli',
  'centi',
  'deci',
  'deca',
  'hecto',
  'kilo',
  'kibi',
  'mega',
  'mibi',
  'giga',
  'gibi',
  'tera',
  'tebi',
  'peta',
  'pebi',
];
const ABBREVIATIONS = [
  's',
  'ms',
  'us',
  'ns',
  'sec',
  'b',
  'kb',
  'mb',
  'gb',
  'tb',
  'pb',
  'm',
  'h',
  'd',
];
const TYPE_NAMES = ['counter', 'gauge', 'summary', 'histogram', 'gauge_histogram'];

/** A sample value as Go's strconv.ParseFloat reads it (NaN and Inf in any case). */
function parseValue(text: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special) {
    if (special[2].toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function parseLabels(text: string, problems: string[], line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq).trim();
    if (eq < 0 || !LABEL_RE.test(name) || text[eq + 1] !== '"') {
      problems.push(`malformed labels in: ${line}`);
      return labels;
    }
    let j = eq + 2;
    let value = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else problems.push(`bad escape in: ${line}`);
      } else value += text[j];
    }
    if (j >= text.length) {
      problems.push(`unterminated label value in: ${line}`);
      return labels;
    }
    if (name in labels) problems.push(`label ${name} repeated in: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
  }
  return labels;
}

/** The family a sample name belongs to, given the types declared so far. */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = types.get(base);
    if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

/** Families in order of appearance, with format problems found while reading them. */
export function parseExposition(text: string): { families: Family[]; problems: string[] } {
  const problems: string[] = [];
  const families: Family[] = [];
  const byName = new Map<string, Family>();
  const types = new Map<string, string>();
  const closed = new Set<string>();
  let current: Family | undefined;
  const enter = (name: string): Family => {
    if (current?.name === name) return current;
    if (current) closed.add(current.name);
    if (closed.has(name)) problems.push(`${name} second block of the same family`);
    let f = byName.get(name);
    if (!f) {
      f = { name, type: types.get(name) ?? 'untyped', help: undefined, samples: [] };
      byName.set(name, f);
      families.push(f);
    }
    current = f;
    return f;
  };
  if (!text.endsWith('\n')) problems.push('the exposition does not end with a newline');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a comment
      const [, kind, name, rest] = m;
      if (!NAME_RE.test(name)) problems.push(`${name} invalid metric name`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) problems.push(`${name} unknown type ${rest}`);
        if (types.has(name)) problems.push(`${name} second TYPE line`);
        if (byName.get(name)?.samples.length) problems.push(`${name} TYPE after its samples`);
        types.set(name, rest);
        enter(name).type = rest;
      } else {
        const f = enter(name);
        if (f.help !== undefined) problems.push(`${name} second HELP line`);
        f.help = rest;
      }
      continue;
    }
    const m = /^([^\s{]+)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) {
      problems.push(`unparseable line: ${line}`);
      continue;
    }
    const [, name, labelText, valueText] = m;
    if (!NAME_RE.test(name)) problems.push(`${name} invalid metric name`);
    const value = parseValue(valueText);
    if (value === undefined) problems.push(`${name} invalid value ${valueText}`);
    const labels = labelText ? parseLabels(labelText, problems, line) : {};
    enter(familyOf(name, types)).samples.push({ name, labels, value: value ?? NaN });
  }
  for (const f of families) if (f.type === 'histogram') checkHistogram(f, problems);
  return { families, problems };
}

function checkHistogram(f: Family, problems: string[]): void {
  const series = new Map<string, Sample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    series.set(key, [...(series.get(key) ?? []), s]);
  }
  for (const samples of series.values()) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const count = samples.find((s) => s.name === `${f.name}_count`);
    if (!samples.some((s) => s.name === `${f.name}_sum`) || !count) {
      problems.push(`${f.name} histogram series without _sum or _count`);
    }
    const inf = buckets.find((b) => b.labels.le === '+Inf');
    if (!inf) problems.push(`${f.name} histogram series without a +Inf bucket`);
    else if (count && inf.value !== count.value)
      problems.push(`${f.name} +Inf bucket ${inf.value} differs from _count ${count.value}`);
    let prev = -Infinity;
    let prevCount = 0;
    for (const b of buckets) {
      const le = parseValue(b.labels.le ?? '');
      if (le === undefined || le <= prev)
        problems.push(`${f.name} buckets not in increasing le order`);
      if (b.value < prevCount) problems.push(`${f.name} buckets not cumulative`);
      prev = le ?? prev;
      prevCount = b.value;
    }
  }
}

/** promlint's rules for one family. */
export function lintFamily(f: Family): string[] {
  const out: string[] = [];
  const problem = (message: string): number => out.push(`${f.name} ${message}`);
  const n = f.name;
  const lower = n.toLowerCase();
  if (f.help === undefined) problem('no help text');
  const parts = n.split('_');
  for (const p of parts) {
    const base =
      UNITS[p] ??
      UNIT_PREFIXES.map((x) => (p.startsWith(x) ? UNITS[p.slice(x.length)] : undefined)).find(
        Boolean,
      );
    if (base !== undefined) {
      if (base !== p) problem(`use base unit "${base}" instead of "${p}"`);
      break;
    }
  }
  const isCounter = f.type === 'counter';
  const untyped = f.type === 'untyped';
  if (isCounter && !n.endsWith('_total')) problem('counter metrics should have "_total" suffix');
  if (!untyped && !isCounter && n.endsWith('_total'))
    problem('non-counter metrics should not have "_total" suffix');
  if (!untyped) {
    const hist = f.type === 'histogram';
    const summary = f.type === 'summary';
    if (!hist && n.endsWith('_bucket'))
      problem('non-histogram metrics should not have "_bucket" suffix');
    if (!hist && !summary && n.endsWith('_count'))
      problem('non-histogram and non-summary metrics should not have "_count" suffix');
    if (!hist && !summary && n.endsWith('_sum'))
      problem('non-histogram and non-summary metrics should not have "_sum" suffix');
    for (const s of f.samples) {
      if (!hist && 'le' in s.labels) problem('non-histogram metrics should not have "le" label');
      if (!summary && 'quantile' in s.labels)
        problem('non-summary metrics should not have "quantile" label');
    }
  }
  for (const t of TYPE_NAMES) {
    if (lower.includes(`_${t}_`) || lower.endsWith(`_${t}`))
      problem(`metric name should not include type '${t}'`);
  }
  if (n.includes(':')) problem("metric names should not contain ':'");
  if (/[a-z][A-Z]/.test(n))
    problem("metric names should be written in 'snake_case' not 'camelCase'");
  if (f.samples.some((s) => Object.keys(s.labels).some((l) => /[a-z][A-Z]/.test(l))))
    problem("label names should be written in 'snake_case' not 'camelCase'");
  for (const a of ABBREVIATIONS) {
    if (lower.includes(`_${a}_`) || lower.endsWith(`_${a}`)) {
      problem('metric names should not contain abbreviated units');
    }
  }
  return [...new Set(out)];
}

/** Every problem promtool would report for this exposition (format, then lint). */
export function promlint(text: string): string[] {
  const { families, problems } = parseExposition(text);
  return [...problems, ...families.flatMap(lintFamily)];
}
