/** Pipelines: mlo.yaml stages, the DAG, repro with skip and run-cache logic, mlo.lock, experiments. */
export {
  loadPipeline,
  PIPELINE_FILE,
  type Pipeline,
  type Stage,
  type OutDecl,
  type ParamDecl,
} from './load.js';
export { buildDag, selectStages, downstreamOf, type Dag } from './dag.js';
export {
  summarizeDag,
  formatDagTree,
  formatMermaid,
  formatDot,
  type DagSummary,
} from './dag-format.js';
export {
  repro,
  loadDag,
  type ReproOptions,
  type ReproResult,
  type ReproEvent,
  type StageResult,
  type StageOutcome,
} from './repro.js';
export { readLock, serializeLock, type LockFile, type StageLock, type LockEntry } from './lock.js';
export {
  parseSetArg,
  setParams,
  readParamsValues,
  DEFAULT_PARAMS_FILE,
  type ParamAssignment,
} from './params.js';
export {
  paramsDiff,
  metricsDiff,
  type DiffOptions,
  type DiffEntry,
  type DiffResult,
} from './diff.js';
export {
  expRun,
  expShow,
  restoreLockedOutputs,
  splitValues,
  SWEEP_TAG,
  type ExpRunOptions,
  type ExpRunResult,
  type ExpCombination,
  type ExpShowResult,
  type ExpShowRow,
} from './exp.js';
export { STAGE_CACHE_REF_KIND } from './run-cache.js';
