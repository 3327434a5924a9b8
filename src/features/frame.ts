/**
 * A whole table in memory as typed columns: what the point-in-time join and
 * materialization work on. Read through src/io (CSV, Parquet, JSON Lines), with the
 * kinds the definitions declare, from one file or every table file of a directory.
 * Cells that do not fit their declared kind are nulls, counted for a warning.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MloError } from '../errors.js';
import {
  CellState,
  readTable,
  type Column,
  type ColumnKind,
  type TableFormat,
} from '../io/index.js';
import type { FeatureType, KeyType } from './schema.js';

/** Numbers, integers, datetimes (epoch ms) and booleans (0/1) share one layout. */
export interface NumColumn {
  kind: 'num';
  /** the io kind it was read as */
  as: ColumnKind;
  values: Float64Array;
  /** 1 where the cell holds a value */
  valid: Uint8Array;
}

export interface TextColumn {
  kind: 'text';
  as: ColumnKind;
  /** -1: null */
  codes: Int32Array;
  dict: string[];
}

export type FrameColumn = NumColumn | TextColumn;

export interface Frame {
  /** the file or directory, as shown in messages */
  source: string;
  /** the files read, repo-relative */
  files: string[];
  length: number;
  columns: Map<string, FrameColumn>;
  /** columns in file order (for an entity file's pass-through columns) */
  order: string[];
  /** column → cells that did not fit the declared kind */
  mismatches: Map<string, number>;
}

const TABLE_EXT = /\.(csv|tsv|tab|txt|parquet|pq|jsonl|ndjson)$/i;

/** io kinds for the declared types. */
export function kindOfType(t: FeatureType | KeyType): ColumnKind {
  switch (t) {
    case 'int32':
    case 'int64':
      return 'integer';
    case 'float32':
    case 'float64':
      return 'number';
    case 'bool':
      return 'boolean';
    case 'timestamp':
      return 'datetime';
    case 'string':
      return 'string';
  }
}

/**
 * The table files a source path stands for: itself, or a directory's table files in
 * order. `allowed` vets where a link inside the directory leads.
 */
export function tableFiles(
  abs: string,
  shown: string,
  allowed: (abs: string) => boolean,
): string[] {
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st) throw new MloError('NOT_FOUND', `${shown}: no such file or directory`);
  if (st.isFile()) return [abs];
  if (!st.isDirectory()) throw new MloError('INVALID', `${shown}: not a file or directory`);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      if (e.name.startsWith('.') || e.name.endsWith('.mlo')) continue;
      const p = join(dir, e.name);
      if (e.isSymbolicLink() && !allowed(p)) {
        throw new MloError('INVALID', `${shown}: ${e.name} links outside the repository's data`);
      }
      const s = e.isSymbolicLink() ? statSync(p, { throwIfNoEntry: false }) : e;
      if (s?.isDirectory()) walk(p);
      else if (s?.isFile() && TABLE_EXT.test(e.name)) out.push(p);
    }
  };
  walk(abs);
  if (out.length === 0) throw new MloError('INVALID', `${shown}: a directory without table files`);
  return out;
}

export interface ReadFrameOptions {
  /** the columns to read and their kinds; other columns of the file are left out */
  columns?: Record<string, ColumnKind>;
  /** read every column, with these kinds where given (entity files) */
  allColumns?: boolean;
  format?: TableFormat;
}

export async function readFrame(
  files: readonly string[],
  shown: string,
  options: ReadFrameOptions,
): Promise<Frame> {
  const frame: Frame = {
    source: shown,
    files: [...files],
    length: 0,
    columns: new Map(),
    order: [],
    mismatches: new Map(),
  };
  const parts: { length: number; columns: readonly Column[] }[] = [];
  for (const file of files) {
    const table = await readTable(file, {
      ...(options.allColumns ? {} : { columns: Object.keys(options.columns ?? {}) }),
      types: options.columns,
      format: options.format,
    });
    if (frame.order.length === 0) frame.order = table.schema.columns.map((c) => c.name);
    else if (options.allColumns) {
      const names = table.schema.columns.map((c) => c.name).join(',');
      if (names !== frame.order.join(','))
        throw new MloError('INVALID', `${table.path}: its columns differ from ${files[0]}`);
    }
    parts.push({ length: table.batch.length, columns: table.batch.columns });
  }
  frame.length = parts.reduce((n, p) => n + p.length, 0);
  frame.order.forEach((name, j) => {
    const cols = parts.map((p) => p.columns[j]);
    const miss = cols.reduce((n, c) => n + c.mismatchCount, 0);
    if (miss > 0) frame.mismatches.set(name, miss);
    frame.columns.set(name, mergeColumn(cols, parts, frame.length));
  });
  return frame;
}

function mergeColumn(
  cols: readonly Column[],
  parts: readonly { length: number }[],
  length: number,
): FrameColumn {
  const first = cols[0];
  const kinds = new Set(
    cols.map((c) => (c.kind === 'string' || c.kind === 'category' ? 'text' : c.kind)),
  );
  if (kinds.size > 1) {
    throw new MloError(
      'INVALID',
      `column "${first.name}" holds different kinds in different files`,
    );
  }
  if (first.kind === 'string' || first.kind === 'category') {
    const codes = new Int32Array(length);
    const dict: string[] = [];
    const index = new Map<string, number>();
    let at = 0;
    for (let p = 0; p < cols.length; p++) {
      const c = cols[p];
      if (c.kind !== 'string' && c.kind !== 'category')
        throw new MloError('INTERNAL', 'kinds checked above');
      if (p === 0) {
        // the first file's dictionary is taken as is
        for (let k = 0; k < c.dictionary.length; k++) {
          dict.push(c.dictionary[k]);
          index.set(c.dictionary[k], k);
        }
        codes.set(c.codes, 0);
        for (let i = 0; i < c.codes.length; i++) if (!valueState(c, i)) codes[i] = -1;
      } else {
        const remap = c.dictionary.map((s) => {
          let k = index.get(s);
          if (k === undefined) {
            k = dict.length;
            dict.push(s);
            index.set(s, k);
          }
          return k;
        });
        for (let i = 0; i < c.codes.length; i++)
          codes[at + i] = valueState(c, i) ? remap[c.codes[i]] : -1;
      }
      at += parts[p].length;
    }
    return { kind: 'text', as: first.kind, codes, dict };
  }
  const values = new Float64Array(length);
  const valid = new Uint8Array(length);
  let at = 0;
  for (let p = 0; p < cols.length; p++) {
    const c = cols[p];
    if ('values' in c) values.set(c.values, at);
    if (c.state === null) valid.fill(1, at, at + parts[p].length);
    else
      for (let i = 0; i < c.state.length; i++)
        valid[at + i] = c.state[i] === CellState.VALUE ? 1 : 0;
    at += parts[p].length;
  }
  // NaN read from the file is a value to io, a missing one to features (as to pandas)
  if (first.kind !== 'boolean')
    for (let i = 0; i < length; i++) if (values[i] !== values[i]) valid[i] = 0;
  return { kind: 'num', as: first.kind, values, valid };
}

function valueState(c: Column, i: number): boolean {
  return c.state === null || c.state[i] === CellState.VALUE;
}
