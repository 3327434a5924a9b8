/**
 * The runs of a store as columns in memory: typed arrays indexed by row (0..n-1), text
 * as dictionary codes. Loaded from the store's key-first indexes (store/run-columns.ts)
 * — the attributes of 100,000 runs and one key's values each take a range scan.
 */
import {
  readRunBaseRows,
  readRunKeyColumn,
  readRunTextColumn,
  type RunAttribute,
  type Store,
} from '../../store/index.js';
import { Dictionary } from './dictionary.js';

/** Text per row as codes of a dictionary; -1 is NULL. */
export interface TextColumn {
  dict: Dictionary;
  codes: Int32Array;
}

export interface BaseColumns {
  n: number;
  seq: Int32Array;
  start: Float64Array;
  /** NaN: NULL */
  end: Float64Array;
  /** NaN: NULL */
  exitCode: Float64Array;
  status: TextColumn;
  experiment: TextColumn;
  stage: TextColumn;
  /** row of a seq, -1 when none */
  rowOfSeq: Int32Array;
}

/** One metric's, param's or tag's value for every row. */
export interface KeyColumn {
  present: Uint8Array;
  /** a metric's value, a param's or tag's number; NaN: NULL */
  num: Float64Array;
  /** a param's or tag's text (absent for metrics) */
  text?: TextColumn;
}

function textColumn(values: (string | null)[]): TextColumn {
  const dict = new Dictionary(values.filter((v): v is string => v !== null));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    codes[i] = v === null ? -1 : dict.code(v);
  }
  return { dict, codes };
}

export function loadBaseColumns(store: Store): BaseColumns {
  const rows = readRunBaseRows(store);
  const n = rows.length;
  const seq = new Int32Array(n);
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const exitCode = new Float64Array(n);
  const status: (string | null)[] = new Array<string | null>(n);
  const experiment: (string | null)[] = new Array<string | null>(n);
  const stage: (string | null)[] = new Array<string | null>(n);
  let maxSeq = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    seq[i] = r[0];
    if (r[0] > maxSeq) maxSeq = r[0];
    start[i] = r[1];
    end[i] = r[2] ?? NaN;
    status[i] = r[3];
    experiment[i] = r[4];
    stage[i] = r[5];
    exitCode[i] = r[6] ?? NaN;
  }
  const rowOfSeq = new Int32Array(maxSeq + 1).fill(-1);
  for (let i = 0; i < n; i++) rowOfSeq[seq[i]] = i;
  return {
    n,
    seq,
    start,
    end,
    exitCode,
    status: textColumn(status),
    experiment: textColumn(experiment),
    stage: textColumn(stage),
    rowOfSeq,
  };
}

export function loadKeyColumn(
  store: Store,
  base: BaseColumns,
  kind: 'metric' | 'param' | 'tag',
  key: string,
): KeyColumn {
  const rows = readRunKeyColumn(store, kind, key);
  const present = new Uint8Array(base.n);
  const num = new Float64Array(base.n).fill(NaN);
  const texts: (string | null)[] | undefined =
    kind === 'metric' ? undefined : new Array<string | null>(base.n).fill(null);
  for (const r of rows) {
    const seq = r[0];
    const i = seq < base.rowOfSeq.length ? base.rowOfSeq[seq] : -1;
    if (i < 0) continue; // a deleted run's value
    present[i] = 1;
    if (r.length === 2) num[i] = r[1] ?? NaN;
    else {
      (texts as (string | null)[])[i] = r[1];
      num[i] = r[2] ?? NaN;
    }
  }
  return { present, num, ...(texts && { text: textColumn(texts) }) };
}

/** id, name or commit: not in the listing index, read from the runs table. */
export function loadTextAttribute(
  store: Store,
  base: BaseColumns,
  name: Extract<RunAttribute, 'id' | 'name' | 'commit'>,
): TextColumn {
  const rows = readRunTextColumn(store, name === 'commit' ? 'git_commit' : name);
  const values = new Array<string | null>(base.n).fill(null);
  for (const [seq, v] of rows) {
    const i = seq < base.rowOfSeq.length ? base.rowOfSeq[seq] : -1;
    if (i >= 0) values[i] = v;
  }
  return textColumn(values);
}
