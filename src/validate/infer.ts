/**
 * A suite inferred from data, the way pandera's and TFDV's schema inference work: the
 * columns in order, each column's type, its null rate, numeric and date ranges widened
 * by a margin, small categorical sets, text lengths, and uniqueness where it holds.
 * The same data always passes the suite (bounds are widened outwards, `mostly` is
 * rounded down); new data is then held to it.
 */
import { Document, isMap, isSeq, type Node } from 'yaml';
import {
  CellState,
  openTable,
  type Column,
  type ColumnInfo,
  type OpenTableOptions,
} from '../io/index.js';
import type { ProgressFn } from '../util/progress.js';
import { ValueIndex, type Key } from './accumulate.js';
import { compileExpectation } from './compile.js';
import type { ExpectationConfig } from './types.js';
import { codePointLength, isoOf, isTextKind, presentKey } from './values.js';

/** At most this many distinct values make a column categorical (an in_set expectation). */
export const INFER_MAX_CATEGORIES = 20;
/** Numbers with at most this many distinct whole values get a value set too (labels, flags). */
const MAX_NUMERIC_CATEGORIES = 10;
/** Uniqueness is only claimed from this many values on: a handful proves nothing. */
const MIN_ROWS_FOR_UNIQUE = 10;
/** Ranges are widened by this share of their span on each side. */
const RANGE_MARGIN = 0.1;

/** Everything inference needs of one column, gathered in the one pass. */
class ColumnProfile {
  rows = 0;
  missing = 0;
  mismatched = 0;
  min = Infinity;
  max = -Infinity;
  infinite = false;
  whole = true;
  minLength = Infinity;
  maxLength = -1;
  /** distinct values while few or possibly unique; dropped once neither */
  index: ValueIndex | null = new ValueIndex(1);
  small = true;
  unique = true;
  private lengthsDone = 0;
  private lengthsDictionary: readonly string[] | null = null;

  constructor(readonly info: ColumnInfo) {
    if (info.kind === 'boolean') this.unique = false;
  }

  consume(col: Column, rowStart: number): void {
    const state = col.state;
    this.rows += 'codes' in col ? col.codes.length : col.values.length;
    this.missing += col.nullCount;
    this.mismatched += col.mismatchCount;
    if ('codes' in col) this.lengths(col.dictionary);
    else if (col.kind !== 'boolean') {
      const values = col.values;
      for (let i = 0; i < values.length; i++) {
        if (state !== null && state[i] !== CellState.VALUE) continue;
        const v = values[i];
        if (v !== v) {
          this.missing++;
          continue;
        }
        if (!Number.isFinite(v)) {
          this.infinite = true;
          this.whole = false;
          continue;
        }
        if (v < this.min) this.min = v;
        if (v > this.max) this.max = v;
        if (this.whole && !Number.isInteger(v)) this.whole = false;
      }
      // uniqueness of measurements (floats, timestamps) is a coincidence, not a rule
      if (!this.whole || col.kind === 'datetime') this.unique = false;
    }
    const index = this.index;
    if (index === null) return;
    index.add(col, rowStart);
    if (index.repeats.length > 0) this.unique = false;
    if (index.size > INFER_MAX_CATEGORIES) this.small = false;
    if (!this.small && !this.unique) this.index = null;
  }

  /** text lengths, once per dictionary entry (every entry is a value of some row) */
  private lengths(dict: readonly string[]): void {
    if (dict !== this.lengthsDictionary) {
      this.lengthsDictionary = dict;
      this.lengthsDone = 0;
    }
    for (let c = this.lengthsDone; c < dict.length; c++) {
      const n = codePointLength(dict[c]);
      if (n < this.minLength) this.minLength = n;
      if (n > this.maxLength) this.maxLength = n;
    }
    this.lengthsDone = dict.length;
  }

  get present(): number {
    return this.rows - this.missing;
  }
}

/** A share rounded down to whole percent, one percent below: `mostly` the data meets. */
function mostlyBelow(share: number): number {
  return Math.max(0, Math.floor(share * 100 - 1) / 100);
}

/** The step that rounds a bound of this margin to a readable number. */
function stepFor(margin: number, whole: boolean): number {
  const step = margin > 0 ? 10 ** Math.floor(Math.log10(margin)) : 1;
  return whole ? Math.max(1, step) : step;
}

const tidy = (x: number): number => Number(x.toPrecision(12));

/** [lo, hi] around [min, max], widened by the margin and rounded outwards. */
export function widenRange(min: number, max: number, whole: boolean): [number, number] {
  const span = max - min;
  const margin = span > 0 ? span * RANGE_MARGIN : Math.max(Math.abs(min) * RANGE_MARGIN, 1);
  const step = stepFor(margin, whole);
  let lo = tidy(Math.floor((min - margin) / step) * step);
  let hi = tidy(Math.ceil((max + margin) / step) * step);
  if (min >= 0 && lo < 0) lo = 0;
  if (lo > min) lo = min;
  if (hi < max) hi = max;
  return [lo, hi];
}

/**
 * The type_ a column's values are held to. Where the file declares its columns'
 * types (Parquet), the declaration decides: a DOUBLE column whose values happen to be
 * whole in this file is still float, and holds 2.5 in the next one. CSV and JSON
 * Lines declare nothing, so the values decide.
 */
function typeName(p: ColumnProfile): string {
  switch (p.info.kind) {
    case 'boolean':
      return 'bool';
    case 'datetime':
      return 'datetime';
    case 'string':
    case 'category':
      return 'str';
    case 'integer':
      return 'int';
    case 'number':
      if (p.info.kindSource === 'file') return 'float';
      return p.whole && p.present > 0 ? 'int' : 'float';
  }
}

function expectationsFor(p: ColumnProfile): [string, Record<string, unknown>][] {
  const column = p.info.name;
  const out: [string, Record<string, unknown>][] = [];
  const valid = p.present - p.mismatched;
  const withMostly = (kwargs: Record<string, unknown>, share: number): Record<string, unknown> =>
    share < 1 ? { ...kwargs, mostly: mostlyBelow(share) } : kwargs;
  if (p.present > 0) {
    out.push([
      'expect_column_values_to_be_of_type',
      withMostly({ column, type_: typeName(p) }, valid / p.present),
    ]);
  }
  if (p.missing === 0 && p.rows > 0) out.push(['expect_column_values_to_not_be_null', { column }]);
  else if (p.present > 0) {
    out.push([
      'expect_column_values_to_not_be_null',
      { column, mostly: mostlyBelow(p.present / p.rows) },
    ]);
  }
  const kind = p.info.kind;
  const numeric = kind === 'number' || kind === 'integer';
  if ((numeric || kind === 'datetime') && p.min <= p.max && !p.infinite) {
    let [lo, hi] = widenRange(p.min, p.max, p.whole && kind !== 'datetime');
    if (kind === 'datetime') {
      const day = 86_400_000;
      const margin = p.max > p.min ? (p.max - p.min) * RANGE_MARGIN : day;
      lo = Math.floor((p.min - margin) / 1000) * 1000;
      hi = Math.ceil((p.max + margin) / 1000) * 1000;
    }
    const bounds =
      kind === 'datetime'
        ? { min_value: isoOf(lo), max_value: isoOf(hi) }
        : { min_value: lo, max_value: hi };
    out.push([
      'expect_column_values_to_be_between',
      withMostly({ column, ...bounds }, valid / p.present),
    ]);
  }
  const index = p.index;
  const categorical =
    index !== null &&
    p.small &&
    index.size > 0 &&
    (isTextKind(kind) || (numeric && p.whole && index.size <= MAX_NUMERIC_CATEGORIES));
  if (categorical) {
    const keys: Key[] = [];
    for (let s = 0; s < index.size; s++) {
      // mismatched cells are keyed by their text; a value set of numbers leaves them out
      if (!numeric || typeof index.keys[s] === 'number') keys.push(index.keys[s]);
    }
    keys.sort((a, b) =>
      typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1,
    );
    const share = numeric ? valid / p.present : 1;
    out.push([
      'expect_column_values_to_be_in_set',
      withMostly({ column, value_set: keys.map((key) => presentKey(kind, key)) }, share),
    ]);
  } else if (isTextKind(kind) && p.maxLength >= 0) {
    const margin = Math.max(1, Math.ceil((p.maxLength - p.minLength) * RANGE_MARGIN));
    out.push([
      'expect_column_value_lengths_to_be_between',
      { column, min_value: Math.max(0, p.minLength - margin), max_value: p.maxLength + margin },
    ]);
  }
  if (p.unique && !categorical && index !== null && p.present >= MIN_ROWS_FOR_UNIQUE) {
    out.push(['expect_column_values_to_be_unique', { column }]);
  }
  return out;
}

export interface InferOptions {
  /** the file as messages name it (default: the path) */
  name?: string;
  format?: OpenTableOptions['format'];
  delimiter?: string;
  onProgress?: ProgressFn;
}

export interface InferredSuite {
  expectations: ExpectationConfig[];
  rows: number;
  columns: string[];
}

/** Infer a suite from the table at `path` in one pass. */
export async function inferSuite(path: string, options: InferOptions = {}): Promise<InferredSuite> {
  const reader = await openTable(path, {
    name: options.name,
    format: options.format,
    delimiter: options.delimiter,
    onProgress: options.onProgress,
  });
  const profiles = reader.schema.columns.map((info) => new ColumnProfile(info));
  let rows = 0;
  for await (const batch of reader.batches()) {
    rows += batch.length;
    for (let j = 0; j < profiles.length; j++) profiles[j].consume(batch.columns[j], batch.rowStart);
  }
  const items: [string, Record<string, unknown>][] = [
    ['expect_table_columns_to_match_ordered_list', { column_list: [...reader.schema.fileColumns] }],
  ];
  if (rows > 0) items.push(['expect_table_row_count_to_be_between', { min_value: 1 }]);
  for (const p of profiles) items.push(...expectationsFor(p));
  const expectations = items.map(([type, kwargs]) => {
    const { compiled, problems } = compileExpectation(type, kwargs);
    if (compiled === undefined)
      throw new Error(`inferred an invalid expectation: ${problems[0]?.message}`);
    return compiled.config;
  });
  return { expectations, rows, columns: [...reader.schema.fileColumns] };
}

/** The suite as a YAML list, one expectation per line, under a comment saying where it came from. */
export function suiteToYaml(expectations: readonly ExpectationConfig[], comment?: string): string {
  const list = expectations.map((e) => ({
    [e.expectation_type]: { ...e.kwargs, ...(e.severity === 'warn' && { severity: 'warn' }) },
  }));
  const doc = new Document(list);
  const seq = doc.contents;
  if (isSeq(seq)) {
    for (const item of seq.items) {
      if (!isMap(item)) continue;
      for (const pair of item.items) {
        const value = pair.value as Node | null;
        if (isMap(value)) value.flow = true;
      }
    }
  }
  if (comment !== undefined) doc.commentBefore = comment;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
