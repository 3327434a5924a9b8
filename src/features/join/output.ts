/**
 * Writing a training set: CSV or Parquet (by the extension), to a temp file renamed
 * into place, so a killed join never leaves half a set under the final name.
 * Timestamps are written as ISO 8601 in UTC, nulls as empty CSV cells.
 */
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { MloError } from '../../errors.js';
import { renameIntoPlace, tempPathFor } from '../../util/atomic.js';
import type { Value } from '../expr.js';
import type { FrameColumn } from '../frame.js';
import type { FeatureType } from '../schema.js';

export interface OutColumn {
  name: string;
  type: FeatureType;
  data: FrameColumn | Value[];
}

export interface OutTable {
  length: number;
  columns: OutColumn[];
}

export type OutFormat = 'csv' | 'parquet';

export function outFormatOf(path: string): OutFormat {
  if (/\.(parquet|pq)$/i.test(path)) return 'parquet';
  if (/\.csv$/i.test(path)) return 'csv';
  throw new MloError('USAGE', `--out ${path}: expected a .csv or .parquet file`);
}

/** The declared type an io kind stands for (entity columns passed through). */
export function typeOfKind(kind: string): FeatureType {
  switch (kind) {
    case 'integer':
      return 'int64';
    case 'number':
      return 'float64';
    case 'datetime':
      return 'timestamp';
    case 'boolean':
      return 'bool';
    default:
      return 'string';
  }
}

export async function writeTable(table: OutTable, target: string, tmpDir?: string): Promise<void> {
  const tmp = tempPathFor(target, tmpDir);
  try {
    if (outFormatOf(target) === 'csv') writeCsv(table, tmp);
    else await writeParquet(table, tmp);
    renameIntoPlace(tmp, target, () => {
      throw new MloError('INVALID', `${target}: cannot move the finished file into place`);
    });
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

const NEEDS_QUOTES = /[",\r\n]/;
const quote = (s: string): string =>
  NEEDS_QUOTES.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;

/** One cell formatter per column, chosen once: the loop over a million rows stays simple. */
function cellWriter(col: OutColumn): (i: number) => string {
  const { data, type } = col;
  if (Array.isArray(data)) {
    return (i) => {
      const v = data[i];
      if (v === null || v === undefined) return '';
      if (type === 'timestamp' && typeof v === 'number') return new Date(v).toISOString();
      return typeof v === 'string' ? quote(v) : String(v);
    };
  }
  if (data.kind === 'text') {
    const cells = data.dict.map(quote);
    return (i) => (data.codes[i] < 0 ? '' : cells[data.codes[i]]);
  }
  const { values, valid } = data;
  if (type === 'timestamp') return (i) => (valid[i] ? new Date(values[i]).toISOString() : '');
  if (type === 'bool') return (i) => (valid[i] ? (values[i] ? 'true' : 'false') : '');
  return (i) => (valid[i] ? String(values[i]) : '');
}

function writeCsv(table: OutTable, file: string): void {
  const fd = openSync(file, 'wx');
  try {
    const writers = table.columns.map(cellWriter);
    const k = writers.length;
    let chunk = `${table.columns.map((c) => quote(c.name)).join(',')}\n`;
    for (let i = 0; i < table.length; i++) {
      let line = writers[0](i);
      for (let j = 1; j < k; j++) line += ',' + writers[j](i);
      chunk += line + '\n';
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (chunk) writeSync(fd, chunk);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const PARQUET_TYPE: Record<
  FeatureType,
  'INT32' | 'INT64' | 'FLOAT' | 'DOUBLE' | 'STRING' | 'BOOLEAN' | 'TIMESTAMP'
> = {
  int32: 'INT32',
  int64: 'INT64',
  float32: 'DOUBLE',
  float64: 'DOUBLE',
  string: 'STRING',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
};

function parquetValues(col: OutColumn, n: number): unknown[] {
  const { data, type } = col;
  const out = new Array<unknown>(n);
  const int64 = type === 'int64';
  if (Array.isArray(data)) {
    for (let i = 0; i < n; i++) {
      const v = data[i] ?? null;
      out[i] = int64 && typeof v === 'number' ? BigInt(v) : v;
    }
    return out;
  }
  if (data.kind === 'text') {
    for (let i = 0; i < n; i++) out[i] = data.codes[i] < 0 ? null : data.dict[data.codes[i]];
    return out;
  }
  const { values, valid } = data;
  for (let i = 0; i < n; i++) {
    out[i] = valid[i]
      ? type === 'bool'
        ? values[i] !== 0
        : int64
          ? BigInt(values[i])
          : values[i]
      : null;
  }
  return out;
}

async function writeParquet(table: OutTable, file: string): Promise<void> {
  const { parquetWriteFile } = await import('hyparquet-writer');
  parquetWriteFile({
    filename: file,
    columnData: table.columns.map((c) => ({
      name: c.name,
      type: PARQUET_TYPE[c.type],
      data: parquetValues(c, table.length) as never,
      nullable: true,
    })),
  });
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
