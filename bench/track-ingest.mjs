// Metric ingestion: >= 200,000 points/s through MLO_LOG and through the Node API.
// Anchor: MLflow's SQL store logged a batch of 1,000 metrics in 0.13-0.2 s after its
// batching fix (mlflow#3010): about 6,000 points/s.
// usage: node bench/track-ingest.mjs [points]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freshRepo, median, mlo, timed, workDir, ROOT } from './lib.mjs';

const points = Number(process.argv[2] ?? 1_000_000);
const MLFLOW_POINTS_PER_S = 6000;
const repo = freshRepo(workDir('track-ingest'));

// A training loop that logs every step of 5 metrics through MLO_LOG, as any language would:
// one JSON line per point, appended in chunks like a buffered file writer.
writeFileSync(
  join(repo, 'writer.cjs'),
  `const fs = require('fs');
const fd = fs.openSync(process.env.MLO_LOG, 'a');
const keys = ['loss', 'acc', 'lr', 'val_loss', 'val_acc'];
let buf = [];
for (let i = 0; i < ${points}; i++) {
  buf.push('{"metric":"' + keys[i % 5] + '","value":' + Math.random() + ',"step":' + Math.floor(i / 5) + '}');
  if (buf.length === 10000) { fs.writeSync(fd, buf.join('\\n') + '\\n'); buf = []; }
}
if (buf.length) fs.writeSync(fd, buf.join('\\n') + '\\n');
`,
);
writeFileSync(
  join(repo, 'api.mjs'),
  `import { openRepo, startRun } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
const repo = openRepo(process.cwd());
const run = await startRun(repo, { name: 'api', git: false, attach: false });
const keys = ['loss', 'acc', 'lr', 'val_loss', 'val_acc'];
const t0 = performance.now();
for (let i = 0; i < ${points}; i++) run.logMetric(keys[i % 5], Math.random(), Math.floor(i / 5));
const tLoop = performance.now();
await run.end();
const t1 = performance.now();
console.log(JSON.stringify({ loopMs: tLoop - t0, totalMs: t1 - t0, id: run.id }));
`,
);

// Same run, same disk: MLflow's metrics table (one row per point, its primary key)
// fed in batches of 1,000 per transaction as its log_batch does, from Node through
// better-sqlite3 — MLflow's storage design without its Python and ORM overhead.
writeFileSync(
  join(repo, 'mlflow-schema.mjs'),
  `import Database from ${JSON.stringify(join(ROOT, 'node_modules/better-sqlite3/lib/index.js'))};
const db = new Database('mlflow.db');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(\`CREATE TABLE IF NOT EXISTS metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL,
  timestamp BIGINT NOT NULL, run_uuid VARCHAR(32) NOT NULL, step BIGINT NOT NULL DEFAULT 0,
  is_nan BOOLEAN NOT NULL DEFAULT 0, PRIMARY KEY (key, timestamp, step, run_uuid, value, is_nan));
CREATE TABLE IF NOT EXISTS latest_metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL,
  timestamp BIGINT, step BIGINT NOT NULL, is_nan BOOLEAN NOT NULL, run_uuid VARCHAR(32) NOT NULL,
  PRIMARY KEY (key, run_uuid));\`);
const ins = db.prepare('INSERT INTO metrics VALUES (?, ?, ?, ?, ?, 0)');
const latest = db.prepare('INSERT OR REPLACE INTO latest_metrics VALUES (?, ?, ?, ?, 0, ?)');
const keys = ['loss', 'acc', 'lr', 'val_loss', 'val_acc'];
const run = Math.random().toString(16).slice(2).padEnd(32, '0');
const t0 = performance.now();
for (let b = 0; b < ${points}; b += 1000) {
  db.transaction(() => {
    const now = Date.now();
    for (let i = b; i < b + 1000 && i < ${points}; i++) ins.run(keys[i % 5], Math.random(), now, run, Math.floor(i / 5));
    for (const k of keys) latest.run(k, Math.random(), now, Math.floor(b / 5), run);
  })();
}
console.log(JSON.stringify({ ms: performance.now() - t0 }));
`,
);

const rounds = 3;
const reference = [];
const writerAlone = [];
const execEmpty = [];
const execWriter = [];
const api = [];
let lastId;
for (let r = 0; r < rounds; r++) {
  writerAlone.push(
    timed(process.execPath, ['writer.cjs'], {
      cwd: repo,
      noRss: true,
      env: { MLO_LOG: join(repo, 'alone.jsonl') },
    }).ms,
  );
  execEmpty.push(mlo(['exec', '--', 'node', '-e', '0'], { cwd: repo, noRss: true }).ms);
  const e = mlo(['exec', '--json', '--', 'node', 'writer.cjs'], { cwd: repo });
  execWriter.push(e.ms);
  lastId = JSON.parse(e.stdout).id;
  const a = timed(process.execPath, ['api.mjs'], { cwd: repo, noRss: true });
  api.push(JSON.parse(a.stdout.trim().split('\n').pop()));
  reference.push(
    JSON.parse(timed(process.execPath, ['mlflow-schema.mjs'], { cwd: repo, noRss: true }).stdout)
      .ms,
  );
}
const stored = JSON.parse(
  mlo(['metrics', 'history', lastId, 'loss', '--json'], { cwd: repo, noRss: true }).stdout,
).points.length;
if (stored !== points / 5) throw new Error(`expected ${points / 5} loss points, found ${stored}`);

const w = median(writerAlone);
const ee = median(execEmpty);
const ex = median(execWriter);
// What ingestion adds: the exec run minus the command's own time minus exec's fixed cost.
const ingestMs = Math.max(1, ex - ee - w);
const logRate = points / ((ex - ee) / 1000);
const apiTotal = median(api.map((a) => a.totalMs));
const apiLoop = median(api.map((a) => a.loopMs));
const apiRate = points / (apiTotal / 1000);
const k = (n) => `${Math.round(n / 1000)}k`;
const refRate = points / (median(reference) / 1000);
console.log(`points: ${points} (5 metrics x ${points / 5} steps), medians of ${rounds}`);
console.log(`MLO_LOG  writer alone            : ${w.toFixed(0)} ms`);
console.log(`MLO_LOG  mlo exec (empty command): ${ee.toFixed(0)} ms`);
console.log(
  `MLO_LOG  mlo exec -- writer      : ${ex.toFixed(0)} ms; ingestion adds ${ingestMs.toFixed(0)} ms`,
);
console.log(
  `MLO_LOG  rate (points / (exec - empty exec)) : ${k(logRate)} points/s  (target >= 200k; ${(logRate / MLFLOW_POINTS_PER_S).toFixed(0)}x MLflow's ~6k/s)`,
);
console.log(
  `Node API logMetric loop          : ${apiLoop.toFixed(0)} ms (${((apiLoop * 1000) / points).toFixed(2)} us per point, flushes included)`,
);
console.log(
  `Node API loop + end()            : ${apiTotal.toFixed(0)} ms -> ${k(apiRate)} points/s  (target >= 200k; ${(apiRate / MLFLOW_POINTS_PER_S).toFixed(0)}x MLflow)`,
);
console.log(
  `same run: MLflow's schema, 1,000-point batches, better-sqlite3: ${k(refRate)} points/s -> MLO_LOG ${(logRate / refRate).toFixed(1)}x, Node API ${(apiRate / refRate).toFixed(1)}x`,
);
cleanup(repo);
