/**
 * The slice `mlo add` loads: the repository and the add code, from their own files
 * rather than the data barrel, which also brings the remotes and every store table
 * (see status-api.ts, common.ts).
 */
export { openRepo } from '../repo/repo.js';
export { add } from '../data/add.js';
