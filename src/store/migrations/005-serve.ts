import type { Migration } from './types.js';

/**
 * The prediction log `mlo serve --log-predictions` writes and `mlo drift check
 * --predictions` reads. One row per predicted instance (a request with 32 instances is
 * 32 rows), so the reader never has to unpack requests:
 *
 * - `ts_ms`: when the answer was produced (epoch ms)
 * - `model`, `version`: the registered model version that computed the row
 * - `role`: 'primary' when this answer was returned to the client (through the main or
 *   the canary route), 'shadow' when it was computed beside it and not returned
 * - `route`: 'main', 'canary' or 'shadow' (which of the server's models it was)
 * - `request_id`: the request's x-request-id; a shadow row carries its primary's
 * - `latency_ms`: from the request's first byte to the answer being ready
 * - `inputs`: JSON object, one instance by feature name in the model's input order
 *   (`{"age": 41, "tenure": 3}`); positional keys ("0", "1", ...) when the registry
 *   has no feature names for the version
 * - `outputs`: JSON object: `{"prediction": label-or-value}` plus `"probabilities":
 *   [p0, p1, ...]` for classifiers (class order of the model) — a multi-target
 *   regression has an array under "prediction"
 *
 * The shape matches what the drift capability reads (prediction_log, filtered by
 * model, version, role and ts_ms).
 */
export const serve: Migration = {
  version: 5,
  name: 'serve',
  up: `
    CREATE TABLE prediction_log (
      id         INTEGER PRIMARY KEY,
      ts_ms      INTEGER NOT NULL,
      model      TEXT NOT NULL,
      version    INTEGER NOT NULL,
      role       TEXT NOT NULL DEFAULT 'primary',
      request_id TEXT,
      latency_ms REAL,
      inputs     TEXT NOT NULL,
      outputs    TEXT NOT NULL,
      route      TEXT
    );
    CREATE INDEX prediction_log_by_model ON prediction_log (model, version, ts_ms);
  `,
};
