/**
 * Request payloads → a row-major matrix of feature values, checked against the model:
 * every protocol's input form ends here. Every problem is an MloError (INVALID → 400,
 * TOO_LARGE → 413) whose one-line message names where in the body it is
 * (`instances[3].age`), so a client never has to guess and the server never answers
 * 500 for bad input.
 */
import { MloError } from '../errors.js';
import type { FeatureType } from '../onnx/index.js';

/** What the model takes, as the request checks need it. */
export interface FeatureLayout {
  /** feature names in input order; null when the registry has none (positional input only) */
  names: readonly string[] | null;
  /** name → column */
  index: ReadonlyMap<string, number>;
  /** how many features a row has */
  count: number;
  /** "churn@3", for messages */
  label: string;
  /** features whose model input is bool: they take JSON true/false (as 1/0) */
  bools: readonly boolean[] | null;
}

/** Rows of feature values, row-major, as doubles (the log keeps what the client sent). */
export interface Matrix {
  values: Float64Array;
  rows: number;
}

export interface InputLimits {
  /** rows one request may carry */
  maxRows: number;
}

export function makeLayout(
  names: readonly string[] | null,
  count: number,
  label: string,
  types: readonly FeatureType[] | null = null,
): FeatureLayout {
  const bools = types?.some((t) => t === 'bool') ? types.map((t) => t === 'bool') : null;
  return { names, index: new Map((names ?? []).map((n, i) => [n, i])), count, label, bools };
}

/** A JSON true/false for a bool feature, as 1/0; NaN for anything else that is not a number. */
function boolOf(v: unknown, layout: FeatureLayout, j: number): number {
  return typeof v === 'boolean' && layout.bools?.[j] ? (v ? 1 : 0) : NaN;
}

export function invalid(message: string, hint?: string): MloError {
  return new MloError('INVALID', message, { hint });
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string')
    return `a string (${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)})`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function notNumber(where: string, v: unknown): MloError {
  return invalid(
    `${where} must be a finite number, got ${typeof v === 'number' ? v : typeName(v)}`,
  );
}

function checkRowCount(n: number, where: string, limits: InputLimits): void {
  if (n === 0) throw invalid(`${where} is empty: send at least one row`);
  if (n > limits.maxRows) {
    throw new MloError('TOO_LARGE', `${where} has ${n} rows; the limit is ${limits.maxRows}`, {
      hint: 'split the request, or start the server with a higher --max-rows',
    });
  }
}

function quoteList(names: readonly string[], max = 10): string {
  const shown = names.slice(0, max).map((n) => JSON.stringify(n));
  return names.length > max
    ? `${shown.join(', ')}, ... (${names.length} in all)`
    : shown.join(', ');
}

function needNames(layout: FeatureLayout, where: string): readonly string[] {
  if (layout.names) return layout.names;
  throw invalid(
    `${where}: ${layout.label} has no feature names in the registry, so rows must be positional`,
    `send arrays of ${layout.count} numbers, or register the model with --features a,b,c`,
  );
}

/** Missing and unknown names of one record, for the error message. */
function describeMismatch(
  rec: Record<string, unknown>,
  layout: FeatureLayout,
  names: readonly string[],
  where: string,
): MloError {
  const missing = names.filter((n) => !(n in rec));
  const unknown = Object.keys(rec).filter((k) => !layout.index.has(k));
  const parts: string[] = [];
  if (missing.length) parts.push(`missing feature(s) ${quoteList(missing)}`);
  if (unknown.length) parts.push(`unknown feature(s) ${quoteList(unknown)}`);
  return invalid(`${where}: ${parts.join('; ')}`, `${layout.label} takes: ${names.join(', ')}`);
}

/** `[{"age": 41, "tenure": 3}, ...]`: rows by feature name (order free). */
export function rowsFromRecords(
  records: unknown,
  layout: FeatureLayout,
  where: string,
  limits: InputLimits,
): Matrix {
  if (!Array.isArray(records))
    throw invalid(`${where} must be an array of objects, got ${typeName(records)}`);
  const names = needNames(layout, where);
  const n = records.length;
  checkRowCount(n, where, limits);
  const f = layout.count;
  const values = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    const rec: unknown = records[i];
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
      throw invalid(`${where}[${i}] must be an object of feature values, got ${typeName(rec)}`);
    }
    const obj = rec as Record<string, unknown>;
    let seen = 0;
    for (let j = 0; j < f; j++) {
      const v = obj[names[j]];
      if (Number.isFinite(v)) {
        values[i * f + j] = v as number;
        seen++;
      } else if (v === undefined) {
        throw describeMismatch(obj, layout, names, `${where}[${i}]`);
      } else {
        const b = boolOf(v, layout, j);
        if (Number.isNaN(b)) throw notNumber(`${where}[${i}].${names[j]}`, v);
        values[i * f + j] = b;
        seen++;
      }
    }
    // every name was found; any other key is one the model does not take
    if (seen !== f || Object.keys(obj).length !== f) {
      throw describeMismatch(obj, layout, names, `${where}[${i}]`);
    }
  }
  return { values, rows: n };
}

/** `[[41, 3, ...], ...]`: rows by position, in the model's input order. */
export function rowsFromArrays(
  rows: unknown,
  layout: FeatureLayout,
  where: string,
  limits: InputLimits,
): Matrix {
  if (!Array.isArray(rows))
    throw invalid(`${where} must be an array of rows, got ${typeName(rows)}`);
  const n = rows.length;
  checkRowCount(n, where, limits);
  const f = layout.count;
  const values = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    const row: unknown = rows[i];
    if (!Array.isArray(row)) {
      throw invalid(`${where}[${i}] must be an array of ${f} numbers, got ${typeName(row)}`);
    }
    if (row.length !== f) {
      throw invalid(
        `${where}[${i}] has ${row.length} value(s); ${layout.label} takes ${f}`,
        layout.names ? `in this order: ${layout.names.join(', ')}` : undefined,
      );
    }
    for (let j = 0; j < f; j++) {
      const v: unknown = row[j];
      if (Number.isFinite(v)) {
        values[i * f + j] = v as number;
        continue;
      }
      const b = boolOf(v, layout, j);
      if (Number.isNaN(b)) throw notNumber(`${where}[${i}][${j}]`, v);
      values[i * f + j] = b;
    }
  }
  return { values, rows: n };
}

/** `{"age": [41, 52], "tenure": [3, 7]}`: one array per feature, all of one length. */
export function rowsFromColumns(
  columns: unknown,
  layout: FeatureLayout,
  where: string,
  limits: InputLimits,
): Matrix {
  if (typeof columns !== 'object' || columns === null || Array.isArray(columns)) {
    throw invalid(`${where} must be an object of feature columns, got ${typeName(columns)}`);
  }
  const names = needNames(layout, where);
  const obj = columns as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length !== names.length || names.some((n) => !(n in obj))) {
    throw describeMismatch(obj, layout, names, where);
  }
  const first = obj[names[0]];
  if (!Array.isArray(first))
    throw invalid(`${where}.${names[0]} must be an array, got ${typeName(first)}`);
  const n = first.length;
  checkRowCount(n, where, limits);
  const f = layout.count;
  const values = new Float64Array(n * f);
  for (let j = 0; j < f; j++) {
    const col = obj[names[j]];
    if (!Array.isArray(col))
      throw invalid(`${where}.${names[j]} must be an array, got ${typeName(col)}`);
    if (col.length !== n) {
      throw invalid(
        `${where}.${names[j]} has ${col.length} value(s) but ${where}.${names[0]} has ${n}`,
      );
    }
    for (let i = 0; i < n; i++) {
      const v: unknown = col[i];
      if (Number.isFinite(v)) {
        values[i * f + j] = v as number;
        continue;
      }
      const b = boolOf(v, layout, j);
      if (Number.isNaN(b)) throw notNumber(`${where}.${names[j]}[${i}]`, v);
      values[i * f + j] = b;
    }
  }
  return { values, rows: n };
}

/**
 * pandas' `to_dict(orient="split")`: `{"columns": [...], "data": [[...], ...]}`. Columns
 * may come in any order; they must be exactly the model's features. Without feature
 * names in the registry the columns are taken positionally.
 */
export function rowsFromSplit(
  split: unknown,
  layout: FeatureLayout,
  where: string,
  limits: InputLimits,
): Matrix {
  if (typeof split !== 'object' || split === null || Array.isArray(split)) {
    throw invalid(`${where} must be an object with "columns" and "data", got ${typeName(split)}`);
  }
  const { columns, data } = split as { columns?: unknown; data?: unknown };
  if (data === undefined) throw invalid(`${where} has no "data"`);
  if (columns === undefined || !layout.names) {
    if (columns !== undefined && (!Array.isArray(columns) || columns.length !== layout.count)) {
      throw invalid(`${where}.columns must list ${layout.count} column(s)`);
    }
    return rowsFromArrays(data, layout, `${where}.data`, limits);
  }
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) {
    throw invalid(`${where}.columns must be an array of column names`);
  }
  const names = layout.names;
  const order = columns.map((c) => layout.index.get(c) ?? -1);
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw invalid(`${where}.columns names "${dup}" twice`);
  if (columns.length !== names.length || order.includes(-1)) {
    const rec = Object.fromEntries(columns.map((c) => [c, true]));
    throw describeMismatch(rec, layout, names, `${where}.columns`);
  }
  // (a bool feature takes true/false wherever its column sits in the request)
  const fileLayout = layout.bools
    ? { ...layout, bools: order.map((c) => layout.bools![c]) }
    : layout;
  const inFileOrder = rowsFromArrays(data, fileLayout, `${where}.data`, limits);
  if (order.every((c, i) => c === i)) return inFileOrder;
  // put each column where the model expects it
  const f = layout.count;
  const src = inFileOrder.values;
  const values = new Float64Array(src.length);
  for (let i = 0; i < inFileOrder.rows; i++) {
    for (let j = 0; j < f; j++) values[i * f + order[j]] = src[i * f + j];
  }
  return { values, rows: inFileOrder.rows };
}

/**
 * Either rows by name or rows by position, decided by the first row: what MLflow's
 * `instances` and TF-serving style inputs allow.
 */
export function rowsFromRecordsOrArrays(
  rows: unknown,
  layout: FeatureLayout,
  where: string,
  limits: InputLimits,
): Matrix {
  if (
    Array.isArray(rows) &&
    rows.length > 0 &&
    !Array.isArray(rows[0]) &&
    typeof rows[0] === 'object'
  ) {
    return rowsFromRecords(rows, layout, where, limits);
  }
  return rowsFromArrays(rows, layout, where, limits);
}
