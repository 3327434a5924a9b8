/**
 * Shipping a model and a pipeline out of the repository: a self-contained, verifiable
 * model bundle; serving it (or a bare ONNX file) with no repository; a Dockerfile,
 * Kubernetes and KServe manifests for it; the pipeline as an Argo Workflow.
 *
 *     await exportBundle(repo, 'churn@champion', 'dist/churn.tar.gz');   // or a directory
 *     const s = await prepareBundleServe({ bundle: 'dist/churn.tar.gz', stateDir, cwd });
 *     const server = await startServer(s.repo, { model: s.model, ... });
 *
 * docs/deploy.md walks from a laptop to a cluster.
 */
export {
  exportBundle,
  isArchivePath,
  type BundleResult,
  type ExportBundleOptions,
} from './bundle-write.js';
export { openBundle, type OpenedBundle, type OpenBundleOptions } from './bundle-read.js';
export {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  type BundleManifest,
} from './bundle-format.js';
export { extractTarGz, writeTarGz, type ExtractLimits, type ExtractResult } from './tar.js';
export {
  stateDirOf,
  openStateRepo,
  importVersion,
  STATE_ENV,
  DEFAULT_STATE_DIR,
  type ImportedVersion,
  type ImportResult,
} from './state.js';
export {
  prepareBundleServe,
  prepareOnnxServe,
  looksLikeOnnxFile,
  modelNameOfFile,
  type StandaloneServe,
} from './serve-source.js';
export {
  writeDockerContext,
  type DockerContextOptions,
  type DockerContextResult,
} from './docker-context.js';
export {
  renderDockerfile,
  defaultImages,
  DOCKERIGNORE,
  type DockerfileOptions,
} from './dockerfile.js';
export { renderK8s, kubeName, type K8sOptions, type KubeObject } from './k8s.js';
export { renderInferenceService, type KServeOptions } from './kserve.js';
export {
  renderManifests,
  writeManifestFile,
  type ManifestOptions,
  type ManifestResult,
} from './manifests.js';
export { checkPinnedImage } from './image-ref.js';
export {
  exportArgoWorkflow,
  renderArgoWorkflow,
  type ArgoExport,
  type ArgoExportOptions,
  type ArgoOptions,
} from './argo.js';
export {
  runtimePackage,
  subsetLock,
  NATIVE_RUNTIME_DEPS,
  OFFLINE_ONLY_DEPS,
} from './runtime-package.js';
