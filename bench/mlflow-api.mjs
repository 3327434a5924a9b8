// MLflow REST speed (issue 14): a log-batch of 1,000 metrics answered on loopback
// (target < 10 ms) and 1,000 single log-metric calls from one keep-alive client
// (target < 1 s). The reference is MLflow's own figure from its issue #3010: 1,000
// metrics took 9 s through SQLAlchemy before the fix and 0.13 s after; it is quoted,
// not re-measured (MLflow cannot be installed here).
//   node bench/mlflow-api.mjs [--batches 50] [--singles 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { ROOT } from './lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const BATCHES = arg('--batches', 50);
const SINGLES = arg('--singles', 1000);

const { initRepo, openRepo, serveMlflow } = await import(join(ROOT, 'dist/index.js'));
const dir = mkdtempSync(join(tmpdir(), 'mlo-bench-mlflow-'));
initRepo(dir);
const repo = openRepo(dir);
const ep = await serveMlflow({ repo });
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(ep.url);

function post(path, body) {
  const data = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `/api/2.0/mlflow/${path}`,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': data.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(Buffer.concat(chunks).toString())),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const run = JSON.parse(await post('runs/create', { experiment_id: '0', start_time: Date.now() }))
  .run.info.run_id;
const now = Date.now();
const times = [];
for (let b = 0; b < BATCHES; b++) {
  const metrics = Array.from({ length: 1000 }, (_, i) => ({
    key: `m${i % 50}`,
    value: Math.random(),
    timestamp: now,
    step: b * 20 + Math.floor(i / 50),
  }));
  const t0 = performance.now();
  await post('runs/log-batch', { run_id: run, metrics });
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const t1 = performance.now();
for (let i = 0; i < SINGLES; i++)
  await post('runs/log-metric', {
    run_id: run,
    key: 'loss',
    value: 1 / (i + 1),
    timestamp: Date.now(),
    step: i,
  });
const singles = (performance.now() - t1) / 1000;
console.log(
  `log-batch of 1,000 metrics: median ${median.toFixed(2)} ms over ${BATCHES} (target < 10 ms; ratio ${(median / 10).toFixed(2)})`,
);
console.log(
  `${SINGLES} single log-metric calls, one keep-alive client: ${singles.toFixed(3)} s (target < 1 s; MLflow #3010: 9 s before, 0.13 s after its fix; ratio to 0.13 s: ${(singles / 0.13).toFixed(2)}×)`,
);
agent.destroy();
await ep.close();
repo.close();
rmSync(dir, { recursive: true, force: true });
