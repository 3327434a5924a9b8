/**
 * How suite values meet column values: bounds and value sets read in the column's
 * kind (a date string against a datetime column, "3" against a number column),
 * Python regular expressions in JavaScript, type names from pandas/numpy/SQL, and
 * the short renderings used in summaries.
 */
import {
  parseBooleanText,
  parseDatetimeText,
  parseNumberText,
  type ColumnKind,
} from '../io/index.js';
import type { Key } from './accumulate.js';

/** An expectation that cannot be evaluated on this data: reported as its exception. */
export class EvaluationError extends Error {}

export const isNumericKind = (kind: ColumnKind): boolean =>
  kind === 'number' || kind === 'integer' || kind === 'datetime';
export const isTextKind = (kind: ColumnKind): boolean => kind === 'string' || kind === 'category';

/** A value of the column as JSON shows it: datetimes as ISO 8601, booleans as booleans. */
export function presentKey(kind: ColumnKind, key: Key): unknown {
  if (typeof key === 'number' && kind === 'datetime') return isoOf(key);
  if (typeof key === 'number' && kind === 'boolean') return key === 1;
  return key;
}

export function isoOf(ms: number): string | number {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? ms : d.toISOString();
}

/**
 * A bound (min_value, max_value) in the column's terms: a number for numeric and
 * boolean columns (datetimes: epoch ms, from a date string or a number), a string
 * for text columns. Undefined when not given.
 */
export function boundFor(
  kind: ColumnKind,
  value: unknown,
  name: string,
  column: string,
): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (isTextKind(kind)) {
    if (typeof value === 'string') return value;
    throw new EvaluationError(
      `${name} ${textOf(value)} is a number but column "${column}" holds text (${kind})`,
    );
  }
  if (kind === 'datetime') {
    if (typeof value === 'number') return value;
    const ms = typeof value === 'string' ? parseDatetimeText(value) : undefined;
    if (ms === undefined) {
      throw new EvaluationError(
        `${name} ${JSON.stringify(value)} is not an ISO 8601 date for datetime column "${column}"`,
      );
    }
    return ms;
  }
  if (typeof value === 'number') return value;
  const n = typeof value === 'string' ? parseNumberText(value) : undefined;
  if (n === undefined || Number.isNaN(n)) {
    throw new EvaluationError(
      `${name} ${JSON.stringify(value)} is not a number (column "${column}" is ${kind})`,
    );
  }
  return n;
}

/** The kind a bound asks a column to be read as: number, datetime, or nothing to ask. */
export function kindWantedBy(value: unknown): 'number' | 'datetime' | undefined {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') {
    if (parseNumberText(value) !== undefined) return 'number';
    if (parseDatetimeText(value) !== undefined) return 'datetime';
  }
  return undefined;
}

/**
 * `lo <= v <= hi` with GX's strict_min / strict_max; a missing bound is no bound.
 * Works for numbers and, on text columns, strings (code-unit order).
 */
export function makeBetween<T extends number | string>(
  lo: T | undefined,
  hi: T | undefined,
  strictMin: boolean,
  strictMax: boolean,
): (v: T) => boolean {
  if (lo !== undefined && hi !== undefined) {
    if (strictMin && strictMax) return (v) => v > lo && v < hi;
    if (strictMin) return (v) => v > lo && v <= hi;
    if (strictMax) return (v) => v >= lo && v < hi;
    return (v) => v >= lo && v <= hi;
  }
  if (lo !== undefined) return strictMin ? (v) => v > lo : (v) => v >= lo;
  if (hi !== undefined) return strictMax ? (v) => v < hi : (v) => v <= hi;
  return () => true;
}

/** "[18, 120]", "(0, 1]", "≥ 1000" */
export function describeRange(
  lo: unknown,
  hi: unknown,
  strictMin = false,
  strictMax = false,
): string {
  const has = (v: unknown): boolean => v !== undefined && v !== null;
  if (has(lo) && has(hi))
    return `${strictMin ? '(' : '['}${show(lo)}, ${show(hi)}${strictMax ? ')' : ']'}`;
  if (has(lo)) return `${strictMin ? '>' : '≥'} ${show(lo)}`;
  if (has(hi)) return `${strictMax ? '<' : '≤'} ${show(hi)}`;
  return 'any value';
}

/**
 * A value_set read in the column's kind. Items that do not parse as the column's
 * kind stay strings: they can still equal a mismatched cell's raw text.
 */
export class ValueSet {
  private readonly keys = new Set<Key>();

  constructor(
    readonly kind: ColumnKind,
    readonly items: readonly unknown[],
  ) {
    for (const item of items) {
      const key = keyOf(kind, item);
      if (key !== undefined) this.keys.add(key);
    }
  }

  has(key: Key): boolean {
    return this.keys.has(key);
  }

  /** the set's keys, for set comparisons with observed distinct values */
  all(): Set<Key> {
    return this.keys;
  }
}

function keyOf(kind: ColumnKind, item: unknown): Key | undefined {
  if (item === null || item === undefined) return undefined;
  if (isTextKind(kind)) {
    return textOf(item);
  }
  if (kind === 'boolean') {
    if (typeof item === 'boolean') return item;
    const b = typeof item === 'string' ? parseBooleanText(item) : undefined;
    if (b !== undefined) return b;
    if (item === 1 || item === 0) return item === 1;
    return textOf(item);
  }
  if (typeof item === 'number') return item;
  if (typeof item === 'boolean') return item ? 1 : 0;
  if (typeof item === 'string') {
    const parsed = kind === 'datetime' ? parseDatetimeText(item) : parseNumberText(item);
    return parsed === undefined || Number.isNaN(parsed) ? item : parsed;
  }
  return textOf(item);
}

/**
 * A Python `re` pattern as a JavaScript RegExp. GX tests with `re.search` semantics
 * (a match anywhere unless anchored); the syntax differences that matter in practice
 * are named groups `(?P<n>...)`/`(?P=n)` and leading global flags `(?i)`.
 */
export function compileRegex(pattern: string): RegExp {
  let source = pattern;
  let flags = '';
  const lead = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (lead !== null) {
    for (const f of lead[1]) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f;
      else if (f !== 'a' && f !== 'u') {
        throw new Error(`the inline flag (?${f}) has no JavaScript equivalent`);
      }
    }
    source = source.slice(lead[0].length);
  }
  source = source.replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  source = source.replace(/\\A/g, '^').replace(/\\Z/g, '$');
  return new RegExp(source, flags);
}

/** Length in Unicode code points, as Python's len() counts a str. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

/** What a type name from a suite means here. */
export type TypeClass = 'integer' | 'float' | 'string' | 'boolean' | 'datetime';

const TYPE_NAMES: Record<TypeClass, readonly string[]> = {
  integer: [
    'int',
    'int8',
    'int16',
    'int32',
    'int64',
    'uint8',
    'uint16',
    'uint32',
    'uint64',
    'integer',
    'long',
    'bigint',
    'smallint',
    'tinyint',
  ],
  float: [
    'float',
    'float16',
    'float32',
    'float64',
    'double',
    'number',
    'numeric',
    'decimal',
    'real',
  ],
  string: ['str', 'string', 'object', 'unicode', 'text', 'varchar', 'char', 'category'],
  boolean: ['bool', 'boolean', 'bool_'],
  datetime: [
    'datetime',
    'datetime64',
    'datetime64[ns]',
    'datetime64[ns, utc]',
    'timestamp',
    'date',
    'datetimetz',
  ],
};

export function typeClassOf(name: string): TypeClass | undefined {
  const lower = name.toLowerCase();
  for (const [cls, names] of Object.entries(TYPE_NAMES) as [TypeClass, readonly string[]][]) {
    if (names.includes(lower)) return cls;
  }
  return undefined;
}

/** A number in a summary: integers as they are, others to 6 significant digits. */
export function fmt(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}

/** A count in a summary, with thousands separators. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function pct(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  if (n === 0) return '0%';
  if (n < 0.01) return `${Number(n.toPrecision(2))}%`;
  return `${Number(n.toPrecision(4))}%`;
}

/** Any value as text: strings as they are, everything else as JSON. */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? 'undefined';
}

/** A value in a summary: strings quoted, numbers formatted, lists bracketed. */
export function show(v: unknown, max = 40): string {
  if (typeof v === 'number') return fmt(v);
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return s.length > max ? `${s.slice(0, max - 2)}…"` : s;
  }
  if (Array.isArray(v)) {
    const parts = v.slice(0, 8).map((x) => show(x, 20));
    if (v.length > 8) parts.push(`… ${v.length - 8} more`);
    return `[${parts.join(', ')}]`;
  }
  if (v === null || v === undefined) return 'null';
  return textOf(v);
}
