/**
 * The run filter language (tracking/filter.ts) evaluated over in-memory columns with
 * the semantics of its SQL compilation (store/run-query.ts), so the UI's table and
 * `mlo runs list` select the same runs: SQL's three-valued logic for attributes that
 * may be NULL, EXISTS for keys (a run without the key never matches a comparison;
 * `not in` and `not like` need the key), numbers compared as numbers and text in
 * byte order, `like` case-sensitive and `ilike` folding ASCII only.
 * test/unit/ui/run-table.test.ts checks both agree on generated filters.
 */
import type { CompareOp, FieldRef, FilterExpr, Literal, RunAttribute } from '../../store/index.js';
import type { BaseColumns, KeyColumn, TextColumn } from './columns.js';

/** 0 false, 1 true, 2 NULL (unknown) */
export type Truth = Uint8Array;
const F = 0;
const T = 1;
const N = 2;

/** Where the evaluator gets its columns (loaded on first use). */
export interface ColumnSource {
  base: BaseColumns;
  key(kind: 'metric' | 'param' | 'tag', key: string): KeyColumn;
  text(name: 'id' | 'name' | 'commit'): TextColumn;
  /** a number as SQLite's TEXT affinity spells it (3 → '3.0') */
  sqlText(n: number): string;
  /** the time `duration` of running runs is measured to */
  nowMs: number;
}

const NUMERIC_ATTRS = new Set<RunAttribute>(['start', 'end', 'duration', 'exit_code']);

export function numericAttribute(cols: ColumnSource, name: RunAttribute): Float64Array {
  const b = cols.base;
  switch (name) {
    case 'start':
      return b.start;
    case 'end':
      return b.end;
    case 'exit_code':
      return b.exitCode;
    case 'duration': {
      const out = new Float64Array(b.n);
      for (let i = 0; i < b.n; i++) {
        const end = Number.isNaN(b.end[i]) ? cols.nowMs : b.end[i];
        out[i] = (end - b.start[i]) / 1000;
      }
      return out;
    }
    default:
      throw new Error(`${name} is not a numeric attribute`);
  }
}

export function textAttribute(cols: ColumnSource, name: RunAttribute): TextColumn {
  switch (name) {
    case 'status':
      return cols.base.status;
    case 'experiment':
      return cols.base.experiment;
    case 'stage':
      return cols.base.stage;
    case 'id':
    case 'name':
    case 'commit':
      return cols.text(name);
    default:
      throw new Error(`${name} is not a text attribute`);
  }
}

export const isNumericAttribute = (name: RunAttribute): boolean => NUMERIC_ATTRS.has(name);

function numOp(op: CompareOp): (a: number, b: number) => boolean {
  switch (op) {
    case '=':
      return (a, b) => a === b;
    case '!=':
      return (a, b) => a !== b;
    case '<':
      return (a, b) => a < b;
    case '<=':
      return (a, b) => a <= b;
    case '>':
      return (a, b) => a > b;
    case '>=':
      return (a, b) => a >= b;
  }
}

/** A text comparison with a literal as a test on dictionary codes. */
function codeOp(col: TextColumn, op: CompareOp, literal: string): (code: number) => boolean {
  const { at, exact } = col.dict.lowerBound(literal);
  const above = exact ? at + 1 : at;
  switch (op) {
    case '=':
      return exact ? (c) => c === at : () => false;
    case '!=':
      return exact ? (c) => c !== at : () => true;
    case '<':
      return (c) => c < at;
    case '<=':
      return (c) => c < above;
    case '>':
      return (c) => c >= above;
    case '>=':
      return (c) => c >= at;
  }
}

/** The literal as text for a text column (numbers as SQLite converts them). */
const asText = (cols: ColumnSource, v: Literal): string =>
  typeof v === 'string' ? v : cols.sqlText(v);

/** A like pattern (`%`, `_`, `\` escapes) as a regular expression. */
export function likeRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const chars = [...pattern];
  let re = '';
  const literal = (c: string): string => {
    if (ignoreCase && /^[A-Za-z]$/.test(c)) return `[${c.toLowerCase()}${c.toUpperCase()}]`;
    return c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\' && i + 1 < chars.length) re += literal(chars[++i]);
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += literal(c);
  }
  return new RegExp(`^${re}$`, 'u');
}

/** Which dictionary codes match a pattern: the pattern runs once per distinct value. */
function likeCodes(col: TextColumn, pattern: string, ignoreCase: boolean): Uint8Array {
  const re = likeRegExp(pattern, ignoreCase);
  const ok = new Uint8Array(col.dict.values.length);
  col.dict.values.forEach((v, i) => (ok[i] = re.test(v) ? 1 : 0));
  return ok;
}

function fill(n: number, f: (i: number) => number): Truth {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

function cmp(cols: ColumnSource, field: FieldRef, op: CompareOp, value: Literal): Truth {
  const n = cols.base.n;
  if (field.kind === 'attr') {
    if (isNumericAttribute(field.name)) {
      const col = numericAttribute(cols, field.name);
      const v = Number(value);
      const test = numOp(op);
      return fill(n, (i) => (Number.isNaN(col[i]) ? N : test(col[i], v) ? T : F));
    }
    const col = textAttribute(cols, field.name);
    const test = codeOp(col, op, asText(cols, value));
    return fill(n, (i) => (col.codes[i] < 0 ? N : test(col.codes[i]) ? T : F));
  }
  const col = cols.key(field.kind, field.key);
  if (field.kind === 'metric' || typeof value === 'number') {
    const test = numOp(op);
    const v = Number(value);
    // a NULL value (NaN metric, non-numeric param) compares as NULL: no match
    return fill(n, (i) =>
      col.present[i] && !Number.isNaN(col.num[i]) && test(col.num[i], v) ? T : F,
    );
  }
  const text = col.text as TextColumn;
  const test = codeOp(text, op, value);
  return fill(n, (i) => (col.present[i] && test(text.codes[i]) ? T : F));
}

function inList(cols: ColumnSource, field: FieldRef, values: Literal[], negated: boolean): Truth {
  const n = cols.base.n;
  if (field.kind === 'attr') {
    if (isNumericAttribute(field.name)) {
      const col = numericAttribute(cols, field.name);
      const set = new Set(values.map(Number));
      return fill(n, (i) => (Number.isNaN(col[i]) ? N : set.has(col[i]) !== negated ? T : F));
    }
    const col = textAttribute(cols, field.name);
    const codes = new Set(values.map((v) => col.dict.code(asText(cols, v))));
    return fill(n, (i) => (col.codes[i] < 0 ? N : codes.has(col.codes[i]) !== negated ? T : F));
  }
  const col = cols.key(field.kind, field.key);
  const numbers = new Set(values.filter((v): v is number => typeof v === 'number'));
  const text = col.text;
  const codes =
    field.kind === 'metric' || !text
      ? new Set<number>()
      : new Set(
          values.filter((v): v is string => typeof v === 'string').map((v) => text.dict.code(v)),
        );
  return fill(n, (i) => {
    if (!col.present[i]) return F;
    const match = numbers.has(col.num[i]) || (text !== undefined && codes.has(text.codes[i]));
    return match !== negated ? T : F;
  });
}

function like(
  cols: ColumnSource,
  field: FieldRef,
  pattern: string,
  negated: boolean,
  ignoreCase: boolean,
): Truth {
  const n = cols.base.n;
  if (field.kind === 'attr') {
    const col = textAttribute(cols, field.name);
    const ok = likeCodes(col, pattern, ignoreCase);
    return fill(n, (i) => (col.codes[i] < 0 ? N : (ok[col.codes[i]] === 1) !== negated ? T : F));
  }
  const col = cols.key(field.kind, field.key);
  const text = col.text;
  if (!text) return new Uint8Array(n); // the parser refuses like on metrics
  const ok = likeCodes(text, pattern, ignoreCase);
  return fill(n, (i) => (col.present[i] && (ok[text.codes[i]] === 1) !== negated ? T : F));
}

function isNull(cols: ColumnSource, field: FieldRef, negated: boolean): Truth {
  const n = cols.base.n;
  if (field.kind === 'attr') {
    if (isNumericAttribute(field.name)) {
      const col = numericAttribute(cols, field.name);
      return fill(n, (i) => (Number.isNaN(col[i]) !== negated ? T : F));
    }
    const col = textAttribute(cols, field.name);
    return fill(n, (i) => (col.codes[i] < 0 !== negated ? T : F));
  }
  const col = cols.key(field.kind, field.key);
  return fill(n, (i) => ((col.present[i] === 1) === negated ? T : F));
}

export function evaluateFilter(cols: ColumnSource, e: FilterExpr): Truth {
  switch (e.type) {
    case 'and':
    case 'or': {
      const parts = e.items.map((x) => evaluateFilter(cols, x));
      const n = cols.base.n;
      const out = new Uint8Array(n);
      const decisive = e.type === 'and' ? F : T;
      const otherwise = e.type === 'and' ? T : F;
      for (let i = 0; i < n; i++) {
        let r = otherwise;
        for (const p of parts) {
          const v = p[i];
          if (v === decisive) {
            r = decisive;
            break;
          }
          if (v === N) r = N;
        }
        out[i] = r;
      }
      return out;
    }
    case 'not': {
      const inner = evaluateFilter(cols, e.expr);
      for (let i = 0; i < inner.length; i++) inner[i] = inner[i] === N ? N : 1 - inner[i];
      return inner;
    }
    case 'cmp':
      return cmp(cols, e.field, e.op, e.value);
    case 'in':
      return inList(cols, e.field, e.values, e.negated);
    case 'like':
      return like(cols, e.field, e.pattern, e.negated, e.ignoreCase);
    case 'null':
      return isNull(cols, e.field, e.negated);
  }
}
