/**
 * Runs read column by column, for views that filter and sort every run in memory
 * (the UI's table): the attributes of every run from the `runs_listing` index, one
 * metric's, param's or tag's value for every run from its key-first index, and the
 * keys themselves by seeking from one to the next (migration 014).
 */
import type { Store } from './open.js';
import { numericValue, type RunStatus } from './runs.js';

/**
 * Columns come back as one JSON array each (`json_group_array`), parsed once: for
 * 100,000 runs that is three to five times faster than 100,000 row arrays from the
 * driver. SQLite writes doubles in JSON so that they parse back to the same double.
 */
function jsonColumns(store: Store, sql: string, ...args: unknown[]): unknown[][] {
  const row = store.db
    .prepare(sql)
    .raw()
    .get(...args) as (string | null)[] | undefined;
  return (row ?? []).map((t) => (t === null ? [] : (JSON.parse(t) as unknown[])));
}

export interface RunBaseColumnsRaw {
  seq: number[];
  start: number[];
  end: (number | null)[];
  status: RunStatus[];
  experiment: string[];
  stage: (string | null)[];
  exitCode: (number | null)[];
}

/**
 * The attributes of every run of one lifecycle ('active' unless said), newest first
 * (start_ms, then seq, descending: the listing's final order), from the listing index.
 */
export function readRunBaseColumns(
  store: Store,
  lifecycle: 'active' | 'deleted' = 'active',
): RunBaseColumnsRaw {
  const [seq, start, end, status, experiment, stage, exitCode] = jsonColumns(
    store,
    `SELECT json_group_array(seq), json_group_array(start_ms), json_group_array(end_ms),
       json_group_array(status), json_group_array(experiment), json_group_array(stage),
       json_group_array(exit_code)
     FROM (SELECT seq, start_ms, end_ms, status, experiment, stage, exit_code
           FROM runs INDEXED BY runs_listing WHERE lifecycle = ?
           ORDER BY start_ms DESC, seq DESC)`,
    lifecycle,
  );
  return {
    seq: seq as number[],
    start: start as number[],
    end: end as (number | null)[],
    status: status as RunStatus[],
    experiment: experiment as string[],
    stage: stage as (string | null)[],
    exitCode: exitCode as (number | null)[],
  };
}

/** Attributes the listing index does not hold: read from the table itself. */
export type RunTextAttribute = 'id' | 'name' | 'git_commit';

export function readRunTextColumn(
  store: Store,
  column: RunTextAttribute,
): { seq: number[]; value: (string | null)[] } {
  const col = { id: 'id', name: 'name', git_commit: 'git_commit' }[column];
  const [seq, value] = jsonColumns(
    store,
    `SELECT json_group_array(seq), json_group_array(${col}) FROM runs`,
  );
  return { seq: seq as number[], value: value as (string | null)[] };
}

/**
 * Every run's value of one key (runs without it are absent): a metric's value (null:
 * NaN), or a param's or tag's text and number (null: not a number).
 */
export interface RunKeyColumnRaw {
  run: number[];
  value: (number | null)[] | string[];
  num?: (number | null)[];
}

const KEY_SQL = {
  metric:
    'SELECT json_group_array(run), json_group_array(value) FROM run_latest_metrics INDEXED BY run_latest_metrics_by_key WHERE key = ?',
  param:
    'SELECT json_group_array(run), json_group_array(value), json_group_array(num) FROM run_params INDEXED BY run_params_by_key WHERE key = ?',
  // run_tags_by_key covers (key, value); a tag's number is numericValue(value)
  tag: 'SELECT json_group_array(run), json_group_array(value) FROM run_tags INDEXED BY run_tags_by_key WHERE key = ?',
} as const;

/** numericValue of each text, computed once per distinct text. */
function numbersOf(texts: readonly string[]): (number | null)[] {
  const seen = new Map<string, number | null>();
  return texts.map((t) => {
    let n = seen.get(t);
    if (n === undefined && !seen.has(t)) seen.set(t, (n = numericValue(t)));
    return n ?? null;
  });
}

export function readRunKeyColumn(
  store: Store,
  kind: 'metric' | 'param' | 'tag',
  key: string,
): RunKeyColumnRaw {
  const [run, value, num] = jsonColumns(store, KEY_SQL[kind], key);
  if (kind === 'metric') return { run: run as number[], value: value as (number | null)[] };
  const texts = value as string[];
  return {
    run: run as number[],
    value: texts,
    num: kind === 'param' ? (num as (number | null)[]) : numbersOf(texts),
  };
}

const KEY_TABLE = {
  metric: 'run_latest_metrics',
  param: 'run_params',
  tag: 'run_tags',
} as const;

/**
 * The distinct keys of params, metrics or tags in byte order, at most `limit`. One
 * index seek per key: `SELECT DISTINCT` would read every run's row of every key.
 */
export function listRunKeys(
  store: Store,
  kind: 'metric' | 'param' | 'tag',
  limit = 100_000,
): string[] {
  const next = store.db.prepare(`SELECT min(key) FROM ${KEY_TABLE[kind]} WHERE key > ?`).pluck();
  const keys: string[] = [];
  let k = next.get('') as string | null;
  // '' is below every key but the empty one, which keys cannot be
  while (k !== null && keys.length < limit) {
    keys.push(k);
    k = next.get(k) as string | null;
  }
  return keys;
}

/**
 * A number that changes whenever the store's content may have: another connection's
 * commit moves data_version, this connection's writes move total_changes().
 */
export function readStoreGeneration(store: Store): string {
  const dv = store.db.pragma('data_version', { simple: true }) as number;
  const own = store.db.prepare('SELECT total_changes()').pluck().get() as number;
  return `${dv}.${own}`;
}
