import type { Migration } from './types.js';

/** The store's own bookkeeping, the hash state and the object references gc keeps alive. */
export const core: Migration = {
  version: 1,
  name: 'core',
  up: `
    CREATE TABLE meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TEXT NOT NULL
    );

    -- path (repo-relative, forward slashes) -> hash, valid while inode, mtime and size
    -- still match what stat() says: unchanged files are never read twice.
    CREATE TABLE hash_state (
      path     TEXT PRIMARY KEY,
      inode    INTEGER NOT NULL,
      mtime_ms REAL NOT NULL,
      size     INTEGER NOT NULL,
      hash     TEXT NOT NULL
    ) WITHOUT ROWID;

    -- One row per tracked directory: the manifest last seen in the workspace and,
    -- in manifest order, each file's inode and mtime (float64 pairs). Reading one
    -- blob instead of 100,000 rows keeps \`mlo status\` of a big directory fast.
    CREATE TABLE dir_state (
      path     TEXT PRIMARY KEY,
      manifest TEXT NOT NULL,
      stamps   BLOB NOT NULL
    ) WITHOUT ROWID;

    -- Cache objects that something other than a pointer file keeps alive (a model
    -- version, a run artifact, a baseline, a stage's cached outputs). gc reads only this.
    CREATE TABLE object_refs (
      kind  TEXT NOT NULL,
      owner TEXT NOT NULL,
      hash  TEXT NOT NULL,
      PRIMARY KEY (kind, owner, hash)
    ) WITHOUT ROWID;
    CREATE INDEX object_refs_by_hash ON object_refs (hash);
  `,
};
