/**
 * Tabular input: CSV/TSV, Parquet and JSON Lines read as typed column batches, in
 * bounded memory. Used by validation, evaluation, drift and prediction-log analysis.
 *
 * ## Reading
 *
 *     const reader = await openTable('data/train.csv', { columns: ['age', 'country'] });
 *     reader.schema.columns;          // [{ name: 'age', kind: 'number', ... }, ...]
 *     for await (const batch of reader.batches()) { ... }
 *     reader.issues();                // cells that did not fit their column's kind
 *
 *     const { batch, schema } = await readTable('small.csv');   // everything as one batch
 *     const table = tableFromRecords(rows);   // in-memory objects (prediction logs), same rules
 *
 * Format: by extension (.csv .tsv .tab .txt | .parquet .pq | .jsonl .ndjson), or
 * `format`. `columns` reads only those, in that order (CSV still scans every byte but
 * converts only those; Parquet reads only their column chunks). `rowCount` is known
 * before reading for Parquet only.
 *
 * ## The batch
 *
 * A ColumnBatch has `rowStart` (0-based index among the file's data rows of its first
 * row), `length`, and `columns` in schema order (look a column up once, by index, not
 * per batch). Batches hold `batchRows` rows (65,536) except the last (a small file's
 * one batch holds all its rows). Every array in a column has exactly `length`
 * elements. Consumers may keep batches: a reader never reuses their arrays.
 *
 * `rowMajor: { columns, type }` asks for those numeric columns row by row as well
 * (`batch.rowMajor`, float32 or float64: a model's input tensor). The CSV reader
 * parses their cells straight into it when all of them are read as numbers; other
 * readers leave it out.
 *
 * Column layouts, by kind:
 * - `number`, `integer`: `values: Float64Array`. `integer` is only ever a promise
 *   asked for with `types` (or a Parquet integer column): inference says `number` for
 *   every numeric column, because a later row may hold 2.5.
 * - `datetime`: `values: Float64Array` of epoch milliseconds, UTC. ISO 8601 text; a
 *   time without an offset is UTC.
 * - `boolean`: `values: Uint8Array`, 1 or 0. Inferred from true/false (any case);
 *   `types: {x: 'boolean'}` also accepts t/f, yes/no, y/n, 1/0.
 * - `string`, `category`: `codes: Int32Array` into `dictionary: string[]`. Same layout;
 *   `category` says the sample had few distinct values (≤ 1000, and ≤ half the non-null
 *   sample values or ≤ 20), so per-value statistics make sense. The dictionary is the
 *   reader's and only grows: consecutive batches share one array object, so counting by
 *   code across batches is right while `col.dictionary` stays the same object. Past
 *   `maxDictionary` (1,048,576) entries the reader starts a new array at the next batch
 *   (ValueCounter handles that). `readTable` never restarts it.
 *
 * Every column also has `state: Uint8Array | null` (null when all cells hold a value;
 * else CellState per row: 0 VALUE, 1 NULL, 2 MISMATCH), `nullCount`, `mismatchCount`
 * and `mismatches` (batch row → the raw text). Empty slots hold NaN (numbers), 0
 * (booleans) or -1 (codes).
 *
 * ## Nulls
 *
 * CSV: an empty cell and the tokens in NULL_TOKENS ("", NA, N/A, n/a, #N/A, #N/A N/A,
 * #NA, NULL, null, None, <NA>: pandas' defaults but its NaN family) are null in every
 * column kind; `nullValues` replaces the list. JSON Lines: null or a missing key;
 * strings are kept as they are in text columns, and read like CSV cells (null tokens
 * included) in other columns. Parquet: its own nulls. NaN, inf, -inf, Infinity (any
 * case), 1.#QNAN and 1.#IND are numbers, not nulls: state VALUE. The drift
 * spec (and pandas, so validation's null checks) count them as missing, so consumers
 * that need that use `isFiniteAt` / `finiteValues`, which leave them out.
 *
 * ## Values that do not fit
 *
 * Kinds come from the first `sampleRows` (10,000) rows, or `types` overrides, or
 * Parquet's schema. A later cell that does not fit its column's kind ("abc" or "1,5" in
 * a number column, 2.5 in an integer column, "maybe" in a boolean one) is neither an
 * error nor silently null: its state is MISMATCH, it is counted in the batch's
 * `mismatchCount` (and not in `nullCount`), its raw text is in `mismatches` (so
 * `textAt` shows it), and `reader.issues()` sums it per column with the first
 * MAX_MISMATCH_EXAMPLES (5) examples as { rowIndex, value }. Text columns never
 * mismatch. Statistics skip mismatches as they skip nulls.
 *
 * ## Errors
 *
 * MloError('INVALID') (exit 2), one line naming the file and where: CSV "line L (data
 * row R)" — L is the 1-based physical line where the row starts (the header is line 1;
 * quoted line breaks count), R the 1-based data row — plus the column when one is to
 * blame: ragged rows, a quote never closed, text after a closing quote, a row over 256
 * MiB, duplicate header names, an empty file. JSON Lines: "line L" for malformed JSON
 * or a line that is not an object. Parquet: "not a readable Parquet file (...)".
 * Missing columns (projection, overrides, or a consumer's `requireColumns`) name every
 * missing column and list the available ones. A missing file is NOT_FOUND, bad
 * options USAGE.
 *
 * ## CSV dialect
 *
 * Header row required. RFC 4180 quoting (delimiters, line breaks and doubled quotes
 * inside quoted fields); LF, CRLF or CR line ends; UTF-8 with or without BOM; one-byte
 * delimiter (`delimiter`, tab for .tsv/.tab); blank lines skipped (so in a one-column
 * file an empty value must be written as ""); empty header cells are named
 * "Unnamed: <i>" as pandas does. A `"` inside an unquoted field is kept as text.
 *
 * ## Parquet
 *
 * Every codec (SNAPPY, GZIP, ZSTD, BROTLI, LZ4, LZ4_RAW, uncompressed), data pages v1
 * and v2. Kinds come from the schema: integers (and DECIMAL with scale 0) `integer`,
 * FLOAT/DOUBLE/DECIMAL `number`, DATE/TIMESTAMP/INT96 `datetime` (with or without a
 * time zone, as UTC instants), BOOLEAN `boolean`; text, ENUM, UUID and bytes are text
 * (bytes as UTF-8); INTERVAL is text as an ISO 8601 duration. Lists, structs and maps
 * are `string` columns holding each row's JSON text, BIGINTs exact. INT64 values past
 * ±2^53 in a flat column are the nearest double, as pandas has them once a column
 * holds nulls.
 *
 * ## Memory
 *
 * A pass holds one batch being filled, one read chunk (4 MiB, more only for a longer
 * row) and the dictionaries. Parquet reads flat columns a page at a time (about 9
 * bytes a row per numeric column while the page lasts; writers cut pages at about
 * 1 MB, DuckDB at a row group), and nested columns a row group at a time. The file's
 * size does not matter.
 */
export { openTable, readTable, emptyBatch } from './open.js';
export { openCsvPart } from './csv.js';
export {
  findSplit,
  isSplittableCsv,
  CsvPartRefused,
  type CsvRange,
  type CsvPartSpec,
  type SplittableCsv,
} from './csv-split.js';
export { tableFromRecords, type RecordsOptions } from './records.js';
export { parseCsvText, type CsvText, type CsvTextOptions } from './csv-text.js';
export { requireColumns, type RequireColumnsContext } from './schema.js';
export {
  formatFromPath,
  DEFAULT_BATCH_ROWS,
  DEFAULT_SAMPLE_ROWS,
  DEFAULT_MAX_DICTIONARY,
} from './settings.js';
export { NULL_TOKENS, parseNumberText, parseBooleanText, parseDatetimeText } from './values.js';
export { MAX_MISMATCH_EXAMPLES } from './builders.js';
export { CATEGORY_MAX_DISTINCT, CATEGORY_MAX_RATIO } from './infer.js';
export {
  columnOf,
  hasValue,
  isFiniteAt,
  valueAt,
  textAt,
  finiteValues,
  ValueCounter,
} from './helpers.js';
export { CellState, COLUMN_KINDS } from './types.js';
export type {
  TableFormat,
  ColumnKind,
  ColumnInfo,
  TableSchema,
  Column,
  NumberColumn,
  BooleanColumn,
  TextColumn,
  ColumnBatch,
  RowMajorType,
  RowMajorValues,
  MismatchExample,
  ColumnIssue,
  OpenTableOptions,
  TableReader,
  Table,
} from './types.js';
