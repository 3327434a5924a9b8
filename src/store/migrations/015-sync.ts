import type { Database } from 'better-sqlite3';
import type { Migration } from './types.js';

/**
 * What lets records travel between stores (issue 13: `mlo push`/`pull`, `mlo server`):
 *
 * - `meta['store.origin']`: this store's random id. Records created here have
 *   `origin IS NULL`; a record copied from another store (pushed to a server, pulled
 *   into a clone) keeps the id of the store that created it, and is a read-only
 *   replica everywhere but there.
 * - global ids (`gid`, 32 hex) on every syncable record that had only a local integer
 *   id: models, versions, alias and registry events, evaluations, baselines, drift
 *   reports, validations. Runs already had one (`runs.id`). Inserts that do not give
 *   one get a random gid from the trigger below, so no writer has to know.
 * - prediction-log rows are too many for a random id each: a copy carries the store
 *   it came from and that store's row number (`origin`, `origin_seq`).
 * - `sync_log`: one row per record that changed, re-numbered on every change, so
 *   "what changed since N" is a range scan. Written by triggers: every writer (the
 *   CLI, the MLflow API, a push) is covered without knowing. A deleted record's row
 *   stays as its tombstone. `digest` is the content a push last stored (a server
 *   skips a record pushed again unchanged).
 * - `sync_state`: per-remote cursors of this store (what was pushed, pulled).
 * - a server's tokens (stored as SHA-256 hashes), the identity each pushing store is
 *   bound to, and the prediction-log batches it has ingested (a retried batch counts once).
 */
export const sync: Migration = {
  version: 15,
  name: 'sync',
  up: (db) => {
    db.exec(TABLES);
    db.prepare(
      "INSERT INTO meta (key, value) VALUES ('store.origin', lower(hex(randomblob(16))))",
    ).run();
    for (const t of GID_TABLES) {
      db.exec(
        `ALTER TABLE ${t.table} ADD COLUMN gid TEXT; ALTER TABLE ${t.table} ADD COLUMN origin TEXT;`,
      );
    }
    db.exec(`
      ALTER TABLE runs ADD COLUMN origin TEXT;
      ALTER TABLE prediction_log ADD COLUMN origin TEXT;
      ALTER TABLE prediction_log ADD COLUMN origin_seq INTEGER;
      CREATE UNIQUE INDEX prediction_log_by_origin ON prediction_log (origin, origin_seq)
        WHERE origin IS NOT NULL;
    `);
    // the audits refuse every update; let the gid be filled in once, and nothing else
    db.exec(`
      DROP TRIGGER alias_events_no_update;
      DROP TRIGGER registry_events_no_update;
    `);
    for (const t of GID_TABLES) {
      db.exec(`UPDATE ${t.table} SET gid = lower(hex(randomblob(16)));
        CREATE UNIQUE INDEX ${t.table}_by_gid ON ${t.table} (gid);`);
    }
    for (const audit of ['alias_events', 'registry_events']) {
      db.exec(`CREATE TRIGGER ${audit}_no_update BEFORE UPDATE ON ${audit}
        WHEN OLD.gid IS NOT NULL
        BEGIN SELECT RAISE(ABORT, '${audit} is append-only'); END;`);
    }
    createTriggers(db);
    backfillLog(db);
  },
};

/** Tables whose records get a gid, the sync_log kind they are logged under, and their key column. */
const GID_TABLES = [
  { table: 'models', kind: 'model', id: 'id' },
  { table: 'model_versions', kind: 'version', id: 'id' },
  { table: 'alias_events', kind: 'alias_event', id: 'seq' },
  { table: 'registry_events', kind: 'registry_event', id: 'seq' },
  { table: 'evaluations', kind: 'evaluation', id: 'id' },
  { table: 'baselines', kind: 'baseline', id: 'id' },
  { table: 'drift_reports', kind: 'drift_report', id: 'id' },
  { table: 'validations', kind: 'validation', id: 'id' },
] as const;

const TABLES = `
  CREATE TABLE sync_log (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    kind   TEXT NOT NULL,
    key    TEXT NOT NULL,
    digest TEXT,
    UNIQUE (kind, key)
  );
  CREATE TABLE sync_state (
    scope TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  CREATE TABLE server_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    hash         TEXT NOT NULL UNIQUE,
    created_ms   INTEGER NOT NULL,
    last_used_ms INTEGER,
    revoked_ms   INTEGER
  );
  CREATE UNIQUE INDEX server_tokens_by_name ON server_tokens (name) WHERE revoked_ms IS NULL;
  CREATE TABLE sync_origins (
    origin   TEXT PRIMARY KEY,
    owner    TEXT NOT NULL,
    first_ms INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE ingest_batches (
    origin TEXT NOT NULL,
    batch  TEXT NOT NULL,
    rows   INTEGER NOT NULL,
    at_ms  INTEGER NOT NULL,
    PRIMARY KEY (origin, batch)
  ) WITHOUT ROWID;
`;

/**
 * Re-log a record: its old row goes and a new one takes the next seq. Delete then
 * insert, not INSERT OR REPLACE: inside a trigger the outer statement's conflict
 * policy (an upsert's ABORT) would override REPLACE.
 */
const LOG = (kind: string, key: string): string =>
  `DELETE FROM sync_log WHERE kind = '${kind}' AND key = ${key};
   INSERT INTO sync_log (kind, key) VALUES ('${kind}', ${key});`;

function createTriggers(db: Database): void {
  const runKey = (ref: string): string => `(SELECT id FROM runs WHERE seq = ${ref}.run)`;
  db.exec(`
    CREATE TRIGGER runs_sync_insert AFTER INSERT ON runs BEGIN ${LOG('run', 'NEW.id')} END;
    CREATE TRIGGER runs_sync_update AFTER UPDATE ON runs BEGIN ${LOG('run', 'NEW.id')} END;
    CREATE TRIGGER runs_sync_delete AFTER DELETE ON runs BEGIN ${LOG('run', 'OLD.id')} END;
    CREATE TRIGGER run_artifacts_sync AFTER INSERT ON run_artifacts
      BEGIN ${LOG('run', runKey('NEW'))} END;
    CREATE TRIGGER run_io_sync AFTER INSERT ON run_io BEGIN ${LOG('run', runKey('NEW'))} END;
    CREATE TRIGGER model_aliases_sync_insert AFTER INSERT ON model_aliases
      BEGIN ${LOG('model', '(SELECT gid FROM models WHERE id = NEW.model)')} END;
    CREATE TRIGGER model_aliases_sync_update AFTER UPDATE ON model_aliases
      BEGIN ${LOG('model', '(SELECT gid FROM models WHERE id = NEW.model)')} END;
    CREATE TRIGGER model_aliases_sync_delete AFTER DELETE ON model_aliases
      BEGIN ${LOG('model', '(SELECT gid FROM models WHERE id = OLD.model)')} END;
  `);
  for (const t of GID_TABLES) {
    const self = `(SELECT gid FROM ${t.table} WHERE ${t.id} = NEW.${t.id})`;
    db.exec(`
      CREATE TRIGGER ${t.table}_sync_insert AFTER INSERT ON ${t.table} BEGIN
        UPDATE ${t.table} SET gid = lower(hex(randomblob(16)))
          WHERE ${t.id} = NEW.${t.id} AND gid IS NULL;
        ${LOG(t.kind, self)}
      END;
      CREATE TRIGGER ${t.table}_sync_delete AFTER DELETE ON ${t.table}
        WHEN OLD.gid IS NOT NULL BEGIN ${LOG(t.kind, 'OLD.gid')} END;
    `);
    // the audits never change after the gid is filled in: no update trigger needed
    if (t.table !== 'alias_events' && t.table !== 'registry_events') {
      db.exec(`CREATE TRIGGER ${t.table}_sync_update AFTER UPDATE ON ${t.table}
        WHEN NEW.gid IS NOT NULL BEGIN ${LOG(t.kind, 'NEW.gid')} END;`);
    }
  }
}

/** Records written before this migration changed before any cursor: log them in creation order. */
function backfillLog(db: Database): void {
  db.exec(`INSERT OR REPLACE INTO sync_log (kind, key) SELECT 'run', id FROM runs ORDER BY seq;`);
  for (const t of GID_TABLES) {
    db.exec(
      `INSERT OR REPLACE INTO sync_log (kind, key) SELECT '${t.kind}', gid FROM ${t.table} ORDER BY ${t.id};`,
    );
  }
}
