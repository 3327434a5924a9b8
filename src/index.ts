/**
 * The programmatic API: `import { openRepo, add, status } from 'mlo'`. The CLI is
 * built only on what this file exports.
 */
export {
  MloError,
  isMloError,
  exitCodeOf,
  httpStatusOf,
  ExitCode,
  type MloErrorCode,
} from './errors.js';
export * from './repo/index.js';
export * from './data/index.js';
export * from './hooks/index.js';
export type { ProgressEvent, ProgressFn } from './util/progress.js';
export {
  openStore,
  withWriteLock,
  addObjectRefs,
  removeObjectRefs,
  type Store,
  type ObjectRef,
} from './store/index.js';
export * from './onnx/index.js';
export * from './train/index.js';
export * from './io/index.js';
export { jsonSchemas } from './schemas.js';
export * from './evaluate/metrics/index.js';
export * from './registry/gates/index.js';
export * from './monitor/index.js';
export * from './registry/index.js';
export * from './evaluate/index.js';
export * from './promote/index.js';
export * from './tracking/index.js';
export * from './pipeline/index.js';
export type { RunStatus, FieldRef, FilterExpr, SortKey, RunAttribute } from './store/index.js';
export * from './validate/index.js';
export * from './serve/index.js';
export * from './deploy/index.js';
export * from './templates/index.js';
export * from './report/index.js';
export * from './features/index.js';
export * from './mlflow/index.js';
export * from './sync/index.js';
export * from './ui/index.js';
export * from './monitor/feedback/index.js';
export * from './monitor/perf/index.js';
export * from './monitor/alerts/index.js';
export * from './monitor/triggers/index.js';
export * from './monitor/export/index.js';
export * from './monitor/maturity/index.js';
export { parseDuration, formatDuration } from './util/duration.js';
