import type { Migration } from './types.js';

/**
 * Indexes that let a run search start from the runs a selective condition names
 * (`metrics.auc > 0.999`, `params.lr = 0.3`) instead of walking every run: a server
 * holds a team's runs, a million of them (issue 13). Tags had theirs already.
 */
export const runSearch: Migration = {
  version: 16,
  name: 'run-search',
  up: (db) => {
    db.exec(`
      CREATE INDEX run_latest_metrics_by_value ON run_latest_metrics (key, value);
      CREATE INDEX run_params_by_num ON run_params (key, num);
      CREATE INDEX run_params_by_value ON run_params (key, value);
    `);
  },
};
