/**
 * Column batches from JavaScript objects already in memory (logged predictions, request
 * bodies), under the same kind, null and mismatch rules as JSON Lines.
 */
import { MloError } from '../errors.js';
import { createBuilder, IssueLog } from './builders.js';
import { inferValueKind } from './infer.js';
import { selectColumns } from './schema.js';
import { DEFAULT_SAMPLE_ROWS } from './settings.js';
import type { ColumnKind, Table } from './types.js';
import { NULL_TOKENS } from './values.js';

export interface RecordsOptions {
  /** named in messages (default "records") */
  source?: string;
  columns?: readonly string[];
  types?: Readonly<Record<string, ColumnKind>>;
  sampleRows?: number;
  nullValues?: readonly string[];
}

/**
 * One batch from an array of objects. Columns are the keys of the first `sampleRows`
 * records in first-seen order (or `columns`); a missing key is null.
 */
export function tableFromRecords(
  records: readonly Record<string, unknown>[],
  options: RecordsOptions = {},
): Table {
  const source = options.source ?? 'records';
  const sampleRows = options.sampleRows ?? DEFAULT_SAMPLE_ROWS;
  const samples = new Map<string, unknown[]>();
  for (let r = 0; r < Math.min(records.length, sampleRows); r++) {
    const rec = records[r];
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
      throw new MloError('INVALID', `${source}: record ${r + 1} is not an object`);
    }
    for (const [k, v] of Object.entries(rec)) {
      let vals = samples.get(k);
      if (vals === undefined) samples.set(k, (vals = []));
      if (v !== null && v !== undefined) vals.push(v);
    }
  }
  const fileColumns = [...samples.keys()];
  const selected = selectColumns({
    file: source,
    fileColumns,
    columns: options.columns,
    types: options.types,
  });
  for (const s of selected)
    if (!s.overridden) s.info.kind = inferValueKind(samples.get(s.info.name) ?? []);
  const columns = selected.map((s) => s.info);
  const issues = new IssueLog(columns.map((c) => c.name));
  const ctx = {
    nullTokens: new Set(options.nullValues ?? NULL_TOKENS),
    maxDictionary: Number.MAX_SAFE_INTEGER,
    issues,
  };
  const builders = columns.map((info) => createBuilder(info, ctx));
  const n = records.length;
  for (const b of builders) b.begin(n, 0);
  for (let j = 0; j < builders.length; j++) {
    const b = builders[j];
    const name = columns[j].name;
    for (let i = 0; i < n; i++) b.fromValue(records[i]?.[name], i);
  }
  return {
    path: source,
    format: 'records',
    schema: { columns, fileColumns },
    batch: { rowStart: 0, length: n, columns: builders.map((b) => b.finish(n)) },
    issues: issues.list(),
  };
}
