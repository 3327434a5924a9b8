/**
 * ONNX: write models from code, read their signatures, run them with onnxruntime-node.
 * onnx-proto and onnxruntime-node are loaded on first use, never at import.
 */
export {
  GraphBuilder,
  attr,
  encodeModel,
  IR_VERSION,
  DEFAULT_OPSETS,
  ML_DOMAIN,
  type Attr,
  type AttrInput,
  type GraphBuilderOptions,
  type NodeOptions,
  type TensorData,
  type TensorValues,
} from './graph.js';
export {
  tensorType,
  sequenceType,
  mapType,
  formatValueType,
  type Dim,
  type ElementType,
  type ValueType,
} from './types.js';
export {
  CLASS_LABELS_KEY,
  type ClassLabels,
  type InputOptions,
  type ScalerSpec,
} from './common.js';
export {
  buildLinearClassifier,
  buildLinearRegressor,
  type ClassifierOutputs,
  type LinearClassifierSpec,
  type LinearRegressorSpec,
} from './linear.js';
export { buildMlp, type Activation, type MlpLayer, type MlpSpec } from './mlp.js';
export {
  buildTreeEnsembleClassifier,
  buildTreeEnsembleRegressor,
  type BranchMode,
  type PostTransform,
  type Tree,
  type TreeBranch,
  type TreeLeaf,
  type TreeNode,
  type TreeEnsembleClassifierSpec,
  type TreeEnsembleRegressorSpec,
} from './trees.js';
export {
  buildFailingModel,
  buildSlowModel,
  type FailingModelSpec,
  type SlowModelSpec,
} from './fixtures.js';
export {
  readSignature,
  decodeSignature,
  type IoInfo,
  type ModelSignature,
  type ReadSignatureOptions,
  type SignatureWarning,
} from './signature.js';
export {
  createSession,
  OnnxSession,
  planFeed,
  type SessionOptions,
  type FeedPlan,
} from './session.js';
export {
  runModel,
  assignRoles,
  probabilityLabels,
  type ModelOutputs,
  type RawOutput,
  type RunOptions,
  type Label,
} from './run.js';
export {
  findUnfitValue,
  isFeatureType,
  needsDoubles,
  unfitReason,
  type FeatureMatrix,
  type FeatureType,
  type UnfitValue,
} from './features.js';
