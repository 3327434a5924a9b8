/**
 * The shapes every reader produces and every consumer (validate, evaluate, monitor,
 * serve) reads. index.ts documents them as a whole; this file only declares them.
 */
import type { ProgressFn } from '../util/progress.js';

export type TableFormat = 'csv' | 'parquet' | 'jsonl';

/**
 * What a column holds. `number`, `integer` and `datetime` share one layout (Float64Array),
 * as do `string` and `category` (dictionary codes): the kind is what the values mean,
 * the layout is how they are stored.
 */
export type ColumnKind = 'number' | 'integer' | 'boolean' | 'datetime' | 'string' | 'category';

export const COLUMN_KINDS: readonly ColumnKind[] = [
  'number',
  'integer',
  'boolean',
  'datetime',
  'string',
  'category',
];

export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
  /** where the kind came from: the sample, the caller's `types`, or the file's own schema (Parquet) */
  kindSource: 'inferred' | 'override' | 'file';
  /** 0-based position of the column in the file (batches follow the schema order instead) */
  fileIndex: number;
}

export interface TableSchema {
  /** the columns batches carry, in batch order: the requested `columns` order, else file order */
  columns: ColumnInfo[];
  /** every column name in the file, in file order (for "available columns" messages) */
  fileColumns: string[];
}

/** Per-cell state in `Column.state`. */
export const CellState = {
  /** the cell holds a value of the column's kind */
  VALUE: 0,
  /** empty cell, a null token, JSON null, a missing key or a Parquet null */
  NULL: 1,
  /** the file has something there that is not of the column's kind (see `mismatches`) */
  MISMATCH: 2,
} as const;

interface ColumnBase {
  readonly name: string;
  /**
   * CellState per row, or null when every row of this batch holds a value (the common
   * case: consumers can then skip the check).
   */
  readonly state: Uint8Array | null;
  /** rows in this batch that are CellState.NULL */
  readonly nullCount: number;
  /** rows in this batch that are CellState.MISMATCH */
  readonly mismatchCount: number;
  /** the raw text of each mismatched cell, by row index within the batch */
  readonly mismatches: ReadonlyMap<number, string> | null;
}

/**
 * number / integer: the value. datetime: milliseconds since the Unix epoch, UTC.
 * Null and mismatched slots hold NaN. A non-null NaN or ±Infinity (the file said
 * "NaN", "inf", ...) is a VALUE: consumers that follow pandas/the drift spec count it
 * as missing; `isFiniteAt` and `finiteValues` do that.
 */
export interface NumberColumn extends ColumnBase {
  readonly kind: 'number' | 'integer' | 'datetime';
  readonly values: Float64Array;
}

/** 1 true, 0 false; null and mismatched slots hold 0. */
export interface BooleanColumn extends ColumnBase {
  readonly kind: 'boolean';
  readonly values: Uint8Array;
}

/**
 * Dictionary-encoded text: the value of row i is `dictionary[codes[i]]`; null and
 * mismatched slots hold -1. The dictionary array belongs to the reader and only grows:
 * consecutive batches share the same array object, so counts kept by code stay valid
 * for as long as `column.dictionary` is the same object. A reader starts a new
 * dictionary (a new array) at a batch boundary once it passes `maxDictionary`
 * entries, which keeps memory bounded for high-cardinality columns such as ids.
 */
export interface TextColumn extends ColumnBase {
  readonly kind: 'string' | 'category';
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

export type Column = NumberColumn | BooleanColumn | TextColumn;

export interface ColumnBatch {
  /** 0-based index, among the file's data rows, of this batch's first row */
  readonly rowStart: number;
  /** rows in this batch; every column's arrays have exactly this length */
  readonly length: number;
  /** one per schema column, in schema order */
  readonly columns: readonly Column[];
  /** the columns `rowMajor` named, row by row, when the reader could write them so */
  readonly rowMajor?: RowMajorValues;
}

/** The element type of a row-major matrix: a model input's float or double. */
export type RowMajorType = 'float32' | 'float64';

/**
 * Numeric columns laid out row after row (`length` × `columns.length`), as a model's
 * input tensor takes them. Null and mismatched cells hold NaN, as in the columns.
 */
export interface RowMajorValues {
  readonly type: RowMajorType;
  readonly values: Float32Array | Float64Array;
  /** the columns of each row, in order */
  readonly columns: readonly string[];
}

export interface MismatchExample {
  /** 0-based data row index (batch.rowStart + i); messages print it 1-based as "row N" */
  rowIndex: number;
  /** the raw text as it appeared in the file */
  value: string;
}

/** Cells that did not fit their column's kind, over the rows read so far in the current pass. */
export interface ColumnIssue {
  column: string;
  kind: ColumnKind;
  mismatches: number;
  /** the first few (at most MAX_MISMATCH_EXAMPLES) */
  examples: MismatchExample[];
}

export interface OpenTableOptions {
  /** the file as error messages name it (default: the path as given) */
  name?: string;
  /** default: from the extension (.csv .tsv .txt → csv, .parquet .pq → parquet, .jsonl .ndjson → jsonl) */
  format?: TableFormat;
  /** read only these columns, in this order (missing ones: INVALID naming them) */
  columns?: readonly string[];
  /** per-column kind overrides; columns not named are inferred (or taken from Parquet's schema) */
  types?: Readonly<Record<string, ColumnKind>>;
  /** rows per batch (default 65,536) */
  batchRows?: number;
  /** CSV field delimiter, one ASCII character (default ",", or tab for .tsv / .tab) */
  delimiter?: string;
  /** rows looked at to infer kinds (default 10,000) */
  sampleRows?: number;
  /** text that means null in CSV cells, and in JSON strings read into non-text columns (default NULL_TOKENS) */
  nullValues?: readonly string[];
  /** dictionary entries per text column before a new dictionary is started (default 1,048,576) */
  maxDictionary?: number;
  /** bytes per file read (default 4 MiB); small values are for tests of chunk boundaries */
  readChunkBytes?: number;
  /** bytes read so far, per chunk */
  onProgress?: ProgressFn;
  /**
   * Also hand these columns (all in `columns`) row by row as `batch.rowMajor`. The CSV
   * reader does it when every one is read as `number` or `integer`: it parses each
   * cell straight into the matrix, so no column-to-row copy happens afterwards, and
   * those columns' `values` become a copy gathered from the matrix on first access
   * (float32-rounded for 'float32'). Other readers and kinds leave `rowMajor` out:
   * callers check for it. `reuse`: one matrix for every batch, so a batch's matrix (and
   * those columns' `values`, if not read before) holds its rows only until the next
   * batch is asked for — for a caller done with each batch by then, which spares a
   * matrix per batch (10 MB for 256K rows of 10 float32 features).
   */
  rowMajor?: { columns: readonly string[]; type: RowMajorType; reuse?: boolean };
}

export interface TableReader {
  readonly path: string;
  readonly format: TableFormat;
  readonly schema: TableSchema;
  /** data rows, when the format says so cheaply (Parquet metadata); null otherwise */
  readonly rowCount: number | null;
  /** file size in bytes */
  readonly sizeBytes: number;
  /**
   * One pass over the file, streaming: each call starts a new pass from the first row
   * (two-pass algorithms may call it twice). Memory stays bounded by the batch size,
   * the read chunk and the dictionaries, whatever the file size.
   */
  batches(): AsyncGenerator<ColumnBatch, void, undefined>;
  /** columns with mismatched cells, for the rows read so far in the current pass */
  issues(): ColumnIssue[];
}

/** A whole small table as one batch: what `readTable` returns. */
export interface Table {
  /** the file, or the `source` name of tableFromRecords */
  path: string;
  format: TableFormat | 'records';
  schema: TableSchema;
  batch: ColumnBatch;
  issues: ColumnIssue[];
}
