/**
 * The runs of a store as columns in memory: typed arrays indexed by row (0..n-1), text
 * as dictionary codes. Loaded from the store's key-first indexes (store/run-columns.ts)
 * — the attributes of 100,000 runs and one key's values each take a range scan.
 */
import {
  readRunBaseColumns,
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

/** Rows come newest first (start, then seq, descending): row order is the default order. */
export function loadBaseColumns(store: Store): BaseColumns {
  const raw = readRunBaseColumns(store);
  const n = raw.seq.length;
  // plain loops: TypedArray.from with a map function is fifty times slower
  const seq = new Int32Array(n);
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const exitCode = new Float64Array(n);
  let maxSeq = 0;
  for (let i = 0; i < n; i++) {
    seq[i] = raw.seq[i];
    if (seq[i] > maxSeq) maxSeq = seq[i];
    start[i] = raw.start[i];
    end[i] = raw.end[i] ?? NaN;
    exitCode[i] = raw.exitCode[i] ?? NaN;
  }
  const rowOfSeq = new Int32Array(maxSeq + 1).fill(-1);
  for (let i = 0; i < n; i++) rowOfSeq[seq[i]] = i;
  return {
    n,
    seq,
    start,
    end,
    exitCode,
    status: textColumn(raw.status),
    experiment: textColumn(raw.experiment),
    stage: textColumn(raw.stage),
    rowOfSeq,
  };
}

const rowOf = (base: BaseColumns, seq: number): number =>
  seq < base.rowOfSeq.length ? base.rowOfSeq[seq] : -1;

export function loadKeyColumn(
  store: Store,
  base: BaseColumns,
  kind: 'metric' | 'param' | 'tag',
  key: string,
): KeyColumn {
  const raw = readRunKeyColumn(store, kind, key);
  const present = new Uint8Array(base.n);
  const num = new Float64Array(base.n).fill(NaN);
  const texts: (string | null)[] | undefined =
    kind === 'metric' ? undefined : new Array<string | null>(base.n).fill(null);
  const nums = raw.num ?? (raw.value as (number | null)[]);
  for (let k = 0; k < raw.run.length; k++) {
    const i = rowOf(base, raw.run[k]);
    if (i < 0) continue; // a deleted run's value
    present[i] = 1;
    num[i] = nums[k] ?? NaN;
    if (texts) texts[i] = (raw.value as string[])[k];
  }
  return { present, num, ...(texts && { text: textColumn(texts) }) };
}

/** id, name or commit: not in the listing index, read from the runs table. */
export function loadTextAttribute(
  store: Store,
  base: BaseColumns,
  name: Extract<RunAttribute, 'id' | 'name' | 'commit'>,
): TextColumn {
  const raw = readRunTextColumn(store, name === 'commit' ? 'git_commit' : name);
  const values = new Array<string | null>(base.n).fill(null);
  for (let k = 0; k < raw.seq.length; k++) {
    const i = rowOf(base, raw.seq[k]);
    if (i >= 0) values[i] = raw.value[k];
  }
  return textColumn(values);
}
