// Stage `train`: fit a regressor in Node and export it to ONNX (models/model.onnx).
//
// params.train.model picks mlo's linear (ridge) regression or gradient-boosted trees;
// the ONNX file is written by mlo's own writer and carries the feature names, so
// `mlo model register` and `mlo serve` know them. Training in Python instead? See
// the end of this file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { FEATURES, TARGET } from './features.mjs';
import { log, mlo, readParams, readRows } from './common.mjs';

const { train: params } = readParams();
const rows = await readRows('data/prepared/train.csv');
const X = rows.map((r) => FEATURES.map((f) => r[f]));
const y = rows.map((r) => r[TARGET]);

let model;
if (params.model === 'gbt') {
  model = mlo.trainGradientBoostingRegressor(X, y, {
    nRounds: params.rounds,
    maxDepth: params.max_depth,
    learningRate: params.learning_rate,
    seed: params.seed,
    featureNames: FEATURES,
  });
} else if (params.model === 'linear') {
  model = mlo.trainLinearRegression(X, y, { l2: params.l2, featureNames: FEATURES });
} else {
  console.error(`error: params.yaml: train.model must be linear or gbt, got ${params.model}`);
  process.exit(2);
}

// Metrics of the fit go to the run (MLO_LOG); holdout metrics come from `evaluate`.
const fit = mlo.computeRegressionMetrics({ yTrue: y, yPred: mlo.predictValues(model, X) });
log({ metrics: { train_rmse: fit.metrics.rmse, train_r2: fit.metrics.r2 } });
log({ tag: 'model_kind', value: params.model });

mkdirSync('models', { recursive: true });
writeFileSync('models/model.onnx', await mlo.exportOnnx(model));
console.log(
  `trained ${params.model} on ${rows.length} rows, ${FEATURES.length} features: ` +
    `train r2 ${fit.metrics.r2.toFixed(3)} → models/model.onnx`,
);

/*
 * Training in Python (scikit-learn + skl2onnx) instead: replace this stage's cmd with
 * `python src/train.py`, something like
 *
 *   import pandas as pd
 *   from sklearn.ensemble import HistGradientBoostingRegressor  # or LinearRegression
 *   from skl2onnx import to_onnx
 *
 *   df = pd.read_csv("data/prepared/train.csv")
 *   X, y = df.drop(columns=["price"]).astype("float32"), df["price"]
 *   model = HistGradientBoostingRegressor(max_depth=3).fit(X, y)
 *   onx = to_onnx(model, X[:1].to_numpy())
 *   open("models/model.onnx", "wb").write(onx.SerializeToString())
 *
 * Log metrics by appending JSON lines to the file named by $MLO_LOG:
 *   {"metric": "train_r2", "value": 0.87}
 * The feature names reach the registry from --baseline-data (its columns minus the
 * target), so the Python model needs no metadata.
 */
