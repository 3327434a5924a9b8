/**
 * Runs read column by column, for views that filter and sort every run in memory
 * (the UI's table): the attributes of every run from the `runs_listing` index, one
 * metric's, param's or tag's value for every run from its key-first index, and the
 * keys themselves by seeking from one to the next (migration 014).
 */
import type { Store } from './open.js';
import type { RunStatus } from './runs.js';

/** seq, start_ms, end_ms, status, experiment, stage, exit_code */
export type RunBaseRow = [
  number,
  number,
  number | null,
  RunStatus,
  string,
  string | null,
  number | null,
];

/** The attributes of every run of one lifecycle ('active' unless said), in no order. */
export function readRunBaseRows(
  store: Store,
  lifecycle: 'active' | 'deleted' = 'active',
): RunBaseRow[] {
  return store.db
    .prepare(
      `SELECT seq, start_ms, end_ms, status, experiment, stage, exit_code
       FROM runs INDEXED BY runs_listing WHERE lifecycle = ?`,
    )
    .raw()
    .all(lifecycle) as RunBaseRow[];
}

/** Attributes the listing index does not hold: read from the table itself. */
export type RunTextAttribute = 'id' | 'name' | 'git_commit';

export function readRunTextColumn(
  store: Store,
  column: RunTextAttribute,
): [number, string | null][] {
  const col = { id: 'id', name: 'name', git_commit: 'git_commit' }[column];
  return store.db.prepare(`SELECT seq, ${col} FROM runs`).raw().all() as [number, string | null][];
}

/** [run, value] for a metric (value null: NaN); [run, value, num] for a param or tag. */
export type RunKeyRow = [number, number | null] | [number, string, number | null];

const KEY_SQL = {
  metric: 'SELECT run, value FROM run_latest_metrics INDEXED BY run_latest_metrics_by_key WHERE key = ?',
  param: 'SELECT run, value, num FROM run_params INDEXED BY run_params_by_key WHERE key = ?',
  tag: 'SELECT run, value, num FROM run_tags WHERE key = ?',
} as const;

/** Every run's value of one key (runs without it are absent). */
export function readRunKeyColumn(
  store: Store,
  kind: 'metric' | 'param' | 'tag',
  key: string,
): RunKeyRow[] {
  return store.db.prepare(KEY_SQL[kind]).raw().all(key) as RunKeyRow[];
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
  const next = store.db
    .prepare(`SELECT min(key) FROM ${KEY_TABLE[kind]} WHERE key > ?`)
    .pluck();
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
