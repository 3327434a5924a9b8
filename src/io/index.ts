/**
 * Tabular input: CSV/TSV, Parquet and JSON Lines read as column batches.
 * (Full description of the batch shape: see the end of this comment block.)
 */
export { openTable, readTable } from './open.js';
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
  MismatchExample,
  ColumnIssue,
  OpenTableOptions,
  TableReader,
  Table,
} from './types.js';
