/** Run tracking: runs, params, metric series, tags, artifacts, and finding them again. */
export {
  startRun,
  Run,
  cacheArtifact,
  DEFAULT_EXPERIMENT,
  RUN_REF_KIND,
  FLUSH_POINTS,
  FLUSH_MS,
  type StartRunOptions,
  type ArtifactInfo,
} from './run.js';
export { execRun, parseAssignments, type ExecOptions, type ExecResult } from './exec.js';
export { runCommandAsRun, type CommandRunOptions, type CommandRunResult } from './session.js';
export {
  StopSignal,
  runCommand,
  processTree,
  signalExitCode,
  type CommandSpec,
  type CommandOutcome,
  type RunCommandOptions,
} from './process.js';
export {
  logToRun,
  parseMetricValue,
  type LogEntry,
  type LogToRunOptions,
  type LogToRunResult,
} from './log.js';
export {
  listRuns,
  listRunsJson,
  listRunsJsonPieces,
  getRun,
  compareRuns,
  metricHistory,
  deleteRuns,
  parseColumns,
  reapAbandonedRuns,
  type RunSummary,
  type RunDetail,
  type ListRunsOptions,
  type ListRunsResult,
  type CompareResult,
  type CompareRow,
  type MetricHistory,
  type MetricSummary,
  type PathInfo,
  type DeleteRunsResult,
} from './query.js';
export {
  parseFilter,
  parseSortKey,
  parseFieldRef,
  fieldLabel,
  FilterSyntaxError,
} from './filter.js';
export { recordRuns, type RecordedRun, type RecordedSeries } from './record.js';
export { resolveRunRow, newRunId, shortId, SHORT_ID } from './ids.js';
export { assertRunWritable } from './replica.js';
export { readGitInfo, type GitInfo } from './git-info.js';
export { randomRunName } from './names.js';
export { listExperiments, type ExperimentSummary } from './experiments.js';
export { applyLogLine, type LogSink } from './log-lines.js';
export { flatten, numericMetrics, parseDataText, readMetricsFile } from './metrics-file.js';
export {
  cachePath,
  hashPath,
  hashPaths,
  restorePath,
  isCached,
  objectsOf,
  repoRelative,
  removePath,
  linkEscape,
  type PathEntry,
} from './paths.js';
export { keyProblem, paramText, type ParamValue } from './writer.js';
