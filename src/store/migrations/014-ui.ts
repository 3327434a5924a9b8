import type { Migration } from './types.js';

/**
 * Indexes for reading runs column by column (the UI's table over 100,000 runs): one
 * metric's or param's value for every run is a range of the key-first index instead
 * of 100,000 lookups in a table keyed by run, and the attributes a table filters and
 * sorts on come from an index a tenth the size of the runs table, whose rows carry
 * the params, metrics and tags as JSON.
 */
export const ui: Migration = {
  version: 14,
  name: 'ui',
  up: `
    CREATE INDEX runs_listing ON runs (lifecycle, start_ms, seq, status, experiment, stage, end_ms, exit_code);
    CREATE INDEX run_latest_metrics_by_key ON run_latest_metrics (key, value);
    CREATE INDEX run_params_by_key ON run_params (key, num, value);
  `,
};
