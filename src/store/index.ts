export { openStore, withWriteLock, latestSchemaVersion, type Store, type Db } from './open.js';
export {
  getHashState,
  getHashStatesUnder,
  putHashStates,
  deleteHashStatesUnder,
  type HashState,
} from './state.js';
export {
  addObjectRefs,
  removeObjectRefs,
  listReferencedHashes,
  referencedAmong,
  listModelVersionRefs,
  listRunObjectRefs,
  listStageCacheRows,
  listObjectRefs,
  type ModelVersionRef,
  type RunObjectRef,
  insertPin,
  listPins,
  listPinOwners,
  deletePins,
  getGcLock,
  setGcLock,
  clearGcLock,
  type ObjectRef,
  type PinRow,
  type GcLockRow,
} from './refs.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';
export * from './models.js';
export * from './evaluations.js';
export * from './runs.js';
export { storeBusyError, busyTimeoutMs, BUSY_TIMEOUT_ENV } from './busy.js';
export * from './run-query.js';
export * from './stage-cache.js';
export {
  insertBaseline,
  getBaselineByName,
  getBaselineByModel,
  listBaselineRecords,
  getBaselineColumns,
  deleteBaseline,
  insertDriftReport,
  listDriftReports,
  getDriftReportJson,
  type ModelVersionKey,
  type BaselineRecord,
  type BaselineColumnRecord,
  type DriftReportRecord,
  type DriftScoreRecord,
} from './baselines.js';
export {
  insertValidation,
  findValidations,
  getValidation,
  type ValidationRow,
  type NewValidationRow,
  type ValidationQuery,
} from './validations.js';
export * from './predictions.js';
export * from './experiments.js';
export * from './lineage.js';
export * from './mlflow-files.js';
export * from './sync.js';
export * from './sync-types.js';
export { readRecord, applyRecord, isOwnRecord } from './sync-records.js';
export { runRecordObjects, runOrigin, type RunRecordData } from './sync-runs.js';
export {
  versionGid,
  versionByGid,
  modelOrigin,
  type ModelKey,
  type VersionRecordData,
} from './sync-registry.js';
export {
  baselineModelOrigin,
  baselineOrigins,
  baselineColumnNames,
  type VersionRef,
  type BaselineRecordData,
} from './sync-results.js';
export * from './run-columns.js';
export * from './prediction-stats.js';
export * from './feedback.js';
export * from './production.js';
export * from './maturity.js';
