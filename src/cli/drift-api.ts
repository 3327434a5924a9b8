/**
 * The slice of the public API (src/index.ts) that `mlo baseline` and `mlo drift` use,
 * so a drift check does not first load the whole library (~100 ms of module
 * compilation per process). Everything in it is also exported by src/index.ts; see
 * common.ts.
 */
export { openRepo } from '../repo/index.js';
export { MloError } from '../errors.js';
export {
  createBaseline,
  listBaselines,
  showBaseline,
  removeBaseline,
  parseKindOverrides,
  checkDrift,
  driftHistory,
} from '../monitor/index.js';
