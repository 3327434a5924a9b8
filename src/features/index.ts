/**
 * The feature store: definitions in mlo.yaml's `features:` section, applied as
 * versions; point-in-time correct training sets with their lineage; an online store
 * (SQLite under .mlo/, or Redis) filled by materialization and read with the ttl
 * enforced; Feast's /get-online-features; quality checks of views and of serving.
 *
 *     await applyDefinitions(repo);                       // plan, then record version N
 *     await joinFeatures(repo, { entities: 'labels.csv', features: 'churn', out: 'train.parquet' });
 *     await materializeFeatures(repo, { incremental: true });
 *     const online = await OnlineFeatures.open(repo);
 *     await online.get({ entities: { customer_id: [42] }, featureService: 'churn' });
 *
 * docs/features.md describes the definitions and the semantics.
 */
export {
  featuresSchema,
  FEATURE_TYPES,
  KEY_TYPES,
  type FeatureType as FeatureValueType,
  type KeyType as FeatureKeyType,
} from './schema.js';
export {
  loadDefinitions,
  parseDefinitions,
  definitionsHash,
  expandRef,
  type FeatureDefinitions,
  type EntityDef,
  type SourceDef,
  type ViewDef,
  type OnDemandDef,
  type ServiceDef,
  type FeatureDef,
  type JoinKey,
} from './definitions.js';
export { parseDuration, formatDuration } from './duration.js';
export { compileExpr, type CompiledExpr, type Value } from './expr.js';
export { diffDefinitions, type Change, type ChangeSet, type ObjectKind } from './changes.js';
export {
  openFeatureRegistry,
  planDefinitions,
  applyDefinitions,
  type FeatureRegistry,
  type PlanResult,
  type ApplyResult,
} from './registry.js';
export { resolveFeatures, type FeaturePlan, type OutputColumn } from './plan.js';
export { joinFeatures, type JoinOptions, type JoinResult, type JoinEngine } from './join/index.js';
export {
  materializeFeatures,
  type MaterializeOptions,
  type MaterializeResult,
  type ViewMaterialization,
} from './materialize.js';
export {
  OnlineFeatures,
  feastTimestamp,
  type OnlineRequest,
  type OnlineResponse,
  type FeatureVector,
  type FieldStatus,
} from './online-read.js';
export { openOnlineStore, onlineDbPath, type OnlineStore } from './online/index.js';
export { FEAST_ONLINE_PATH, parseFeastRequest, getOnlineFeaturesFeast } from './feast.js';
export { startFeatureServer, type FeatureServer, type FeatureServerOptions } from './server.js';
export {
  listFeatures,
  showFeatureObject,
  featureVersions,
  featureLineage,
  type FeatureList,
  type ShownObject,
  type LineageResult,
} from './inspect.js';
export {
  validateView,
  baselineView,
  driftView,
  checkSkew,
  baselineNameOf,
  type ViewValidation,
  type SkewOptions,
  type SkewResult,
  type FeatureSkew,
} from './quality.js';
export { ServingFeatures, type ServingFeaturesConfig, type EnrichContext } from './serving.js';
export type { FeatureSetRecord, MaterializationRecord, SourceLineage } from './records.js';
