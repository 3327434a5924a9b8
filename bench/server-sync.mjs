// Sync at team scale (issue 13 item 5):
//  1. a pull of N new runs into a fresh clone (target: 10k runs in < 5 s), beside
//     copying the server's whole store file (the floor for moving those bytes);
//  2. C concurrent clients, half pushing their local runs (`mlo push`, each its own
//     process) and half logging through the MLflow REST API at the same time: no
//     errors, and every run and metric point is on the server afterwards.
//   node bench/server-sync.mjs [--pull-runs 10000] [--points 100] [--clients 50]
//     [--client-runs 20]
// On a shared machine, develop at --pull-runs 2000 --clients 10.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MLO, freshRepo, mlo, workDir } from './lib.mjs';
import { initStore, makeToken, seedRuns, startServerProcess } from './server-lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const PULL_RUNS = arg('--pull-runs', 10_000);
const POINTS = arg('--points', 100);
const CLIENTS = arg('--clients', 50);
const CLIENT_RUNS = arg('--client-runs', 20);
const PULL_TARGET_S = 5 * (PULL_RUNS / 10_000);

const root = workDir('server-sync');
rmSync(root, { recursive: true, force: true });
mkdirSync(root, { recursive: true });

// --- 1. pull of N new runs --------------------------------------------------------
const store = join(root, 'hub');
initStore(store);
const g = seedRuns(join(store, 'mlo.db'), { runs: PULL_RUNS, points: POINTS, seed: 7 });
const size = statSync(join(store, 'mlo.db')).size;
console.log(
  `server store: ${PULL_RUNS.toLocaleString('en-US')} runs × ${POINTS} points (${(size / 2 ** 20).toFixed(0)} MiB), generated in ${g.seconds.toFixed(1)} s`,
);
const token = makeToken(store, 'bench', 'write');
const server = await startServerProcess(store);
const env = { MLO_TOKEN: token };

const clone = freshRepo(root);
mlo(['remote', 'add', 'team', server.url], { cwd: clone, noRss: true });
const pull = mlo(['pull', '--remote', 'team', '--json'], { cwd: clone, env });
const pulled = JSON.parse(pull.stdout).records;
const t0 = performance.now();
copyFileSync(join(store, 'mlo.db'), join(root, 'copy.db'));
const copyMs = performance.now() - t0;
const local = new Database(join(clone, '.mlo/mlo.db'), { readonly: true });
const localRuns = local.prepare('SELECT COUNT(*) FROM runs').pluck().get();
const localPoints = local
  .prepare('SELECT COALESCE(SUM(n), 0) FROM run_metric_chunks')
  .pluck()
  .get();
local.close();
console.log(`\npull of ${PULL_RUNS.toLocaleString('en-US')} new runs into a fresh clone`);
console.log(
  `  mlo pull      ${(pull.ms / 1000).toFixed(2)} s (target < ${PULL_TARGET_S.toFixed(1)} s${PULL_TARGET_S !== 5 ? ', scaled' : ''}) ${pull.ms / 1000 < PULL_TARGET_S ? '' : '✗'}  peak RSS ${pull.rssMb?.toFixed(0)} MB`,
);
console.log(
  `  cp store file ${(copyMs / 1000).toFixed(2)} s (floor; ratio ${(pull.ms / copyMs).toFixed(1)}×)`,
);
console.log(
  `  records applied ${pulled.applied}, runs here ${localRuns}, points here ${localPoints} (expected ${g.points}) ${localRuns === PULL_RUNS && localPoints === g.points ? 'ok' : '✗ LOST'}`,
);
// a second pull finds nothing new
const again = mlo(['pull', '--remote', 'team', '--json'], { cwd: clone, env });
console.log(
  `  pull again    ${(again.ms / 1000).toFixed(2)} s, ${JSON.parse(again.stdout).records.applied} applied`,
);

// --- 2. concurrent clients ---------------------------------------------------------
const pushers = Math.ceil(CLIENTS / 2);
const loggers = CLIENTS - pushers;
console.log(
  `\n${CLIENTS} concurrent clients: ${pushers} pushing ${CLIENT_RUNS} runs each (mlo push), ${loggers} logging ${CLIENT_RUNS} runs each (MLflow REST)`,
);
const repos = [];
for (let c = 0; c < pushers; c++) {
  const dir = freshRepo(root);
  mlo(['remote', 'add', 'team', server.url], { cwd: dir, noRss: true });
  seedRuns(join(dir, '.mlo/mlo.db'), { runs: CLIENT_RUNS, points: POINTS, seed: 100 + c });
  repos.push(dir);
}
const hub = new Database(join(store, 'mlo.db'), { readonly: true });
const serverRuns = () => hub.prepare('SELECT COUNT(*) FROM runs').pluck().get();
const serverPoints = () =>
  hub.prepare('SELECT COALESCE(SUM(n), 0) FROM run_metric_chunks').pluck().get();
const before = { runs: serverRuns(), points: serverPoints() };

function pushOnce(dir) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MLO, 'push', '--remote', 'team', '--json'], {
      cwd: dir,
      env: { ...process.env, ...env, NO_COLOR: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

async function mlflow(path, body) {
  const res = await fetch(`${server.url}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

const perSeries = POINTS / 4;
async function logRuns(c) {
  const { experiment_id } = await mlflow('experiments/create', { name: `bench-logger-${c}` });
  for (let r = 0; r < CLIENT_RUNS; r++) {
    const { run } = await mlflow('runs/create', { experiment_id, run_name: `l${c}-${r}` });
    const id = run.info.run_id;
    for (const key of ['loss', 'acc', 'auc', 'f1']) {
      const metrics = Array.from({ length: perSeries }, (_, i) => ({
        key,
        value: Math.random(),
        timestamp: Date.now(),
        step: i,
      }));
      await mlflow('runs/log-batch', { run_id: id, metrics, params: [] });
    }
    await mlflow('runs/update', { run_id: id, status: 'FINISHED', end_time: Date.now() });
  }
}

const t1 = performance.now();
const results = await Promise.allSettled([
  ...repos.map((dir) => pushOnce(dir)),
  ...Array.from({ length: loggers }, (_, c) => logRuns(c)),
]);
const wallS = (performance.now() - t1) / 1000;
let errors = 0;
for (const r of results) {
  if (r.status === 'rejected') {
    errors++;
    console.log(`  error: ${r.reason.message}`);
  } else if (r.value && r.value.code !== 0) {
    errors++;
    console.log(`  push exited ${r.value.code}: ${r.value.err.trim().split('\n')[0]}`);
  }
}
const after = { runs: serverRuns(), points: serverPoints() };
const expectRuns = CLIENTS * CLIENT_RUNS;
const expectPoints = CLIENTS * CLIENT_RUNS * perSeries * 4;
const gotRuns = after.runs - before.runs;
const gotPoints = after.points - before.points;
console.log(
  `  ${wallS.toFixed(1)} s wall; errors ${errors}; runs on the server +${gotRuns} (expected ${expectRuns}), points +${gotPoints} (expected ${expectPoints}) ${errors === 0 && gotRuns === expectRuns && gotPoints === expectPoints ? 'ok' : '✗'}`,
);
// pushing again changes nothing
const second = await Promise.all(repos.slice(0, 3).map((dir) => pushOnce(dir)));
console.log(
  `  push again (3 clients): exits ${second.map((r) => r.code).join(',')}, runs on the server +${serverRuns() - after.runs}`,
);
hub.close();
await server.stop();
spawnSync('true');
