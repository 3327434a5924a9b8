/**
 * The prediction log `mlo serve --log-predictions` writes (migration 005, owned by
 * the serve capability), as the drift check reads it. The reading side depends only
 * on this shape:
 *
 *     CREATE TABLE prediction_log (
 *       id         INTEGER PRIMARY KEY,
 *       ts_ms      INTEGER NOT NULL,          -- when the prediction was answered (epoch ms)
 *       model      TEXT NOT NULL,             -- registered model name
 *       version    INTEGER NOT NULL,          -- model version that answered
 *       role       TEXT NOT NULL DEFAULT 'primary',  -- 'primary' | 'shadow' (| 'canary')
 *       request_id TEXT,
 *       latency_ms REAL,
 *       inputs     TEXT NOT NULL,             -- JSON object, ONE instance: {"feature": value, ...}
 *       outputs    TEXT NOT NULL              -- JSON object: {"prediction": value, "probabilities": [..]?, ...}
 *     );
 *     CREATE INDEX prediction_log_by_model ON prediction_log (model, version, ts_ms);
 *
 * One row per predicted instance (a request with 32 instances is 32 rows), inputs
 * keyed by the feature names recorded in the registry, outputs with the predicted
 * value under "prediction" (other output names may follow).
 */
import type { Store } from './open.js';

export interface PredictionLogQuery {
  model: string;
  version: number;
  /** epoch ms, inclusive */
  sinceMs?: number;
  /** default 'primary': shadow outputs are another model's */
  role?: string;
}

export interface PredictionLogRow {
  ts_ms: number;
  inputs: string;
  outputs: string;
}

/** Whether the server ever logged a prediction of this model version (at any time). */
export function hasPredictionLog(store: Store, model: string, version: number): boolean {
  return (
    store.db
      .prepare('SELECT 1 FROM prediction_log WHERE model = ? AND version = ? LIMIT 1')
      .get(model, version) !== undefined
  );
}

/** The logged rows of one model version, oldest first, streamed. */
export function iteratePredictionLog(
  store: Store,
  query: PredictionLogQuery,
): IterableIterator<PredictionLogRow> {
  return store.db
    .prepare(
      `SELECT ts_ms, inputs, outputs FROM prediction_log
       WHERE model = ? AND version = ? AND ts_ms >= ? AND role = ?
       ORDER BY ts_ms, id`,
    )
    .iterate(
      query.model,
      query.version,
      query.sinceMs ?? Number.MIN_SAFE_INTEGER,
      query.role ?? 'primary',
    ) as IterableIterator<PredictionLogRow>;
}
