import type { Migration } from './types.js';

/**
 * The stat index of each tracked directory moves out of the store into a file of its
 * own (.mlo/stat/, data/stat-index.ts), read in one go by a no-change `mlo status`
 * without opening the store. The rows were a cache: dropping them costs one full
 * status per directory, which writes the file.
 */
export const statFiles: Migration = {
  version: 20,
  name: 'stat-files',
  up: `DROP TABLE dir_state;`,
};
