// One server on SQLite (WAL) holding many runs (issue 13 item 5): target 1M runs with
// 100M metric points, a filtered run search answered in < 200 ms (HTTP, loopback,
// with its token). Builds the store once with the batch generator (bench/server-lib.mjs)
// and reuses it; prints the generator's speed, the store's size, and each search's
// median of 7 beside the target.
//   node bench/server-scale.mjs [--runs 1000000] [--points 100] [--store DIR]
// On a shared machine, develop at --runs 100000 (10M points); the lead runs 1M.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, workDir } from './lib.mjs';
import { initStore, makeToken, seedRuns, startServerProcess } from './server-lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : process.argv[i + 1];
};
const RUNS = Number(arg('--runs', 100_000));
const POINTS = Number(arg('--points', 100));
const store = arg('--store', join(workDir('server-scale'), `store-${RUNS}x${POINTS}`));
const TARGET_MS = 200;

const marker = join(store, 'seeded');
if (!existsSync(marker)) {
  initStore(store);
  console.log(`generating ${RUNS.toLocaleString('en-US')} runs × ${POINTS} points in ${store}`);
  const g = seedRuns(join(store, 'mlo.db'), { runs: RUNS, points: POINTS });
  console.log(
    `  ${(g.rows / g.seconds / 1000).toFixed(0)}k rows/s, ${(g.points / g.seconds / 1e6).toFixed(1)}M points/s: ${g.seconds.toFixed(1)} s`,
  );
  writeFileSync(marker, JSON.stringify({ runs: RUNS, points: g.points }));
}
const size = statSync(join(store, 'mlo.db')).size;
console.log(
  `store: ${RUNS.toLocaleString('en-US')} runs, ${((RUNS * POINTS) / 1e6).toFixed(0)}M points, ${(size / 2 ** 30).toFixed(2)} GiB`,
);

const token = makeToken(store, `bench-${Date.now()}`, 'read');
const server = await startServerProcess(store);
const headers = { authorization: `Bearer ${token}` };

async function timeGet(path) {
  const t0 = performance.now();
  const res = await fetch(`${server.url}${path}`, { headers });
  const body = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
  return { ms: performance.now() - t0, body };
}

async function timePost(path, json) {
  const t0 = performance.now();
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(json),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
  return { ms: performance.now() - t0, body };
}

const q = (filter, extra = '') =>
  `/api/runs?limit=100&filter=${encodeURIComponent(filter)}${extra}`;
const cases = [
  ['newest 100, no filter', () => timeGet('/api/runs?limit=100'), (b) => JSON.parse(b).runs.length],
  [
    "metrics.acc > 0.9 and params.model = 'xgb'",
    () => timeGet(q("metrics.acc > 0.9 and params.model = 'xgb'")),
    (b) => JSON.parse(b).runs.length,
  ],
  [
    "experiment + tag + param range: tags.team = 't3' and params.depth >= 10",
    () => timeGet(q("tags.team = 't3' and params.depth >= 10", '&experiment=exp3')),
    (b) => JSON.parse(b).runs.length,
  ],
  [
    'selective: metrics.auc > 0.999',
    () => timeGet(q('metrics.auc > 0.999')),
    (b) => JSON.parse(b).runs.length,
  ],
  [
    "MLflow runs/search: metrics.acc > 0.9 and params.model = 'xgb'",
    () =>
      timePost('/api/2.0/mlflow/runs/search', {
        experiment_ids: ['1', '2', '3'],
        filter: "metrics.acc > 0.9 and params.model = 'xgb'",
        max_results: 100,
      }),
    (b) => (JSON.parse(b).runs ?? []).length,
  ],
];

console.log(
  `\nfiltered run search (median of 7, HTTP on loopback; target < ${TARGET_MS} ms at 1M runs)`,
);
console.log('search'.padEnd(72), 'median'.padStart(9), 'target'.padStart(8), ' rows');
let worst = 0;
for (const [name, run, count] of cases) {
  await run(); // warm the page cache for this query
  const times = [];
  let rows = 0;
  for (let i = 0; i < 7; i++) {
    const r = await run();
    times.push(r.ms);
    rows = count(r.body);
  }
  const m = median(times);
  worst = Math.max(worst, m);
  console.log(
    name.padEnd(72),
    `${m.toFixed(1)} ms`.padStart(9),
    `${TARGET_MS} ms`.padStart(8),
    String(rows).padStart(5),
    m < TARGET_MS ? '' : ' ✗',
  );
}
console.log(
  `\nslowest search ${worst.toFixed(1)} ms (${(worst / TARGET_MS).toFixed(2)}× the target) at ${RUNS.toLocaleString('en-US')} runs`,
);
await server.stop();
