/**
 * The slice of the public API (src/index.ts) that `mlo baseline` and `mlo drift` use,
 * so a drift check does not first load the whole library (~100 ms of module
 * compilation per process). Everything in it is also exported by src/index.ts; see
 * common.ts.
 */
export { openRepo } from '../repo/repo.js';
export { MloError } from '../errors.js';
// the monitor's own files, not its index: that one also loads alerts, exports, the
// HTML report and what they import
export {
  createBaseline,
  listBaselines,
  showBaseline,
  removeBaseline,
  parseKindOverrides,
} from '../monitor/baselines.js';
export { checkDrift } from '../monitor/check.js';
export { driftHistory } from '../monitor/history.js';
