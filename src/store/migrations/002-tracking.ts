import type { Migration } from './types.js';

/**
 * Runs (params, metric series, tags, artifacts, inputs and outputs) and the pipeline's
 * stage run-cache.
 *
 * Child tables point at `runs.seq`, an integer, rather than the 32-character public
 * id. `params_json`, `metrics_json` and `tags_json` on the run row are
 * denormalised copies (latest metric values) refreshed in the same transaction as
 * every write: listing 10,000 runs reads one table instead of grouping 400,000 rows;
 * filtering and sorting use the normalised tables and their keys.
 */
export const tracking: Migration = {
  version: 2,
  name: 'tracking',
  up: `
    CREATE TABLE runs (
      seq          INTEGER PRIMARY KEY,
      id           TEXT NOT NULL UNIQUE,
      name         TEXT NOT NULL,
      experiment   TEXT NOT NULL,
      status       TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
      start_ms     INTEGER NOT NULL,
      end_ms       INTEGER,
      command      TEXT,
      cwd          TEXT,
      exit_code    INTEGER,
      git_commit   TEXT,
      git_dirty    INTEGER,
      stage        TEXT,
      host         TEXT NOT NULL,
      pid          INTEGER,
      log_tail     TEXT,
      error        TEXT,
      params_json  TEXT NOT NULL DEFAULT '{}',
      metrics_json TEXT NOT NULL DEFAULT '{}',
      tags_json    TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX runs_by_start ON runs (start_ms);
    CREATE INDEX runs_by_experiment ON runs (experiment, start_ms);
    CREATE INDEX runs_by_status ON runs (status);

    -- value as text (MLflow-style); num is the value as a number when it is one, so
    -- that params.depth > 3 compares numerically.
    CREATE TABLE run_params (
      run   INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
      key   TEXT NOT NULL,
      value TEXT NOT NULL,
      num   REAL,
      PRIMARY KEY (run, key)
    ) WITHOUT ROWID;

    CREATE TABLE run_tags (
      run   INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
      key   TEXT NOT NULL,
      value TEXT NOT NULL,
      num   REAL,
      PRIMARY KEY (run, key)
    ) WITHOUT ROWID;
    CREATE INDEX run_tags_by_key ON run_tags (key, value);

    -- Every logged point, in chunks: one row per metric per flush, holding parallel
    -- little-endian float64 arrays of steps, timestamps (ms) and values (NaN kept).
    -- A training loop logging every step writes a handful of rows per second instead
    -- of thousands, which is what lets ingestion run at hundreds of thousands of
    -- points per second. A key may hold several points at one step, as in MLflow.
    CREATE TABLE run_metric_chunks (
      run      INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
      key      TEXT NOT NULL,
      chunk    INTEGER NOT NULL,
      n        INTEGER NOT NULL,
      max_step INTEGER NOT NULL,
      steps    BLOB NOT NULL,
      ts       BLOB NOT NULL,
      vals     BLOB NOT NULL,
      PRIMARY KEY (run, key, chunk)
    ) WITHOUT ROWID;

    -- The point with the highest step (then the latest timestamp) of each series.
    CREATE TABLE run_latest_metrics (
      run   INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
      key   TEXT NOT NULL,
      value REAL,
      step  INTEGER NOT NULL,
      ts    INTEGER NOT NULL,
      PRIMARY KEY (run, key)
    ) WITHOUT ROWID;

    -- Files and directories kept for a run, cached by hash (object_refs keeps them).
    CREATE TABLE run_artifacts (
      run   INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
      name  TEXT NOT NULL,
      hash  TEXT NOT NULL,
      size  INTEGER NOT NULL,
      type  TEXT NOT NULL CHECK (type IN ('file', 'dir')),
      files INTEGER,
      PRIMARY KEY (run, name)
    ) WITHOUT ROWID;

    -- Inputs (with their data hash when the run started) and outputs (when it ended).
    CREATE TABLE run_io (
      run   INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
      role  TEXT NOT NULL CHECK (role IN ('input', 'output')),
      path  TEXT NOT NULL,
      hash  TEXT,
      size  INTEGER,
      type  TEXT CHECK (type IN ('file', 'dir')),
      files INTEGER,
      PRIMARY KEY (run, role, path)
    ) WITHOUT ROWID;
    CREATE INDEX run_io_by_hash ON run_io (hash);

    -- The stage run-cache: what a stage produced from exactly these inputs (command,
    -- dependency hashes, params), so missing outputs can be restored, not recomputed.
    CREATE TABLE stage_cache (
      key        TEXT PRIMARY KEY,
      stage      TEXT NOT NULL,
      outs       TEXT NOT NULL,
      run_id     TEXT,
      created_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
  `,
};
