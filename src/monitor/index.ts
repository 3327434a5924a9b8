/**
 * Monitoring: column profiles, drift statistics, baselines and drift checks.
 *
 * Baselines (what `mlo baseline` and `mlo model register --baseline-data` call):
 *
 *     const b = await createBaseline(repo, { name: 'ref', data: 'data/train.csv', target: 'churned' });
 *     await createBaseline(repo, { data: 'data/train.csv', model: { name: 'churn', version: 3 } }); // named "churn@3"
 *     findBaseline(repo, { name: 'ref' });                          // BaselineRecord | undefined
 *     findBaseline(repo, { model: { name: 'churn', version: 3 } }); // the model version's baseline
 *     listBaselines(repo); showBaseline(repo, { name }); removeBaseline(repo, name);
 *
 * Checks (`mlo drift check`, the `drift_share <= X` gate, `expect_no_drift_from_baseline`):
 *
 *     const { report } = await checkDrift(repo, { baseline: 'ref', data: 'data/today.csv' });
 *     report.dataset_drift; report.drift_share; report.columns[0].stats.psi;
 *     await checkDrift(repo, { model: { name: 'churn', version: 3 }, table, save: false });
 *     await checkDrift(repo, { model: 'churn@3', predictions: { since: '24h' } });
 *
 * `report` is the JSON document `mlo drift check --json` prints (report.ts);
 * `save: false` keeps it out of `mlo drift history`. Nothing here prints.
 *
 * The promotion gate `drift_share <= X`:
 *
 *     const { share, reason } = await measureModelDrift(repo, { model: candidate, data: 'holdout.csv' });
 */
export * from './stats/index.js';
export * from './profile/index.js';
export {
  createBaseline,
  prepareBaseline,
  storeBaseline,
  findBaseline,
  loadBaseline,
  listBaselines,
  showBaseline,
  removeBaseline,
  parseKindOverrides,
  type CreateBaselineOptions,
  type PrepareBaselineOptions,
  type PreparedBaseline,
  type FindBaselineQuery,
  type BaselineInfo,
  type BaselineColumnInfo,
  type NumericSummary,
  type CategoricalSummary,
  type LoadedBaseline,
  type ModelVersionKey,
} from './baselines.js';
export { checkDrift, CURRENT_EXACT_LIMIT, type CheckDriftOptions } from './check.js';
export { measureModelDrift, type ModelDriftOptions, type ModelDrift } from './gate.js';
export {
  severityOf,
  SEVERITY_PSI,
  type Severity,
  type ColumnStatus,
  type DriftReport,
  type LeftOutColumn,
  type DriftColumnReport,
  type DriftCheckResult,
  type ColumnDetail,
  type SideCounts,
  type SideSummary,
} from './report.js';
export {
  driftHistory,
  getDriftReport,
  type DriftHistory,
  type DriftHistoryEntry,
  type DriftHistoryColumn,
} from './history.js';
export {
  loadDriftConfig,
  parseDriftConfig,
  DEFAULT_DRIFT_SHARE,
  type DriftConfig,
  type ColumnDriftConfig,
} from './config.js';
export { resolveModelRef, formatModelVersion, type ModelVersionRef } from './model-ref.js';
export { parseSince } from './since.js';
export type { ColumnRole, SkippedColumn } from './columns.js';
export { renderDriftHtml } from './html/render.js';
