// Stage `evaluate`: run the exported ONNX model (the file that will be registered and
// served, not the in-memory trainer) on the holdout and write metrics.json, which
// `mlo metrics diff` and `mlo report` compare across commits.
import { FEATURES, TARGET } from './features.mjs';
import { mlo, readRows, writeJson } from './common.mjs';

const rows = await readRows('data/prepared/holdout.csv');
const X = new Float32Array(rows.length * FEATURES.length);
rows.forEach((r, i) => FEATURES.forEach((f, j) => (X[i * FEATURES.length + j] = r[f])));

const session = await mlo.createSession('models/churn.onnx');
const out = await mlo.runModel(session, X, rows.length, FEATURES.length);
await session.release();

const positive = out.classLabels.indexOf(1);
const scores = rows.map((_, i) => out.probabilities[i * out.classCount + positive]);
const { metrics } = mlo.computeClassificationMetrics({
  yTrue: rows.map((r) => r[TARGET]),
  yPred: out.labels,
  scores,
});
const round = (v) => (v === null ? null : Math.round(v * 1e4) / 1e4);
const report = {
  rows: rows.length,
  accuracy: round(metrics.accuracy),
  precision: round(metrics.precision),
  recall: round(metrics.recall),
  f1: round(metrics.f1),
  roc_auc: round(metrics.roc_auc),
  log_loss: round(metrics.log_loss),
};
writeJson('metrics.json', report);
console.log(
  `holdout (${rows.length} rows): roc_auc ${report.roc_auc}, f1 ${report.f1}, accuracy ${report.accuracy}`,
);
