/** openTable / readTable: pick the reader for a file and hand back column batches. */
import { stat } from 'node:fs/promises';
import { MloError } from '../errors.js';
import { isNotFound } from '../util/fs.js';
import { openCsv } from './csv.js';
import { resolveSettings } from './settings.js';
import type {
  Column,
  ColumnBatch,
  ColumnInfo,
  OpenTableOptions,
  Table,
  TableReader,
  TableSchema,
} from './types.js';

/**
 * Open a table file for streaming. Reads the header (or Parquet footer) and a sample
 * of rows to settle the schema; rows come from `reader.batches()`.
 */
export async function openTable(
  path: string,
  options: OpenTableOptions = {},
): Promise<TableReader> {
  const settings = resolveSettings(path, options);
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new MloError('INVALID', `${path}: not a file`);
    size = st.size;
  } catch (err) {
    if (isNotFound(err)) throw new MloError('NOT_FOUND', `${path}: no such file`);
    throw err;
  }
  switch (settings.format) {
    case 'csv':
      return openCsv(settings, size);
    case 'jsonl':
      return (await import('./jsonl.js')).openJsonl(settings, size);
    case 'parquet':
      return (await import('./parquet.js')).openParquet(settings, size);
  }
}

/**
 * Read a whole (small) table into one batch. Text columns keep one dictionary for the
 * whole file. Memory grows with the file: use openTable for anything large.
 */
export async function readTable(path: string, options: OpenTableOptions = {}): Promise<Table> {
  const reader = await openTable(path, { ...options, maxDictionary: Number.MAX_SAFE_INTEGER });
  const batches: ColumnBatch[] = [];
  for await (const b of reader.batches()) batches.push(b);
  return {
    path: reader.path,
    format: reader.format,
    schema: reader.schema,
    batch: concatBatches(batches, reader.schema),
    issues: reader.issues(),
  };
}

/** Join consecutive batches that share dictionaries into one (codes are kept as they are). */
export function concatBatches(batches: readonly ColumnBatch[], schema: TableSchema): ColumnBatch {
  if (batches.length === 0) return emptyBatch(schema);
  if (batches.length === 1) return batches[0];
  const ncols = schema.columns.length;
  const length = batches.reduce((n, b) => n + b.length, 0);
  const rowStart = batches.length === 0 ? 0 : batches[0].rowStart;
  const columns: Column[] = [];
  for (let j = 0; j < ncols; j++) {
    const parts = batches.map((b) => b.columns[j]);
    columns.push(concatColumn(parts, batches, length));
  }
  return { rowStart, length, columns };
}

function concatColumn(
  parts: readonly Column[],
  batches: readonly ColumnBatch[],
  length: number,
): Column {
  const first = parts[0];
  let state: Uint8Array | null = null;
  let mismatches: Map<number, string> | null = null;
  let nullCount = 0;
  let mismatchCount = 0;
  let at = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p];
    if (part.state !== null) (state ??= new Uint8Array(length)).set(part.state, at);
    if (part.mismatches !== null) {
      mismatches ??= new Map();
      for (const [i, raw] of part.mismatches) mismatches.set(at + i, raw);
    }
    nullCount += part.nullCount;
    mismatchCount += part.mismatchCount;
    at += batches[p].length;
  }
  const base = { name: first.name, state, nullCount, mismatchCount, mismatches };
  switch (first.kind) {
    case 'number':
    case 'integer':
    case 'datetime': {
      const values = new Float64Array(length);
      copyParts(values, parts, (c) => (c.kind === first.kind ? c.values : null));
      return { ...base, kind: first.kind, values };
    }
    case 'boolean': {
      const values = new Uint8Array(length);
      copyParts(values, parts, (c) => (c.kind === 'boolean' ? c.values : null));
      return { ...base, kind: 'boolean', values };
    }
    case 'string':
    case 'category': {
      const dictionary = first.dictionary;
      const codes = new Int32Array(length);
      copyParts(codes, parts, (c) => {
        if (c.kind !== first.kind || c.dictionary !== dictionary) {
          throw new MloError(
            'INTERNAL',
            `column "${first.name}": batches with different dictionaries cannot be joined`,
          );
        }
        return c.codes;
      });
      return { ...base, kind: first.kind, codes, dictionary };
    }
  }
}

function copyParts<A extends Float64Array | Uint8Array | Int32Array>(
  out: A,
  parts: readonly Column[],
  arrayOf: (c: Column) => A | null,
): void {
  let at = 0;
  for (const part of parts) {
    const a = arrayOf(part);
    if (a === null)
      throw new MloError('INTERNAL', `column "${part.name}" changed kind between batches`);
    out.set(a, at);
    at += a.length;
  }
}

/** A batch of no rows with the schema's columns (a header-only file). */
export function emptyBatch(schema: TableSchema, rowStart = 0): ColumnBatch {
  return { rowStart, length: 0, columns: schema.columns.map(emptyColumn) };
}

function emptyColumn(info: ColumnInfo): Column {
  const base = { name: info.name, state: null, nullCount: 0, mismatchCount: 0, mismatches: null };
  switch (info.kind) {
    case 'number':
    case 'integer':
    case 'datetime':
      return { ...base, kind: info.kind, values: new Float64Array(0) };
    case 'boolean':
      return { ...base, kind: 'boolean', values: new Uint8Array(0) };
    case 'string':
    case 'category':
      return { ...base, kind: info.kind, codes: new Int32Array(0), dictionary: [] };
  }
}
