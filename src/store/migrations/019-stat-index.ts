import type { Migration } from './types.js';

/**
 * A stat index per tracked directory, so a no-change `mlo status` compares two
 * strings and two arrays instead of decoding the manifest (issue 19):
 *
 * - `listing`: the entries' paths in manifest order, UTF-8, joined by NUL (a name
 *   cannot hold one; a blob, as SQLite text ends at a NUL); `sizes`: their sizes, float64 each, in the same order.
 * - `dirs`: JSON [path, inode, ctimeMs] of every folder, taken before it was read for
 *   that listing: while they match, no entry was added, removed or renamed, and
 *   status need not read the folders at all.
 * - `cache_seal`: set when every object of the manifest was last seen in the cache:
 *   the packs and loose-object folders holding them, with inode, size and ctime.
 *   While those are unchanged nothing was removed from them (data/cache-seal.ts).
 *
 * NULL on rows written before this migration: status then takes the full path once
 * and fills them in.
 */
export const statIndex: Migration = {
  version: 19,
  name: 'stat-index',
  up: `
    ALTER TABLE dir_state ADD COLUMN listing BLOB;
    ALTER TABLE dir_state ADD COLUMN sizes BLOB;
    ALTER TABLE dir_state ADD COLUMN dirs TEXT;
    ALTER TABLE dir_state ADD COLUMN cache_seal TEXT;
  `,
};
