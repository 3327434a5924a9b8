import type { Migration } from './types.js';

/**
 * Pins: the objects a running command is about to reference, so that a concurrent
 * `mlo gc` keeps them (data/pins.ts explains the protocol), and the marker of the
 * one gc that may run at a time.
 */
export const pins: Migration = {
  version: 7,
  name: 'pins',
  up: `
    -- One row per pinning call: its owner (pid, start time, host: util/owner.ts) and
    -- the pinned SHA-256s, 32 bytes each, concatenated (one row for a 100,000-file
    -- add instead of 100,000).
    CREATE TABLE object_pins (
      id         INTEGER PRIMARY KEY,
      owner      TEXT NOT NULL,
      created_ms INTEGER NOT NULL,
      hashes     BLOB NOT NULL
    );

    -- The running gc, if any: at most one row.
    CREATE TABLE gc_lock (
      id         INTEGER PRIMARY KEY CHECK (id = 1),
      owner      TEXT NOT NULL,
      started_ms INTEGER NOT NULL
    );
  `,
};
