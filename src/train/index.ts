/**
 * Training in Node, for examples, templates and test fixtures: logistic and linear
 * regression and small gradient-boosted trees, deterministic for a given seed, exported
 * to ONNX with mlo's own writer.
 */
export {
  trainLogisticRegression,
  predictLogisticProba,
  type LogisticModel,
  type LogisticOptions,
} from './logistic.js';
export {
  trainLinearRegression,
  predictLinear,
  type LinearRegressionModel,
  type LinearRegressionOptions,
} from './linear-regression.js';
export {
  trainGradientBoostingClassifier,
  trainGradientBoostingRegressor,
  predictGbtProba,
  predictGbtValues,
  gbtScores,
  type GradientBoostingModel,
  type GradientBoostingOptions,
} from './gbt.js';
export {
  exportOnnx,
  predictProba,
  predictLabels,
  predictValues,
  FEATURE_NAMES_KEY,
  type ExportOptions,
  type TrainedModel,
} from './export.js';
export {
  makeClassification,
  makeRegression,
  type SyntheticClassificationOptions,
  type SyntheticRegressionOptions,
  type SyntheticData,
} from './synthetic.js';
export { createRng, type Rng } from './rng.js';
export type { Features, Label as TrainLabel } from './data.js';
