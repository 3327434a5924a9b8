/**
 * Monitoring: column profiles (baselines) and drift statistics. Typed arrays and
 * plain objects in and out; the CLI, store and io wiring build on these.
 */
export * from './stats/index.js';
export * from './profile/index.js';
