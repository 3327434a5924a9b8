import type { Migration } from './types.js';

/**
 * The model registry: models, their numbered versions, aliases, the append-only audit
 * of every alias decision, and stored evaluations that promotion reuses.
 *
 * A version's signature, feature names, metrics, tags and lineage are JSON on its row:
 * they are read whole, never queried by part, and a version never changes after it
 * is registered.
 */
export const registry: Migration = {
  version: 3,
  name: 'registry',
  up: `
    CREATE TABLE models (
      id         INTEGER PRIMARY KEY,
      name       TEXT NOT NULL UNIQUE,
      created_ms INTEGER NOT NULL
    );

    CREATE TABLE model_versions (
      id              INTEGER PRIMARY KEY,
      model           INTEGER NOT NULL REFERENCES models (id),
      version         INTEGER NOT NULL,
      hash            TEXT NOT NULL,
      size            INTEGER NOT NULL,
      created_ms      INTEGER NOT NULL,
      created_by      TEXT NOT NULL,
      source          TEXT,
      run_id          TEXT,
      git_commit      TEXT,
      git_dirty       INTEGER,
      signature_json  TEXT NOT NULL,
      features_json   TEXT,
      features_source TEXT,
      metrics_json    TEXT NOT NULL DEFAULT '{}',
      tags_json       TEXT NOT NULL DEFAULT '{}',
      lineage_json    TEXT NOT NULL DEFAULT '{}',
      UNIQUE (model, version),
      UNIQUE (model, hash)
    );

    CREATE TABLE model_aliases (
      model      INTEGER NOT NULL REFERENCES models (id),
      alias      TEXT NOT NULL,
      version    INTEGER NOT NULL,
      updated_ms INTEGER NOT NULL,
      PRIMARY KEY (model, alias)
    ) WITHOUT ROWID;

    -- Every alias decision: manual set/rm, promotions that moved it or were refused,
    -- rollbacks. Rows are never changed or removed (the triggers refuse it).
    CREATE TABLE alias_events (
      seq          INTEGER PRIMARY KEY,
      model        INTEGER NOT NULL REFERENCES models (id),
      alias        TEXT NOT NULL,
      action       TEXT NOT NULL CHECK (action IN ('set', 'remove', 'promote', 'rollback')),
      outcome      TEXT NOT NULL CHECK (outcome IN ('moved', 'unchanged', 'rejected', 'removed')),
      from_version INTEGER,
      to_version   INTEGER,
      who          TEXT NOT NULL,
      at_ms        INTEGER NOT NULL,
      git_commit   TEXT,
      gates_json   TEXT,
      detail_json  TEXT
    );
    CREATE INDEX alias_events_by_alias ON alias_events (model, alias, seq);
    CREATE TRIGGER alias_events_no_update BEFORE UPDATE ON alias_events
      BEGIN SELECT RAISE(ABORT, 'alias_events is append-only'); END;
    CREATE TRIGGER alias_events_no_delete BEFORE DELETE ON alias_events
      BEGIN SELECT RAISE(ABORT, 'alias_events is append-only'); END;

    -- One row per evaluation of a model version on a data file (identified by hash),
    -- so that promotion can reuse it instead of running the model again.
    CREATE TABLE evaluations (
      id            INTEGER PRIMARY KEY,
      version_id    INTEGER NOT NULL REFERENCES model_versions (id),
      data_hash     TEXT NOT NULL,
      data_path     TEXT NOT NULL,
      target        TEXT NOT NULL,
      features_json TEXT NOT NULL,
      task          TEXT NOT NULL,
      rows          INTEGER NOT NULL,
      metrics_json  TEXT NOT NULL,
      reasons_json  TEXT NOT NULL,
      detail_json   TEXT NOT NULL,
      slices_json   TEXT NOT NULL DEFAULT '{}',
      created_ms    INTEGER NOT NULL
    );
    CREATE INDEX evaluations_by_data ON evaluations (version_id, data_hash, target);
  `,
};
