// Metrics over N rows (default 1,000,000): mlo's src/evaluate/metrics vs scikit-learn
// on the same data in the same run (Debian's /usr/bin/python3 with python3-sklearn).
// Target: each mlo figure well under a second; ratios are mlo / sklearn.
//   usage: node bench/metrics.mjs [rows] [rounds]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const rows = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 3);
const out = join(ROOT, 'bench/out/metrics');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(ROOT, 'src/evaluate/metrics/index.ts')],
  outfile: join(out, 'metrics.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  logLevel: 'warning',
});
const m = await import(join(out, 'metrics.mjs'));

// Seeded data (mulberry32) written as raw little-endian arrays for numpy.fromfile.
let seed = 42;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const K = 5;
const yBin = new Float64Array(rows);
const score = new Float64Array(rows);
const predBin = new Float64Array(rows);
const yMulti = new Float64Array(rows);
const predMulti = new Float64Array(rows);
const proba = new Float32Array(rows * K);
const yReg = new Float64Array(rows);
const pReg = new Float64Array(rows);
const latency = new Float64Array(rows);
for (let i = 0; i < rows; i++) {
  const y = rand() < 0.3 ? 1 : 0;
  yBin[i] = y;
  score[i] = Math.round((0.35 * y + 0.65 * rand()) * 1000) / 1000; // ties
  predBin[i] = score[i] > 0.5 ? 1 : 0;
  const c = Math.floor(rand() * K);
  yMulti[i] = c;
  let sum = 0;
  for (let j = 0; j < K; j++) {
    const v = rand() + (j === c ? 0.8 : 0);
    proba[i * K + j] = v;
    sum += v;
  }
  let best = 0;
  for (let j = 0; j < K; j++) {
    proba[i * K + j] /= sum;
    if (proba[i * K + j] > proba[i * K + best]) best = j;
  }
  predMulti[i] = best;
  yReg[i] = rand() * 100;
  pReg[i] = yReg[i] + (rand() - 0.5) * 10;
  latency[i] = -Math.log(rand()) * 2;
}
const files = { yBin, score, predBin, yMulti, predMulti, proba, yReg, pReg, latency };
for (const [name, arr] of Object.entries(files)) {
  writeFileSync(join(out, `${name}.bin`), Buffer.from(arr.buffer));
}

// Wall time and CPU time (the machine is shared; CPU time moves less with load).
function time(fn) {
  const ms = [];
  const cpu = [];
  let result;
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    result = fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { ms: median(ms), cpu: median(cpu), result };
}

const ours = {
  binary: time(() =>
    m.computeClassificationMetrics({ yTrue: yBin, yPred: predBin, scores: score }),
  ),
  multiclass: time(() =>
    m.computeClassificationMetrics({
      yTrue: yMulti,
      yPred: predMulti,
      scores: { data: proba, columns: K },
      scoreLabels: [0, 1, 2, 3, 4],
    }),
  ),
  regression: time(() => m.computeRegressionMetrics({ yTrue: yReg, yPred: pReg })),
  latency: time(() => m.computeLatencyMetrics({ latenciesMs: latency, rows, elapsedMs: 1000 })),
  rocAucOnly: time(() => m.rocAuc(yBin, score)),
};

const py = String.raw`
import sys, time, json, numpy as np
from sklearn import metrics as M
d, n, K, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
f = lambda name, dt=np.float64: np.fromfile(f"{d}/{name}.bin", dtype=dt)
yb, s, pb = f("yBin"), f("score"), f("predBin")
ym, pm, P = f("yMulti"), f("predMulti"), f("proba", np.float32).reshape(n, K)
yr, pr, lat = f("yReg"), f("pReg"), f("latency")
def t(fn):
    ms, cpu = [], []
    for _ in range(rounds):
        c0 = time.process_time(); t0 = time.perf_counter(); r = fn()
        ms.append((time.perf_counter() - t0) * 1000); cpu.append((time.process_time() - c0) * 1000)
    return sorted(ms)[len(ms) // 2], sorted(cpu)[len(cpu) // 2], r
def binary():
    return [M.accuracy_score(yb, pb), M.precision_score(yb, pb), M.recall_score(yb, pb), M.f1_score(yb, pb),
            M.precision_score(yb, pb, average="macro"), M.recall_score(yb, pb, average="macro"),
            M.f1_score(yb, pb, average="macro"), M.roc_auc_score(yb, s), M.log_loss(yb, s),
            M.confusion_matrix(yb, pb)][7]
def multi():
    return [M.accuracy_score(ym, pm), M.precision_score(ym, pm, average="macro"),
            M.recall_score(ym, pm, average="macro"), M.f1_score(ym, pm, average="macro"),
            M.roc_auc_score(ym, P, multi_class="ovr"), M.log_loss(ym, P), M.confusion_matrix(ym, pm)][4]
def reg():
    return [np.sqrt(M.mean_squared_error(yr, pr)), M.mean_absolute_error(yr, pr), M.r2_score(yr, pr),
            M.mean_absolute_percentage_error(yr, pr)][2]
def latency():
    return list(np.percentile(lat, [50, 95, 99]))[2]
out = {k: t(fn) for k, fn in dict(binary=binary, multiclass=multi, regression=reg, latency=latency,
                                    rocAucOnly=lambda: M.roc_auc_score(yb, s)).items()}
print(json.dumps({k: {"ms": v[0], "cpu": v[1], "value": float(v[2])} for k, v in out.items()}))
`;
let ref;
if (existsSync('/usr/bin/python3')) {
  const r = spawnSync(
    '/usr/bin/python3',
    ['-c', py, out, String(rows), String(K), String(rounds)],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  if (r.status === 0) ref = JSON.parse(r.stdout.trim().split('\n').pop());
  else console.error(`sklearn reference skipped: ${r.stderr.trim().split('\n').pop()}`);
}

const ourValue = {
  binary: ours.binary.result.metrics.roc_auc,
  multiclass: ours.multiclass.result.metrics.roc_auc,
  regression: ours.regression.result.metrics.r2,
  latency: ours.latency.result.metrics.p99_ms,
  rocAucOnly: ours.rocAucOnly.result.value,
};
console.log(`${rows.toLocaleString('en')} rows, median of ${rounds} rounds; ratio = mlo / sklearn`);
console.log(
  'what                          wall ms: mlo  sklearn  ratio   cpu ms: mlo  sklearn  ratio   same value',
);
const cell = (x, w) => (x === undefined ? '-' : x.toFixed(0)).padStart(w);
const ratioOf = (a, b) => (b === undefined ? '-' : (a / b).toFixed(2)).padStart(6);
for (const [key, label] of [
  ['binary', 'binary: all metrics'],
  ['multiclass', `multiclass (${K}): all metrics`],
  ['regression', 'regression: all metrics'],
  ['latency', 'latency p50/p95/p99'],
  ['rocAucOnly', 'roc_auc alone'],
]) {
  const o = ours[key];
  const r = ref?.[key];
  const same = r ? Math.abs(ourValue[key] - r.value) <= 1e-9 * Math.max(1, Math.abs(r.value)) : '';
  console.log(
    `${label.padEnd(29)} ${cell(o.ms, 12)} ${cell(r?.ms, 8)} ${ratioOf(o.ms, r?.ms)} ${cell(o.cpu, 12)} ${cell(r?.cpu, 8)} ${ratioOf(o.cpu, r?.cpu)}   ${same}`,
  );
}
