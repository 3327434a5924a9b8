/** Reader options resolved once: defaults applied, the format and delimiter decided. */
import { extname } from 'node:path';
import { MloError } from '../errors.js';
import type { ProgressFn } from '../util/progress.js';
import { DEFAULT_CHUNK_BYTES } from './chunks.js';
import type { ColumnKind, OpenTableOptions, TableFormat } from './types.js';
import { NULL_TOKENS } from './values.js';

export const DEFAULT_BATCH_ROWS = 65_536;
export const DEFAULT_SAMPLE_ROWS = 10_000;
export const DEFAULT_MAX_DICTIONARY = 1 << 20;

const FORMAT_BY_EXTENSION: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.tab': 'csv',
  '.txt': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

const FORMATS: readonly TableFormat[] = ['csv', 'parquet', 'jsonl'];

/** The format a path's extension implies (`.gz` and friends are not read). */
export function formatFromPath(path: string): TableFormat | undefined {
  return FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
}

export interface ReaderSettings {
  path: string;
  /** the path as the caller gave it, for messages */
  file: string;
  format: TableFormat;
  delimiter: number;
  columns: readonly string[] | undefined;
  types: Readonly<Record<string, ColumnKind>> | undefined;
  batchRows: number;
  sampleRows: number;
  nullTokens: ReadonlySet<string>;
  maxDictionary: number;
  readChunkBytes: number;
  onProgress: ProgressFn | undefined;
  rowMajor: OpenTableOptions['rowMajor'];
}

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 1)
    throw new MloError('USAGE', `${name} must be a positive integer, got ${v}`);
  return v;
}

export function resolveSettings(path: string, options: OpenTableOptions): ReaderSettings {
  const format = options.format ?? formatFromPath(path);
  if (format === undefined) {
    throw new MloError('USAGE', `${path}: cannot tell the table format from the extension`, {
      hint: 'use .csv, .tsv, .parquet, .jsonl or .ndjson, or name the format (csv, parquet, jsonl)',
    });
  }
  if (!FORMATS.includes(format)) {
    throw new MloError('USAGE', `unknown table format "${String(format)}"`, {
      hint: `formats: ${FORMATS.join(', ')}`,
    });
  }
  const ext = extname(path).toLowerCase();
  const delimiter = options.delimiter ?? (ext === '.tsv' || ext === '.tab' ? '\t' : ',');
  const code = delimiter.charCodeAt(0);
  if (delimiter.length !== 1 || code > 127 || code === 34 || code === 10 || code === 13) {
    throw new MloError(
      'USAGE',
      `the delimiter must be one ASCII character other than a quote or line break, got ${JSON.stringify(delimiter)}`,
    );
  }
  return {
    path,
    file: options.name ?? path,
    format,
    delimiter: code,
    columns: options.columns,
    types: options.types,
    batchRows: positiveInt('batchRows', options.batchRows, DEFAULT_BATCH_ROWS),
    sampleRows: positiveInt('sampleRows', options.sampleRows, DEFAULT_SAMPLE_ROWS),
    nullTokens: new Set(options.nullValues ?? NULL_TOKENS),
    maxDictionary: positiveInt('maxDictionary', options.maxDictionary, DEFAULT_MAX_DICTIONARY),
    readChunkBytes: positiveInt('readChunkBytes', options.readChunkBytes, DEFAULT_CHUNK_BYTES),
    onProgress: options.onProgress,
    rowMajor: options.rowMajor,
  };
}
