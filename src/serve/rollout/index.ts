/**
 * Progressive delivery for `mlo serve`: a canary's share of traffic ramps up while
 * guards on error rate, latency and labelled metrics hold, and falls to zero the moment
 * one fails.
 */
export { parseGuard, checkGuard, type Guard, type GuardResult } from './guards.js';
export {
  Rollout,
  type RolloutPlan,
  type RolloutDecision,
  type RolloutHooks,
} from './controller.js';
export { StepStats } from './stats.js';
