import type { Migration } from './types.js';

/**
 * The feature store's registry: applied versions of the definitions (what changed
 * each time), the training sets built from them (their lineage), the
 * materializations into the online store (the incremental watermark), and what a
 * server filled in from the online store (for skew checks). The online
 * values themselves live apart, in .mlo/features/online.db or Redis, so that a
 * serving fleet's reads never contend with this store.
 */
export const features: Migration = {
  version: 11,
  name: 'features',
  up: `
    CREATE TABLE feature_versions (
      version     INTEGER PRIMARY KEY,
      -- sha256 of the canonical JSON of the definitions
      hash        TEXT NOT NULL,
      definitions TEXT NOT NULL,
      -- {added: [...], changed: [...], removed: [...]} against the previous version
      changes     TEXT NOT NULL,
      git_commit  TEXT,
      created_at  TEXT NOT NULL
    );

    -- A training set: the file written, what it was built from, and the run it was
    -- built in (when inside mlo exec / mlo repro).
    CREATE TABLE feature_sets (
      id            INTEGER PRIMARY KEY,
      path          TEXT NOT NULL,
      hash          TEXT NOT NULL,
      rows          INTEGER NOT NULL,
      version       INTEGER NOT NULL REFERENCES feature_versions (version),
      features      TEXT NOT NULL,
      entities_path TEXT NOT NULL,
      entities_hash TEXT NOT NULL,
      -- [{view, source, path, hash, ttl}] for every view the set reads
      sources       TEXT NOT NULL,
      as_of_created INTEGER NOT NULL,
      engine        TEXT NOT NULL,
      run_id        TEXT,
      created_at    TEXT NOT NULL
    );
    CREATE INDEX feature_sets_by_hash ON feature_sets (hash);

    -- One row per view per materialization: the window written and the data read.
    CREATE TABLE feature_materializations (
      id          INTEGER PRIMARY KEY,
      view        TEXT NOT NULL,
      version     INTEGER NOT NULL REFERENCES feature_versions (version),
      start_ms    INTEGER NOT NULL,
      end_ms      INTEGER NOT NULL,
      source_hash TEXT NOT NULL,
      rows        INTEGER NOT NULL,
      entities    INTEGER NOT NULL,
      store       TEXT NOT NULL,
      created_at  TEXT NOT NULL
    );
    CREATE INDEX feature_materializations_by_view ON feature_materializations (view, id);

    -- What mlo serve filled in from the online store, per request row: the entity and
    -- the values used, so skew checks can compare them with the offline values at ts.
    -- The prediction log has the model's inputs; this has the keys it lacks.
    CREATE TABLE feature_serving_log (
      id         INTEGER PRIMARY KEY,
      ts_ms      INTEGER NOT NULL,
      model      TEXT NOT NULL,
      version    INTEGER NOT NULL,
      request_id TEXT,
      -- {join key or request field: value}
      entity     TEXT NOT NULL,
      -- {feature: value} as the model got them
      vals       TEXT NOT NULL
    );
    CREATE INDEX feature_serving_log_by_model ON feature_serving_log (model, version, ts_ms);
  `,
};
