/** Trained models → ONNX bytes through mlo's own writer, and predictions without ONNX. */
import { MloError } from '../errors.js';
import {
  buildLinearClassifier,
  buildLinearRegressor,
  buildTreeEnsembleClassifier,
  buildTreeEnsembleRegressor,
  type ClassLabels,
  type ClassifierOutputs,
  type InputOptions,
  type ScalerSpec,
} from '../onnx/index.js';
import type { Features, Label } from './data.js';
import { predictGbtProba, predictGbtValues, type GradientBoostingModel } from './gbt.js';
import { predictLinear, type LinearRegressionModel } from './linear-regression.js';
import { predictLogisticProba, type LogisticModel } from './logistic.js';

export type TrainedModel = LogisticModel | LinearRegressionModel | GradientBoostingModel;

/** Model metadata key holding the feature names (JSON array, input column order). */
export const FEATURE_NAMES_KEY = 'mlo.feature_names';

export interface ExportOptions extends InputOptions {
  /** classifiers: `tensors` (label + probabilities, default), `zipmap`, or `score` (binary logistic only) */
  outputs?: ClassifierOutputs;
  /**
   * Linear models: `fold` (default) bakes the standardisation into the coefficients, one
   * op like a bare scikit-learn model; `scaler` keeps it as an ai.onnx.ml Scaler node
   * like a StandardScaler pipeline. The runtime computes in float32, and folding puts
   * terms of size |w·mean| into every score: for features whose mean is large next to
   * their spread, `scaler` keeps more precision.
   */
  standardize?: 'fold' | 'scaler';
}

export async function exportOnnx(
  model: TrainedModel,
  options: ExportOptions = {},
): Promise<Uint8Array> {
  const metadata = {
    'mlo.trainer': model.kind,
    ...(model.featureNames ? { [FEATURE_NAMES_KEY]: JSON.stringify(model.featureNames) } : {}),
    ...options.metadata,
  };
  const common = { ...options, metadata };
  switch (model.kind) {
    case 'logistic': {
      const scaled =
        options.standardize === 'scaler'
          ? unfold(model, model.coefficients, model.intercepts)
          : null;
      return buildLinearClassifier({
        ...common,
        coefficients: scaled?.coefficients ?? model.coefficients,
        intercepts: scaled?.intercepts ?? model.intercepts,
        scaler: scaled?.scaler,
        classes: model.classes as ClassLabels,
      });
    }
    case 'linear': {
      const scaled =
        options.standardize === 'scaler'
          ? unfold(model, [model.coefficients], [model.intercept])
          : null;
      return buildLinearRegressor({
        ...common,
        coefficients: scaled?.coefficients[0] ?? model.coefficients,
        intercept: scaled?.intercepts[0] ?? model.intercept,
        scaler: scaled?.scaler,
      });
    }
    case 'gbt': {
      const base = {
        ...common,
        nFeatures: model.nFeatures,
        trees: model.trees,
        baseValues: model.baseValues,
      };
      if (model.task === 'regression') return buildTreeEnsembleRegressor(base);
      if (options.outputs === 'score') {
        throw new MloError(
          'USAGE',
          'a gradient-boosted classifier exports label + probabilities (tensors or zipmap)',
        );
      }
      return buildTreeEnsembleClassifier({
        ...base,
        outputs: options.outputs,
        classes: model.classes as ClassLabels,
        postTransform: model.baseValues.length === 1 ? 'LOGISTIC' : 'SOFTMAX',
      });
    }
  }
}

/** Raw-space weights back to standardised space: w' = w·scale, b' = b + Σ w·mean. */
function unfold(
  model: LogisticModel | LinearRegressionModel,
  coefficients: number[][],
  intercepts: number[],
): { coefficients: number[][]; intercepts: number[]; scaler: ScalerSpec } {
  const { mean, scale } = model.standardization;
  return {
    coefficients: coefficients.map((w) => w.map((wj, j) => wj * scale[j])),
    intercepts: intercepts.map(
      (b, k) => b + coefficients[k].reduce((s, wj, j) => s + wj * mean[j], 0),
    ),
    scaler: { offset: mean, scale: scale.map((s) => 1 / s) },
  };
}

/** Class probabilities per row, in `model.classes` order. */
export function predictProba(
  model: LogisticModel | GradientBoostingModel,
  X: Features,
): number[][] {
  return model.kind === 'logistic' ? predictLogisticProba(model, X) : predictGbtProba(model, X);
}

/** The most probable class per row (the first on ties, like argmax). */
export function predictLabels(model: LogisticModel | GradientBoostingModel, X: Features): Label[] {
  const classes = model.classes ?? [];
  return predictProba(model, X).map((p) => classes[p.indexOf(Math.max(...p))]);
}

export function predictValues(
  model: LinearRegressionModel | GradientBoostingModel,
  X: Features,
): number[] {
  return model.kind === 'linear' ? predictLinear(model, X) : predictGbtValues(model, X);
}
