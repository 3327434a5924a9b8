// Stage `evaluate`: run the exported ONNX file (the bytes that will be registered and
// served) on the holdout and write metrics.json, which `mlo metrics diff` and
// `mlo report` compare across commits.
import { FEATURES, TARGET } from './features.mjs';
import { mlo, readRows, writeJson } from './common.mjs';

const rows = await readRows('data/prepared/holdout.csv');
const X = new Float32Array(rows.length * FEATURES.length);
rows.forEach((r, i) => FEATURES.forEach((f, j) => (X[i * FEATURES.length + j] = r[f])));

const session = await mlo.createSession('models/model.onnx');
const out = await mlo.runModel(session, X, rows.length, FEATURES.length);
await session.release();

const positive = out.classLabels.indexOf(1);
const { metrics } = mlo.computeClassificationMetrics({
  yTrue: rows.map((r) => r[TARGET]),
  yPred: out.labels,
  scores: rows.map((_, i) => out.probabilities[i * out.classCount + positive]),
});
const round = (v) => (v === null ? null : Math.round(v * 1e4) / 1e4);
const keys = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss'];
const report = {
  rows: rows.length,
  ...Object.fromEntries(keys.map((k) => [k, round(metrics[k])])),
};
writeJson('metrics.json', report);
console.log(
  `holdout (${rows.length} rows): roc_auc ${report.roc_auc}, f1 ${report.f1}, accuracy ${report.accuracy}`,
);
