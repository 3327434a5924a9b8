/**
 * The slice of the public API (src/index.ts) that the run-finding commands use, so
 * `mlo runs list` over thousands of runs does not first load the whole library.
 * Everything in it is also exported by src/index.ts; see common.ts.
 */
export { openRepo } from '../repo/index.js';
export {
  listRuns,
  listRunsJson,
  listRunsJsonPieces,
  parseColumns,
  getRun,
  compareRuns,
  deleteRuns,
} from '../tracking/index.js';
