export { openStore, withWriteLock, latestSchemaVersion, type Store, type Db } from './open.js';
export {
  getHashState,
  getHashStatesUnder,
  putHashStates,
  deleteHashStatesUnder,
  getDirState,
  putDirState,
  type HashState,
  type DirState,
} from './state.js';
export { addObjectRefs, removeObjectRefs, listReferencedHashes, type ObjectRef } from './refs.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';
export * from './models.js';
export * from './evaluations.js';
export * from './runs.js';
export * from './run-query.js';
export * from './stage-cache.js';
export * from './predictions.js';
