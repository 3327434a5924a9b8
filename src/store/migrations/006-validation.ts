import type { Migration } from './types.js';

/** Validation results: one row per `mlo validate` run, keyed for lookups by data and suite. */
export const validation: Migration = {
  version: 6,
  name: 'validation',
  up: `
    CREATE TABLE validations (
      id           INTEGER PRIMARY KEY,
      -- the suite's name in mlo.yaml, or its file; and the hash of its expectations
      suite        TEXT NOT NULL,
      suite_hash   TEXT NOT NULL,
      -- the data file as validated (repo-relative inside the repo) and its sha256
      data_path    TEXT NOT NULL,
      data_hash    TEXT NOT NULL,
      rows         INTEGER NOT NULL,
      success      INTEGER NOT NULL,
      evaluated    INTEGER NOT NULL,
      successful   INTEGER NOT NULL,
      unsuccessful INTEGER NOT NULL,
      warnings     INTEGER NOT NULL,
      -- the whole ValidationResult as JSON
      result       TEXT NOT NULL,
      created_at   TEXT NOT NULL
    );
    CREATE INDEX validations_by_data ON validations (data_hash, suite_hash);
    CREATE INDEX validations_by_suite ON validations (suite, id);
  `,
};
