/**
 * The model registry: ONNX model versions kept in the cache, numbered 1, 2, 3 per
 * name, with their signature, feature names, metrics, tags and lineage; aliases with
 * an append-only audit of every decision about them. (Promotion gates are in
 * ./gates, exported from src/index.ts on their own.)
 *
 * For a server or any program serving a model:
 *
 *     const model = resolveModel(repo, 'churn@champion');   // NOT_FOUND → 404
 *     model.features;           // ['age', 'tenure', ...] in input order, or null
 *     model.signature.inputs;   // [{ name, type, elementType, shape }]
 *     const bytes = readModelBytes(repo, model);            // hash-checked
 *     const { session } = await loadModel(repo, model);     // or createSession(bytes)
 *
 *     // hot reload: poll a cheap counter, re-resolve only when it moved
 *     const watch = watchModelRef(repo, 'churn@champion', {
 *       intervalMs: 500,
 *       onChange: (next, prev) => swapTo(next),
 *     });
 *     // or by hand: registryGeneration(repo) grows on every alias move / new version
 *
 * References: `NAME@3` (version), `NAME@ALIAS`, `NAME` or `NAME@latest` (newest).
 */
export {
  parseModelRef,
  formatModelRef,
  checkModelName,
  checkAliasName,
  MODEL_NAME_RE,
  ALIAS_RE,
  RESERVED_ALIASES,
  type ModelRef,
} from './ref.js';
export type { ModelVersion, Lineage, FeaturesSource, AliasEvent, ModelFormat } from './records.js';
export {
  resolveModel,
  getVersion,
  readModelBytes,
  requireOnnx,
  loadModel,
  registryGeneration,
  watchModelRef,
  type LoadedModel,
  type ModelWatch,
  type WatchOptions,
} from './resolve.js';
export {
  registerModel,
  planRegistration,
  commitRegistration,
  MODEL_REF_KIND,
  type VersionDraft,
  type RegistrationPlan,
  type RegisterOptions,
  type RegisterResult,
  type RegisterWarning,
} from './register.js';
export {
  setAlias,
  removeAlias,
  rollbackAlias,
  recordPromotion,
  aliasHistory,
  holderStack,
  type AliasChange,
  type AliasActionOptions,
  type SetAliasOptions,
  type PromotionDecision,
  type AliasHistoryOptions,
} from './aliases.js';
export {
  listModels,
  listVersions,
  showModel,
  evaluationSummary,
  type ModelSummary,
  type ModelDetail,
  type EvaluationSummary,
} from './query.js';
export { exportModel, type ExportResult } from './export.js';
export { chooseFeatures, modelFeatureCount, splitFeatureList } from './features.js';
export { identifyDataFile, type DataFile } from './data-hash.js';
export { readActor, type Actor } from './who.js';
export {
  classifyModelPath,
  insertCachedVersion,
  mlmodelOnnxFile,
  NO_SIGNATURE,
  type CachedVersionInput,
} from './register-artifact.js';
export {
  setRegistryTag,
  removeRegistryTag,
  describeRegistry,
  setVersionStage,
  renameModel,
  deleteModel,
  deleteModelVersion,
  getModelMeta,
  registryHistory,
  MLFLOW_STAGES,
  type RegistryChange,
  type RegistryEvent,
  type ModelMeta,
} from './meta.js';
export { localRegistry, type RegistryBackend, type RegistryTarget } from './backend.js';
export { assertModelWritable } from './replica.js';
export {
  encodeBaseline,
  decodeBaseline,
  parseDraft,
  parseCommit,
  parseExpected,
  parseGateResults,
  type WireBaseline,
} from './wire.js';
export { openRegistry, type OpenRegistryOptions } from './open.js';
