/**
 * Request payloads → a row-major matrix of feature values, checked against the model:
 * every protocol's input form ends here. Every problem is an MloError (INVALID → 400,
 * TOO_LARGE → 413) whose one-line message names where in the body it is
 * (`instances[3].age`), so a client never has to guess and the server never answers
 * 500 for bad input.
 */
import { MloError } from '../errors.js';
import { NULL_TOKENS, parseBooleanText, parseNumberText, type CsvText } from '../io/index.js';
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

/**
 * How a protocol reads what a model does not strictly take. mlo's own protocol and V2
 * refuse both; MLflow's scoring protocol reads like pandas and its signature
 * enforcement: a null is a missing value (NaN, which float inputs take and integer and
 * bool inputs refuse, see checkModelInput), and columns the model does not take are
 * dropped (missing ones are still refused).
 */
export interface Conventions {
  nullIsNaN: boolean;
  ignoreExtra: boolean;
}

export const STRICT: Conventions = { nullIsNaN: false, ignoreExtra: false };
export const PANDAS: Conventions = { nullIsNaN: true, ignoreExtra: true };

export function makeLayout(
  names: readonly string[] | null,
  count: number,
  label: string,
  types: readonly FeatureType[] | null = null,
): FeatureLayout {
  const bools = types?.some((t) => t === 'bool') ? types.map((t) => t === 'bool') : null;
  return { names, index: new Map((names ?? []).map((n, i) => [n, i])), count, label, bools };
}

/**
 * A JSON value that is not a finite number, for feature j: true/false for a bool
 * feature (1/0), null as NaN where the conventions allow it; undefined when it is
 * neither.
 */
function otherValue(
  v: unknown,
  layout: FeatureLayout,
  j: number,
  conv: Conventions,
): number | undefined {
  if (typeof v === 'boolean') return layout.bools?.[j] ? (v ? 1 : 0) : undefined;
  if (v === null) return conv.nullIsNaN ? NaN : undefined;
  return undefined;
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
  ignoreExtra = false,
): MloError {
  const missing = names.filter((n) => !(n in rec));
  const unknown = ignoreExtra ? [] : Object.keys(rec).filter((k) => !layout.index.has(k));
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
  conv: Conventions = STRICT,
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
    for (let j = 0; j < f; j++) {
      const v = obj[names[j]];
      if (Number.isFinite(v)) {
        values[i * f + j] = v as number;
      } else if (v === undefined) {
        throw describeMismatch(obj, layout, names, `${where}[${i}]`, conv.ignoreExtra);
      } else {
        const other = otherValue(v, layout, j, conv);
        if (other === undefined) throw notNumber(`${where}[${i}].${names[j]}`, v);
        values[i * f + j] = other;
      }
    }
    // every name was found; any other key is one the model does not take
    if (!conv.ignoreExtra && Object.keys(obj).length !== f) {
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
  conv: Conventions = STRICT,
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
      const other = otherValue(v, layout, j, conv);
      if (other === undefined) throw notNumber(`${where}[${i}][${j}]`, v);
      values[i * f + j] = other;
    }
  }
  return { values, rows: n };
}

/**
 * `{"age": [41, 52], "tenure": [3, 7]}`: one array per feature, all of one length. A
 * value may also be a one-element array (`[[41], [52]]`, an [N, 1] tensor).
 */
export function rowsFromColumns(
  columns: unknown,
  layout: FeatureLayout,
  where: string,
  limits: InputLimits,
  conv: Conventions = STRICT,
): Matrix {
  if (typeof columns !== 'object' || columns === null || Array.isArray(columns)) {
    throw invalid(`${where} must be an object of feature columns, got ${typeName(columns)}`);
  }
  const names = needNames(layout, where);
  const obj = columns as Record<string, unknown>;
  if (
    names.some((n) => !(n in obj)) ||
    (!conv.ignoreExtra && Object.keys(obj).length !== names.length)
  ) {
    throw describeMismatch(obj, layout, names, where, conv.ignoreExtra);
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
      let v: unknown = col[i];
      if (Number.isFinite(v)) {
        values[i * f + j] = v as number;
        continue;
      }
      if (Array.isArray(v) && v.length === 1) v = v[0];
      const other = Number.isFinite(v) ? (v as number) : otherValue(v, layout, j, conv);
      if (other === undefined) throw notNumber(`${where}.${names[j]}[${i}]`, col[i]);
      values[i * f + j] = other;
    }
  }
  return { values, rows: n };
}

/**
 * Where each column of a table (named by `columns`) goes among the model's features:
 * feature index, or -1 for a column the model does not take (only with ignoreExtra).
 * Without feature names in the registry the columns are taken by position.
 */
function columnMapOf(
  columns: readonly string[],
  layout: FeatureLayout,
  where: string,
  conv: Conventions,
): Int32Array {
  if (!layout.names) {
    if (columns.length !== layout.count) {
      throw invalid(
        `${where} has ${columns.length} column(s); ${layout.label} takes ${layout.count} (it has no feature names, so columns are taken by position)`,
      );
    }
    return Int32Array.from(columns, (_, c) => c);
  }
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw invalid(`${where} names "${dup}" twice`);
  const map = Int32Array.from(columns, (c) => layout.index.get(c) ?? -1);
  const found = map.reduce((k, j) => (j >= 0 ? k + 1 : k), 0);
  if (found !== layout.count || (!conv.ignoreExtra && found !== columns.length)) {
    const rec = Object.fromEntries(columns.map((c) => [c, true]));
    throw describeMismatch(rec, layout, layout.names, where, conv.ignoreExtra);
  }
  return map;
}

/**
 * Rows of `map.length` cells each, cell c going to feature map[c] (-1: left out unread).
 * rowsFromArrays is this with the identity map, kept apart as the common, hot case.
 */
function rowsFromMappedArrays(
  rows: unknown,
  map: Int32Array,
  layout: FeatureLayout,
  where: string,
  limits: InputLimits,
  conv: Conventions,
): Matrix {
  if (!Array.isArray(rows))
    throw invalid(`${where} must be an array of rows, got ${typeName(rows)}`);
  const n = rows.length;
  checkRowCount(n, where, limits);
  const f = layout.count;
  const width = map.length;
  const values = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    const row: unknown = rows[i];
    if (!Array.isArray(row)) {
      throw invalid(`${where}[${i}] must be an array of ${width} values, got ${typeName(row)}`);
    }
    if (row.length !== width) {
      throw invalid(`${where}[${i}] has ${row.length} value(s) for ${width} column(s)`);
    }
    for (let c = 0; c < width; c++) {
      const j = map[c];
      if (j < 0) continue;
      const v: unknown = row[c];
      if (Number.isFinite(v)) {
        values[i * f + j] = v as number;
        continue;
      }
      const other = otherValue(v, layout, j, conv);
      if (other === undefined) throw notNumber(`${where}[${i}][${c}]`, v);
      values[i * f + j] = other;
    }
  }
  return { values, rows: n };
}

/**
 * pandas' `to_dict(orient="split")`: `{"columns": [...], "data": [[...], ...]}` (an
 * "index" is ignored). Columns may come in any order; they must include the model's
 * features (and, unless the conventions ignore extras, be exactly them). Without
 * feature names in the registry the columns are taken positionally.
 */
export function rowsFromSplit(
  split: unknown,
  layout: FeatureLayout,
  where: string,
  limits: InputLimits,
  conv: Conventions = STRICT,
): Matrix {
  if (typeof split !== 'object' || split === null || Array.isArray(split)) {
    throw invalid(`${where} must be an object with "columns" and "data", got ${typeName(split)}`);
  }
  const { columns, data } = split as { columns?: unknown; data?: unknown };
  if (data === undefined) throw invalid(`${where} has no "data"`);
  if (columns === undefined) return rowsFromArrays(data, layout, `${where}.data`, limits, conv);
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) {
    throw invalid(`${where}.columns must be an array of column names`);
  }
  const map = columnMapOf(columns, layout, `${where}.columns`, conv);
  // the usual case: exactly the features, in the model's order
  if (map.length === layout.count && map.every((j, c) => j === c)) {
    return rowsFromArrays(data, layout, `${where}.data`, limits, conv);
  }
  return rowsFromMappedArrays(data, map, layout, `${where}.data`, limits, conv);
}

const NULL_CELLS: ReadonlySet<string> = new Set(NULL_TOKENS);

/**
 * A CSV body with a header row (pandas' `DataFrame.to_csv()`), read as pandas reads
 * it: an empty cell or an NA token is NaN, true/false fill bool features, and an
 * unnamed index column is just a column the model does not take.
 */
export function rowsFromCsv(
  csv: CsvText,
  layout: FeatureLayout,
  where: string,
  limits: InputLimits,
): Matrix {
  const map = columnMapOf(csv.columns, layout, `${where} header`, PANDAS);
  const n = csv.rows;
  checkRowCount(n, where, limits);
  const f = layout.count;
  const width = map.length;
  const values = new Float64Array(n * f);
  const cells = csv.cells;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < width; c++) {
      const j = map[c];
      if (j < 0) continue;
      const text = cells[i * width + c];
      let v = parseNumberText(text);
      if (v === undefined && NULL_CELLS.has(text)) v = NaN;
      if (v === undefined && layout.bools?.[j]) {
        const b = parseBooleanText(text);
        if (b !== undefined) v = b ? 1 : 0;
      }
      if (v === undefined || v === Infinity || v === -Infinity) {
        throw invalid(
          `${where}: data row ${i + 1}, column "${csv.columns[c]}": ${JSON.stringify(text.length > 20 ? `${text.slice(0, 20)}...` : text)} is not a ${layout.bools?.[j] ? 'boolean' : 'finite number'}`,
        );
      }
      values[i * f + j] = v;
    }
  }
  return { values, rows: n };
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
  conv: Conventions = STRICT,
): Matrix {
  if (
    Array.isArray(rows) &&
    rows.length > 0 &&
    !Array.isArray(rows[0]) &&
    typeof rows[0] === 'object' &&
    rows[0] !== null
  ) {
    return rowsFromRecords(rows, layout, where, limits, conv);
  }
  return rowsFromArrays(rows, layout, where, limits, conv);
}
