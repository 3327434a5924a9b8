import type { Migration } from './types.js';

/**
 * Drift monitoring: baselines (column profiles of reference data, optionally tied to
 * a model version) and the stored results of drift checks.
 *
 * A model version is named by (model_name, model_version) rather than a foreign key
 * into the registry's tables, so baselines do not depend on the order in which the
 * capabilities' migrations were written; at most one baseline per model version.
 * Drift reports keep the baseline's name, not its id: `mlo drift history NAME`
 * follows a name across `baseline create --force`, and each report records which
 * generation of the baseline (`baseline_id`) it was checked against.
 */
export const monitor: Migration = {
  version: 4,
  name: 'monitor',
  up: `
    -- AUTOINCREMENT: a re-created baseline never gets its predecessor's id back, so
    -- drift reports can tell the generations apart.
    CREATE TABLE baselines (
      id            INTEGER PRIMARY KEY AUTOINCREMENT,
      name          TEXT NOT NULL UNIQUE,
      created_ms    INTEGER NOT NULL,
      source        TEXT NOT NULL,
      source_hash   TEXT,
      source_format TEXT NOT NULL,
      rows          INTEGER NOT NULL,
      model_name    TEXT,
      model_version INTEGER,
      target        TEXT,
      prediction    TEXT,
      meta_json     TEXT NOT NULL DEFAULT '{}',
      CHECK ((model_name IS NULL) = (model_version IS NULL))
    );
    CREATE UNIQUE INDEX baselines_by_model ON baselines (model_name, model_version)
      WHERE model_name IS NOT NULL;

    -- One column profile (monitor/profile/serialize.ts encoding) per baseline column.
    CREATE TABLE baseline_columns (
      baseline    INTEGER NOT NULL REFERENCES baselines (id) ON DELETE CASCADE,
      position    INTEGER NOT NULL,
      name        TEXT NOT NULL,
      kind        TEXT NOT NULL CHECK (kind IN ('numeric', 'categorical')),
      role        TEXT NOT NULL CHECK (role IN ('feature', 'target', 'prediction')),
      source_kind TEXT NOT NULL,
      kind_source TEXT NOT NULL,
      profile     BLOB NOT NULL,
      PRIMARY KEY (baseline, position)
    ) WITHOUT ROWID;

    CREATE TABLE drift_reports (
      id              INTEGER PRIMARY KEY,
      baseline_name   TEXT NOT NULL,
      baseline_id     INTEGER NOT NULL,
      created_ms      INTEGER NOT NULL,
      source          TEXT NOT NULL,
      source_hash     TEXT,
      rows            INTEGER NOT NULL,
      dataset_drift   INTEGER NOT NULL,
      drift_share     REAL NOT NULL,
      drifted_columns INTEGER NOT NULL,
      checked_columns INTEGER NOT NULL,
      report_json     TEXT NOT NULL
    );
    CREATE INDEX drift_reports_by_baseline ON drift_reports (baseline_name, created_ms);

    -- Per-column scores of each report, so history reads numbers without parsing JSON.
    CREATE TABLE drift_scores (
      report    INTEGER NOT NULL REFERENCES drift_reports (id) ON DELETE CASCADE,
      position  INTEGER NOT NULL,
      name      TEXT NOT NULL,
      test      TEXT NOT NULL,
      score     REAL,
      threshold REAL NOT NULL,
      drifted   INTEGER NOT NULL,
      psi       REAL,
      PRIMARY KEY (report, position)
    ) WITHOUT ROWID;
  `,
};
