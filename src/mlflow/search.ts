/**
 * MLflow's search syntax onto mlo's filter language (a superset: MLflow's `and`-only
 * strings parse as they are). Runs are filtered by SQL (store/run-query.ts);
 * experiments, registered models and versions are few, so their filters are
 * evaluated here on the parsed expression.
 */
import { MloError } from '../errors.js';
import { type FieldRef, type FilterExpr, type Literal, type SortKey } from '../store/index.js';
import { parseFilter, parseSortKey } from '../tracking/index.js';
import { invalid } from './errors.js';

function parse(filter: string): FilterExpr {
  try {
    return parseFilter(filter);
  } catch (err) {
    if (err instanceof MloError) throw invalid(`Invalid filter '${filter}': ${err.message}`);
    throw err;
  }
}

/** Statuses are upper case in MLflow and lower case in mlo; run names are a tag there. */
function normaliseRunExpr(e: FilterExpr): FilterExpr {
  switch (e.type) {
    case 'and':
    case 'or':
      return { ...e, items: e.items.map(normaliseRunExpr) };
    case 'not':
      return { ...e, expr: normaliseRunExpr(e.expr) };
    default: {
      let field: FieldRef = e.field;
      if (field.kind === 'tag' && field.key === 'mlflow.runName')
        field = { kind: 'attr', name: 'name' };
      const lower = field.kind === 'attr' && field.name === 'status';
      const fix = (v: Literal): Literal => (lower && typeof v === 'string' ? v.toLowerCase() : v);
      if (e.type === 'cmp') return { ...e, field, value: fix(e.value) };
      if (e.type === 'in') return { ...e, field, values: e.values.map(fix) };
      if (e.type === 'like')
        return { ...e, field, pattern: lower ? e.pattern.toLowerCase() : e.pattern };
      return { ...e, field };
    }
  }
}

export function runFilter(filter: string | undefined): FilterExpr | undefined {
  if (!filter?.trim()) return undefined;
  return normaliseRunExpr(parse(filter));
}

/** `metrics.acc DESC`, `attributes.start_time`, `params.lr ASC` → mlo sort keys. */
export function runOrderBy(orderBy: string[]): SortKey[] {
  return orderBy.map((o) => {
    const m = /^(.*?)(?:\s+(ASC|DESC))?$/i.exec(o.trim()) as RegExpExecArray;
    try {
      const key = parseSortKey(`${m[1].trim()}:${(m[2] ?? 'asc').toLowerCase()}`);
      if (key.field.kind === 'tag' && key.field.key === 'mlflow.runName') {
        return { ...key, field: { kind: 'attr', name: 'name' } };
      }
      return key;
    } catch (err) {
      if (err instanceof MloError) throw invalid(`Invalid order_by clause '${o}': ${err.message}`);
      throw err;
    }
  });
}

/** A field's value on a record being searched in memory (undefined: it has none). */
export type FieldValue = (field: FieldRef) => string | number | undefined;

export function compileRecordFilter(filter: string | undefined): (get: FieldValue) => boolean {
  if (!filter?.trim()) return () => true;
  const expr = parse(filter);
  return (get) => evaluate(expr, get);
}

function compare(a: string | number, op: string, b: Literal): boolean {
  const x = typeof b === 'number' && typeof a === 'string' ? Number(a) : a;
  const y = typeof a === 'number' && typeof b === 'string' ? Number(b) : b;
  switch (op) {
    case '=':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

/** SQL LIKE as a regular expression: `%` any run, `_` one character, `\\` escapes. */
function likeMatch(value: string, pattern: string, ignoreCase: boolean): boolean {
  const esc = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) re += esc(pattern[++i]);
    else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += esc(c);
  }
  return new RegExp(`^${re}$`, ignoreCase ? 'is' : 's').test(value);
}

function evaluate(e: FilterExpr, get: FieldValue): boolean {
  switch (e.type) {
    case 'and':
      return e.items.every((x) => evaluate(x, get));
    case 'or':
      return e.items.some((x) => evaluate(x, get));
    case 'not':
      return !evaluate(e.expr, get);
    case 'cmp': {
      const v = get(e.field);
      return v !== undefined && compare(v, e.op, e.value);
    }
    case 'in': {
      const v = get(e.field);
      const hit = v !== undefined && e.values.some((x) => compare(v, '=', x));
      return e.negated ? v !== undefined && !hit : hit;
    }
    case 'like': {
      const v = get(e.field);
      if (v === undefined) return false;
      const hit = likeMatch(String(v), e.pattern, e.ignoreCase);
      return e.negated ? !hit : hit;
    }
    case 'null': {
      const missing = get(e.field) === undefined;
      return e.negated ? !missing : missing;
    }
  }
}

/** `name ASC`, `last_updated_timestamp DESC` → a comparator over records. */
export function recordOrder<T>(
  orderBy: string[],
  value: (record: T, column: string) => string | number | undefined,
  fallback: (a: T, b: T) => number,
): (a: T, b: T) => number {
  const keys = orderBy.map((o) => {
    const m = /^\s*(\S+?)(?:\s+(ASC|DESC))?\s*$/i.exec(o);
    if (!m) throw invalid(`Invalid order_by clause '${o}'`);
    return {
      column: m[1].replace(/^attributes?\./, ''),
      desc: (m[2] ?? 'ASC').toUpperCase() === 'DESC',
    };
  });
  return (a, b) => {
    for (const k of keys) {
      const x = value(a, k.column);
      const y = value(b, k.column);
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const c = x < y ? -1 : 1;
      return k.desc ? -c : c;
    }
    return fallback(a, b);
  };
}
