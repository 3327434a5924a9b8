/**
 * Maturity figures of the production loop from the store's own records: lead time,
 * deployment frequency, promotion and pipeline success, change failure rate, time to
 * detect and to recover (`mlo stats`, and a section of `mlo report`).
 *
 *     const s = maturityStats(repo, { since: '30d', model: 'churn' });
 */
export {
  maturityStats,
  type MaturityOptions,
  type MaturityStats,
  type Durations,
  type Rate,
} from './maturity.js';
export { maturityRows } from './format.js';
