/**
 * The slice `mlo status` loads: the repository and the status walk, imported from
 * their own files rather than the data barrel, which also pulls in the remotes
 * (node:http, node:https, the S3 client) and every store table. See common.ts.
 */
export { openRepo } from '../repo/repo.js';
export { status } from '../data/status.js';
