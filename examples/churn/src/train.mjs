// Stage `train`: fit a churn model in Node and export it to ONNX.
//
// params.train.model picks a logistic regression or small gradient-boosted trees;
// both come from mlo's trainers and are written with mlo's own ONNX writer, with the
// feature names stored in the model. Training in Python instead? See the end of
// this file.
import { writeFileSync, mkdirSync } from 'node:fs';
import { FEATURES, TARGET } from './features.mjs';
import { log, mlo, readParams, readRows } from './common.mjs';

const { train: params } = readParams();
const rows = await readRows('data/prepared/train.csv');
const X = rows.map((r) => FEATURES.map((f) => r[f]));
const y = rows.map((r) => r[TARGET]);

let model;
if (params.model === 'gbt') {
  model = mlo.trainGradientBoostingClassifier(X, y, {
    nRounds: params.rounds,
    maxDepth: params.max_depth,
    learningRate: params.learning_rate,
    seed: params.seed,
    featureNames: FEATURES,
  });
} else if (params.model === 'logistic') {
  model = mlo.trainLogisticRegression(X, y, {
    l2: params.l2,
    classWeight: params.class_weight === 'balanced' ? 'balanced' : undefined,
    featureNames: FEATURES,
  });
} else {
  console.error(`error: params.yaml: train.model must be logistic or gbt, got ${params.model}`);
  process.exit(2);
}

// Training metrics go to the run through MLO_LOG; holdout metrics come from `evaluate`.
const proba = mlo.predictProba(model, X).map((p) => p[1]);
const fit = mlo.computeClassificationMetrics({
  yTrue: y,
  yPred: proba.map((p) => (p >= 0.5 ? 1 : 0)),
  scores: proba,
});
log({ metrics: { train_roc_auc: fit.metrics.roc_auc, train_log_loss: fit.metrics.log_loss } });
log({ tag: 'model_kind', value: params.model });

mkdirSync('models', { recursive: true });
writeFileSync('models/churn.onnx', await mlo.exportOnnx(model));
console.log(
  `trained ${params.model} on ${rows.length} rows, ${FEATURES.length} features: ` +
    `train roc_auc ${fit.metrics.roc_auc.toFixed(3)} → models/churn.onnx`,
);

/*
 * The same model in Python, for teams that train there (scikit-learn + skl2onnx):
 *
 *   import pandas as pd
 *   from sklearn.linear_model import LogisticRegression
 *   from sklearn.pipeline import make_pipeline
 *   from sklearn.preprocessing import StandardScaler
 *   from skl2onnx import to_onnx
 *
 *   df = pd.read_csv("data/prepared/train.csv")
 *   X, y = df[FEATURES].astype("float32"), df["churned"]
 *   model = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced"))
 *   model.fit(X, y)
 *   # zipmap=False: label + probability tensors, which onnxruntime-node can return
 *   onx = to_onnx(model, X[:1].to_numpy(), options={"zipmap": False})
 *   open("models/churn.onnx", "wb").write(onx.SerializeToString())
 *
 * and in mlo.yaml: `cmd: python src/train.py`. Log metrics by appending JSON lines to
 * the file named by $MLO_LOG, e.g. {"metric": "train_roc_auc", "value": 0.84}.
 * Register it with --baseline-data data/prepared/train.csv --target churned so the
 * registry knows the feature names.
 */
