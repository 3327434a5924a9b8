/**
 * Retraining triggers: rules under `monitor: retrain:` in mlo.yaml that run an action
 * (by default `mlo repro` then `mlo promote`) on a schedule, when a monitor rule fires
 * (drift, a performance drop), or when enough new labels or predictions arrived. One
 * retraining at a time (a lock in the store that survives a crash of its holder); the
 * reason is recorded on the runs and in the promotion's audit.
 *
 *     const due = dueTriggers(repo, config, outcomes, Date.now());
 *     await runRetrain(repo, config, due[0].trigger, due[0].reason);
 */
export { dueTriggers, type DueTrigger } from './due.js';
export {
  runRetrain,
  type RetrainResult,
  type RetrainStep,
  type RetrainOptions,
} from './retrain.js';
export {
  acquireLock,
  holderAlive,
  RETRAIN_LOCK,
  type LockAttempt,
  type LockHandle,
} from './lock.js';
