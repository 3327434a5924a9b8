import type { Migration } from './types.js';

/**
 * What keeps the prediction log honest under load (issue 10):
 *
 * - `prediction_log_lost`: rows the server could not keep at all (its spool could not
 *   be written: a full disk), by served model and time window, so a drift check on
 *   logged traffic can say how many rows of its window were lost. `from_ms`/`to_ms`
 *   bound the lost rows' answer times (inclusive); `reason` is the error.
 * - `prediction_spool_drained`: spool segments (`.mlo/spool/*`) whose rows are already
 *   in prediction_log, written in the same transaction as the rows, so a segment whose
 *   drainer died before deleting it is never inserted twice.
 */
export const predictionSpool: Migration = {
  version: 13,
  name: 'prediction-spool',
  up: `
    CREATE TABLE prediction_log_lost (
      id          INTEGER PRIMARY KEY,
      model       TEXT NOT NULL,
      version     INTEGER NOT NULL,
      role        TEXT NOT NULL,
      route       TEXT,
      from_ms     INTEGER NOT NULL,
      to_ms       INTEGER NOT NULL,
      rows        INTEGER NOT NULL,
      reason      TEXT NOT NULL,
      recorded_ms INTEGER NOT NULL
    );
    CREATE INDEX prediction_log_lost_by_model ON prediction_log_lost (model, version, to_ms);
    CREATE TABLE prediction_spool_drained (
      segment    TEXT PRIMARY KEY,
      rows       INTEGER NOT NULL,
      drained_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
  `,
};
