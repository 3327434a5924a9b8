// The production loop's speed targets (issue 16), each against a reference in the same run:
// - feedback ingest >= 200,000 labels/s: `mlo feedback add` of a CSV of labels joined to
//   the prediction log, against the least a hand-written join can do — better-sqlite3
//   inserting the same labels into a table and joining them to prediction_log by request
//   id in one statement (no idempotence, no counts, no typed outcomes);
// - `mlo perf` over 10M logged predictions with 1M labels in < 5 s (the scale;
//   the default here is smaller), against reading the joined labels and predictions
//   back with better-sqlite3 and counting the right ones (accuracy only);
// - an alert delivered within 1 s of the evaluation that fires it: `mlo monitor run`
//   with a volume rule and a webhook on a loopback HTTP receiver; the figure is
//   from the end of the rule evaluation (MonitorRunResult.ms minus delivery) to arrival.
//
//   npm run build:fast && node bench/production.mjs [--predictions 1000000] [--labels 100000]
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, fmt, freshRepo, mlo, ratio, ROOT, workDir } from './lib.mjs';

const lib = await import('../dist/index.js');
const Database = (await import(join(ROOT, 'node_modules/better-sqlite3/lib/index.js'))).default;
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--predictions', 1_000_000);
const L = arg('--labels', 100_000);

const dir = freshRepo(workDir('production'));
const model = await lib.buildLinearClassifier({ coefficients: [[1, -1]], intercepts: [0] });
writeFileSync(join(dir, 'm.onnx'), model);
const repo = lib.openRepo(dir);
await lib.registerModel(repo, { name: 'churn', path: 'm.onnx', features: ['a', 'b'] });
await lib.setAlias(repo, { name: 'churn', alias: 'champion', version: 1 });

// N answers in the last 6 days, 2 features, two-class probabilities, written straight
// into the log table (what a server's log writer leaves behind)
repo.close();
const now = Date.now();
const t0 = performance.now();
const setup = new Database(join(dir, '.mlo/mlo.db'));
const put = setup.prepare(
  `INSERT INTO prediction_log (ts_ms, model, version, role, route, request_id, latency_ms, inputs, outputs)
   VALUES (?, 'churn', 1, 'primary', 'main', ?, ?, ?, ?)`,
);
setup.transaction(() => {
  for (let i = 0; i < N; i++) {
    const p = ((i * 2654435761) % 1000) / 1000;
    put.run(
      now - 6 * 86_400_000 + Math.floor((i / N) * 6 * 86_400_000),
      `r${i}`,
      1 + (i % 17),
      `{"a":${i % 97},"b":${i % 13}}`,
      `{"prediction":${p > 0.5 ? 1 : 0},"probabilities":[${1 - p},${p}]}`,
    );
  }
})();
setup.close();
console.log(`setup: ${N.toLocaleString()} logged predictions in ${fmt(performance.now() - t0)}`);

// labels for L of them, spread over the log
const step = Math.max(1, Math.floor(N / L));
const lines = ['request_id,label'];
for (let k = 0; k < L; k++) lines.push(`r${k * step},${(k * 7) % 3 === 0 ? 1 : 0}`);
writeFileSync(join(dir, 'labels.csv'), `${lines.join('\n')}\n`);

// reference: the bare join, on a copy of the same log
const ref = new Database(join(dir, '.mlo/mlo.db'));
const r0 = performance.now();
ref.exec('CREATE TEMP TABLE labels (request_id TEXT PRIMARY KEY, label INTEGER)');
const ins = ref.prepare('INSERT INTO labels VALUES (?, ?)');
ref.transaction(() => {
  for (let k = 1; k < lines.length; k++) {
    const [id, y] = lines[k].split(',');
    ins.run(id, Number(y));
  }
})();
ref.exec(`CREATE TEMP TABLE joined AS SELECT p.id, l.label FROM labels l
  JOIN prediction_log p ON p.request_id = l.request_id`);
const refIngestMs = performance.now() - r0;
ref.close();

const ingest = mlo(
  ['feedback', 'add', 'labels.csv', '--id', 'request_id', '--label', 'label', '--json'],
  {
    cwd: dir,
  },
);
const fed = JSON.parse(ingest.stdout);
console.log(
  `feedback add: ${L.toLocaleString()} labels (${fed.joined.toLocaleString()} joined) in ${fmt(ingest.ms)} = ${Math.round(L / (ingest.ms / 1000)).toLocaleString()} labels/s (target >= 200,000/s); bare join ${fmt(refIngestMs)}; ratio ${ratio(ingest.ms, refIngestMs)}x`,
);

const perf = mlo(['perf', '--model', 'churn@champion', '--since', '7d', '--json'], { cwd: dir });
const pr = JSON.parse(perf.stdout);
const ref2 = new Database(join(dir, '.mlo/mlo.db'), { readonly: true });
const q0 = performance.now();
let right = 0;
let n = 0;
for (const row of ref2.prepare('SELECT y_true, y_pred FROM prediction_outcomes').iterate()) {
  n++;
  if (row.y_true === row.y_pred) right++;
}
const refPerfMs = performance.now() - q0;
ref2.close();
console.log(
  `perf: ${pr.labelled.toLocaleString()} labelled of ${pr.logged.toLocaleString()} logged in ${fmt(perf.ms)} (target < 5 s at 10M/1M; accuracy ${pr.overall.metrics.accuracy.value.toFixed(4)} = ${(right / n).toFixed(4)}); reading the joins back ${fmt(refPerfMs)}; ratio ${ratio(perf.ms, refPerfMs)}x`,
);

// alert latency: a loopback receiver records arrival
let arrived = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    arrived = Date.now();
    res.writeHead(204).end();
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/hook`;
writeFileSync(
  join(dir, 'mlo.yaml'),
  `monitor:\n  model: churn@champion\n  destinations:\n    hook: {type: webhook, url_env: HOOK_URL}\n  rules:\n    - {name: busy, when: volume > 10, window: 7d}\n`,
);
const { spawn } = await import('node:child_process');
const child = spawn(
  process.execPath,
  [join(ROOT, 'bin/mlo.js'), 'monitor', 'run', '--json', '--no-retrain'],
  {
    cwd: dir,
    env: { ...process.env, HOOK_URL: url },
  },
);
let out = '';
child.stdout.on('data', (d) => (out += d));
await new Promise((r) => child.on('close', r));
server.close();
const mr = JSON.parse(out);
const evaluatedAt = Date.parse(mr.at) + mr.ms - Math.max(...mr.deliveries.map((d) => d.ms));
console.log(
  `alert: delivered ${arrived - evaluatedAt} ms after the evaluation that fired it (target < 1000 ms); send to answer ${mr.deliveries[0].ms} ms`,
);
if (process.env.KEEP) console.log(dir);
else cleanup(dir);
