import type { Database } from 'better-sqlite3';
import type { Migration } from './types.js';

/**
 * What MLflow's records need that mlo's lacked, and params stored flat:
 *
 * - experiments as records (id, name, artifact location, lifecycle, tags); experiment
 *   0 "Default" always exists and holds mlo's `default` runs. `runs.experiment` keeps
 *   the name (filters and listings read it), `runs.experiment_id` the record.
 * - a run lifecycle (MLflow deletes softly and can restore).
 * - registry: model descriptions and tags, version descriptions, stages, formats
 *   (ONNX or not) and an append-only audit of tag/description/stage edits.
 * - MLflow 3's logged models and their files, which live outside any run.
 * - params: a section param (`params: [train]`) was one JSON blob under `train`;
 *   every JSON object value becomes dotted leaf keys (`train.C`), so filters and
 *   columns find them.
 */
export const mlflow: Migration = {
  version: 10,
  name: 'mlflow',
  up: (db) => {
    db.exec(SCHEMA);
    const now = Date.now();
    db.prepare(
      `INSERT INTO experiments (id, name, artifact_location, lifecycle, created_ms, updated_ms)
       VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', ?, ?)`,
    ).run(now, now);
    const names = db
      .prepare(`SELECT experiment, MIN(start_ms) FROM runs GROUP BY experiment ORDER BY 2`)
      .raw()
      .all() as [string, number][];
    const insert = db.prepare(
      `INSERT INTO experiments (name, artifact_location, lifecycle, created_ms, updated_ms)
       VALUES (?, NULL, 'active', ?, ?)`,
    );
    const setLocation = db.prepare(
      `UPDATE experiments SET artifact_location = 'mlflow-artifacts:/' || id WHERE id = ?`,
    );
    const link = db.prepare('UPDATE runs SET experiment_id = ? WHERE experiment = ?');
    for (const [name, first] of names) {
      if (name === 'default' || name === 'Default') {
        link.run(0, name);
        continue;
      }
      const id = Number(insert.run(name, first, first).lastInsertRowid);
      setLocation.run(id);
      link.run(id, name);
    }
    flattenStoredParams(db);
  },
};

const SCHEMA = `
  CREATE TABLE experiments (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    artifact_location TEXT,
    lifecycle         TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle IN ('active', 'deleted')),
    created_ms        INTEGER NOT NULL,
    updated_ms        INTEGER NOT NULL,
    tags_json         TEXT NOT NULL DEFAULT '{}'
  );

  ALTER TABLE runs ADD COLUMN experiment_id INTEGER REFERENCES experiments (id);
  ALTER TABLE runs ADD COLUMN lifecycle TEXT NOT NULL DEFAULT 'active'
    CHECK (lifecycle IN ('active', 'deleted'));
  ALTER TABLE runs ADD COLUMN deleted_ms INTEGER;
  CREATE INDEX runs_by_experiment_id ON runs (experiment_id, start_ms);

  ALTER TABLE models ADD COLUMN description TEXT;
  ALTER TABLE models ADD COLUMN tags_json TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE models ADD COLUMN updated_ms INTEGER;

  -- format: 'onnx' (evaluated, served, gated) or what else was registered ('mlflow'
  -- for an MLmodel directory without an onnx flavor, 'file' for a pickle or the like)
  ALTER TABLE model_versions ADD COLUMN format TEXT NOT NULL DEFAULT 'onnx';
  ALTER TABLE model_versions ADD COLUMN description TEXT;
  ALTER TABLE model_versions ADD COLUMN stage TEXT NOT NULL DEFAULT 'None';
  ALTER TABLE model_versions ADD COLUMN updated_ms INTEGER;
  -- where the MLflow client said the model came from (runs:/..., models:/m-...)
  ALTER TABLE model_versions ADD COLUMN mlflow_source TEXT;

  -- Every edit of a model's or version's tags, description or stage. Rows are never
  -- changed or removed (the triggers refuse it), like alias_events.
  CREATE TABLE registry_events (
    seq         INTEGER PRIMARY KEY,
    model       INTEGER NOT NULL REFERENCES models (id),
    version     INTEGER,
    action      TEXT NOT NULL CHECK (action IN ('tag', 'untag', 'describe', 'stage', 'rename')),
    key         TEXT,
    old_value   TEXT,
    new_value   TEXT,
    who         TEXT NOT NULL,
    at_ms       INTEGER NOT NULL
  );
  CREATE INDEX registry_events_by_model ON registry_events (model, version, seq);
  CREATE TRIGGER registry_events_no_update BEFORE UPDATE ON registry_events
    BEGIN SELECT RAISE(ABORT, 'registry_events is append-only'); END;
  CREATE TRIGGER registry_events_no_delete BEFORE DELETE ON registry_events
    BEGIN SELECT RAISE(ABORT, 'registry_events is append-only'); END;

  -- MLflow 3's logged models: a model logged by a run, with its own artifact root.
  CREATE TABLE logged_models (
    id            TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments (id),
    run_id        TEXT,
    name          TEXT NOT NULL,
    model_type    TEXT,
    status        TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL,
    tags_json     TEXT NOT NULL DEFAULT '{}',
    params_json   TEXT NOT NULL DEFAULT '{}',
    step          INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE INDEX logged_models_by_run ON logged_models (run_id);

  -- Files under an artifact root that is not a run's (logged models), cached by hash.
  CREATE TABLE artifact_files (
    root  TEXT NOT NULL,
    path  TEXT NOT NULL,
    hash  TEXT NOT NULL,
    size  INTEGER NOT NULL,
    PRIMARY KEY (root, path)
  ) WITHOUT ROWID;
`;

/** JSON object params (a whole params.yaml section) as dotted leaf keys. */
function flattenStoredParams(db: Database): void {
  const blobs = db
    .prepare(
      `SELECT run, key, value FROM run_params
       WHERE value LIKE '{%' AND json_valid(value) AND json_type(value) = 'object'`,
    )
    .raw()
    .all() as [number, string, string][];
  if (blobs.length === 0) return;
  const del = db.prepare('DELETE FROM run_params WHERE run = ? AND key = ?');
  const put = db.prepare(
    'INSERT OR REPLACE INTO run_params (run, key, value, num) VALUES (?, ?, ?, ?)',
  );
  const touched = new Set<number>();
  for (const [run, key, value] of blobs) {
    del.run(run, key);
    for (const [k, v] of flattenParamEntries(key, JSON.parse(value))) put.run(run, k, v, num(v));
    touched.add(run);
  }
  const refresh = db.prepare(
    `UPDATE runs SET params_json = (SELECT json_group_object(key, value) FROM run_params WHERE run = ?)
     WHERE seq = ?`,
  );
  for (const run of touched) refresh.run(run, run);
}

/**
 * Leaf keys of a param value: objects nest with dots; arrays and scalars are leaves
 * (as text, the way a param is stored). Kept here, not imported, so the migration
 * never changes when the writer's code does.
 */
function flattenParamEntries(prefix: string, value: unknown): [string, string][] {
  const out: [string, string][] = [];
  const walk = (p: string, v: unknown): void => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) out.push([p, '{}']);
      for (const [k, x] of entries) walk(`${p}.${k}`, x);
    } else if (typeof v === 'string') out.push([p, v]);
    else if (v === null || v === undefined) out.push([p, 'null']);
    else if (typeof v === 'number' || typeof v === 'boolean') out.push([p, String(v)]);
    else out.push([p, JSON.stringify(v)]);
  };
  walk(prefix, value);
  return out;
}

const NUMERIC_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
function num(v: string): number | null {
  if (!NUMERIC_RE.test(v.trim())) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
