// mlo serve against its ceiling and its peers, in one run, same client (wrk):
//
//   - a bare node:http server answering a fixed JSON body (the HTTP ceiling here)
//   - mlo serve with its defaults, and the variants the defaults were chosen from
//     (batching off, model worker threads, prediction logging on, MLflow's protocol)
//   - a Flask + pandas + scikit-learn server under gunicorn, doing what
//     `mlflow models serve` did up to MLflow 2.x (1 sync worker, its default; and 2)
//
// Single-row requests for a 10-feature logistic regression, 16 connections. Rounds
// alternate the servers so background load on a shared machine hits all alike; the
// median of each is reported, and ratios are medians of per-round ratios. Then an
// open-loop run at 1,000 req/s gives latency percentiles, with and without the
// prediction log (whose drop counter must stay 0).
//
//   npm run build:fast && node bench/serve.mjs [--seconds 3] [--rounds 3] [--quick]
//
// Needs wrk (apt-get install wrk). The Flask peer needs python3-flask, python3-pandas,
// python3-sklearn and gunicorn (apt-get install ...); without them it is skipped and
// the report says so.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, freshRepo, median, mlo as runMlo, MLO, ROOT } from './lib.mjs';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const QUICK = argv.includes('--quick');
const SECONDS = arg('seconds', QUICK ? 2 : 3);
const ROUNDS = arg('rounds', QUICK ? 1 : 3);
const CONNECTIONS = 16;

if (spawnSync('wrk', ['--version']).error) {
  console.error('wrk is not installed: apt-get install -y wrk');
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist/index.js'))) {
  console.error('build first: npm run build:fast');
  process.exit(2);
}

const api = await import(join(ROOT, 'dist/index.js'));
const F = 10;
const features = Array.from({ length: F }, (_, j) => `f${j}`);
const row = Object.fromEntries(features.map((f, j) => [f, Math.round((0.1 + j * 0.1) * 10) / 10]));
const bodies = {
  predict: JSON.stringify({ instances: [row] }),
  records: JSON.stringify({ dataframe_records: [row] }),
};

// ------------------------------------------------------------------ set-up
const repo = freshRepo();
const work = mkdtempSync(join(tmpdir(), 'mlo-serve-bench-'));
writeFileSync(
  join(repo, 'lr.onnx'),
  await api.buildLinearClassifier({
    coefficients: [Array.from({ length: F }, (_, j) => Math.sin(j + 1))],
    intercepts: [0.1],
  }),
);
runMlo(['model', 'register', 'm', 'lr.onnx', '--features', features.join(',')], {
  cwd: repo,
  noRss: true,
});

const luaFor = (name, body) => {
  const path = join(work, `${name}.lua`);
  writeFileSync(
    path,
    `wrk.method = "POST"\nwrk.body = '${body}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  return path;
};
const lua = {
  predict: luaFor('predict', bodies.predict),
  records: luaFor('records', bodies.records),
};

const children = [];
let nth = 0;
function startProcess(cmd, args, opts = {}) {
  // stderr to a file: a pipe would fill up (and stall the server) while spawnSync(wrk)
  // keeps this process from reading it
  const errPath = join(work, `server-${nth++}.err`);
  const child = spawn(cmd, args, {
    cwd: opts.cwd ?? repo,
    stdio: ['ignore', 'pipe', openSync(errPath, 'w')],
  });
  children.push(child);
  let out = '';
  const err = () => readFileSync(errPath, 'utf8');
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${cmd} did not start: ${err()}`)), 30_000);
    const poll = setInterval(() => {
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out) ?? (opts.url ? [null, opts.url] : null);
      if (m) {
        clearInterval(poll);
        clearTimeout(deadline);
        // listening is not serving: gunicorn's worker imports pandas and sklearn first
        waitUntilServing(m[1]).then(() => resolve({ child, url: m[1], stderr: err }), reject);
      }
      if (child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(deadline);
        reject(new Error(`${cmd} ${args.join(' ')} exited: ${err()}`));
      }
    }, 50);
  });
}

async function waitUntilServing(url) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/ping`)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered /ping`);
}

const mloServe = (extra) =>
  startProcess(process.execPath, [MLO, 'serve', 'm@1', '--port', '0', ...extra]);

const hasPeer =
  spawnSync('/usr/bin/python3', ['-c', 'import flask, pandas, sklearn'], { stdio: 'ignore' })
    .status === 0 && spawnSync('gunicorn', ['--version'], { stdio: 'ignore' }).status === 0;

let port = 18000 + Math.floor(Math.random() * 20000);
const gunicorn = (workers) => {
  const p = port++;
  return startProcess(
    'gunicorn',
    [
      '-w',
      String(workers),
      '-b',
      `127.0.0.1:${p}`,
      '--chdir',
      join(ROOT, 'bench'),
      'serve_flask_peer:app',
    ],
    { url: `http://127.0.0.1:${p}`, cwd: join(ROOT, 'bench') },
  );
};

const servers = [
  {
    key: 'bare',
    label: 'bare node:http (fixed JSON)',
    start: () => startProcess(process.execPath, [join(ROOT, 'bench/serve-bare.mjs')]),
    path: '/',
    lua: lua.predict,
  },
  {
    key: 'mlo',
    label: 'mlo serve (defaults)',
    start: () => mloServe([]),
    path: '/predict',
    lua: lua.predict,
  },
  {
    key: 'nobatch',
    label: 'mlo serve --max-batch 1 (no batching)',
    start: () => mloServe(['--max-batch', '1']),
    path: '/predict',
    lua: lua.predict,
  },
  {
    key: 'threads1',
    label: 'mlo serve --threads 1',
    start: () => mloServe(['--threads', '1']),
    path: '/predict',
    lua: lua.predict,
  },
  {
    key: 'threads2',
    label: 'mlo serve --threads 2',
    start: () => mloServe(['--threads', '2']),
    path: '/predict',
    lua: lua.predict,
  },
  {
    key: 'log',
    label: 'mlo serve --log-predictions',
    start: () => mloServe(['--log-predictions']),
    path: '/predict',
    lua: lua.predict,
  },
  {
    key: 'mlflowproto',
    label: 'mlo serve, /invocations dataframe_records',
    start: () => mloServe([]),
    path: '/invocations',
    lua: lua.records,
  },
];
if (hasPeer) {
  servers.push(
    {
      key: 'flask1',
      label: 'Flask+pandas+sklearn, gunicorn -w 1 (MLflow 2.x default)',
      start: () => gunicorn(1),
      path: '/invocations',
      lua: lua.records,
    },
    {
      key: 'flask2',
      label: 'Flask+pandas+sklearn, gunicorn -w 2',
      start: () => gunicorn(2),
      path: '/invocations',
      lua: lua.records,
    },
  );
}
if (QUICK)
  servers.splice(
    0,
    servers.length,
    ...servers.filter((s) => ['bare', 'mlo', 'log', 'flask1'].includes(s.key)),
  );
if (process.env.ONLY)
  servers.splice(
    0,
    servers.length,
    ...servers.filter((s) => process.env.ONLY.split(',').includes(s.key)),
  );

function wrk(url, luaPath, seconds) {
  const r = spawnSync(
    'wrk',
    ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', luaPath, url],
    {
      encoding: 'utf8',
    },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(r.stdout)?.[1];
  if (!(rps > 0)) console.error(`wrk against ${url} answered nothing:\n${r.stdout}${r.stderr}`);
  return { rps, non2xx, errors };
}

function load(url, args) {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'bench/serve-load.mjs'), '--url', url, ...args],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  if (r.status !== 0) throw new Error(`serve-load failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function metricValue(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

// ------------------------------------------------------------------ run
const fmt = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
try {
  for (const s of servers) s.proc = await s.start();
  console.log(
    `mlo serve bench · logistic regression, ${F} features, single-row requests · wrk -t2 -c${CONNECTIONS} · ${ROUNDS} round(s) of ${SECONDS}s per server, alternating`,
  );
  if (!hasPeer)
    console.log(
      'Flask peer skipped: needs python3-flask, python3-pandas, python3-sklearn and gunicorn',
    );
  for (const s of servers) {
    wrk(s.proc.url + s.path, s.lua, 1); // warm-up
    s.rps = [];
    s.bad = 0;
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of servers) {
      const w = wrk(s.proc.url + s.path, s.lua, SECONDS);
      s.rps.push(w.rps);
      s.bad += w.non2xx;
    }
  }
  const by = Object.fromEntries(servers.map((s) => [s.key, s]));
  const ratioOf = (a, b) => median(by[a].rps.map((v, i) => v / by[b].rps[i]));

  console.log(
    '\nserver                                                    req/s (median)   per round',
  );
  for (const s of servers) {
    console.log(
      `${s.label.padEnd(56)} ${fmt(median(s.rps)).padStart(10)}       ${s.rps.map(fmt).join(' / ')}${s.bad ? `   (${s.bad} non-2xx!)` : ''}`,
    );
  }

  // open loop at 1,000 req/s: latency, and the log's drop counter
  // the bare server is the control: what this machine's scheduling alone does to p99
  const openLoop = (url) =>
    load(url, ['--body', bodies.predict, '--rate', '1000', '--seconds', String(QUICK ? 5 : 10)]);
  const latBare = openLoop(`${by.bare.proc.url}/`);
  const lat = openLoop(`${by.mlo.proc.url}/predict`);
  const latLog = openLoop(`${by.log.proc.url}/predict`);
  await new Promise((r) => setTimeout(r, 500)); // one log flush interval
  const dropped = await metricValue(by.log.proc.url, 'mlo_serve_prediction_log_dropped_rows_total');
  const written = await metricValue(by.log.proc.url, 'mlo_serve_prediction_log_written_rows_total');

  console.log('\nopen loop, 1,000 req/s          p50 ms   p99 ms   p99.9 ms   answered');
  for (const [label, l] of [
    ['bare node:http (control)', latBare],
    ['mlo serve (defaults)', lat],
    ['mlo serve --log-predictions', latLog],
  ]) {
    console.log(
      `${label.padEnd(30)} ${String(l.latencyMs.p50).padStart(7)}  ${String(l.latencyMs.p99).padStart(7)}  ${String(l.latencyMs.p999).padStart(9)}   ${l.good.ok}/${l.good.sent}`,
    );
  }
  console.log(`prediction log after both runs: ${written} rows written, ${dropped} dropped`);

  console.log('\nratios (median of per-round ratios)                     target');
  const line = (label, v, target, ok) =>
    console.log(
      `${label.padEnd(56)} ${v.toFixed(2).padStart(6)}   ${target.padEnd(8)} ${ok ? 'ok' : 'MISSED'}`,
    );
  const vsBare = ratioOf('mlo', 'bare');
  line('mlo serve / bare node:http', vsBare, '>= 0.60', vsBare >= 0.6);
  if (hasPeer) {
    const vsFlask = ratioOf('mlo', 'flask1');
    line('mlo serve / Flask+gunicorn -w 1 (MLflow 2.x)', vsFlask, '>= 10', vsFlask >= 10);
    if (by.flask2) line('mlo serve / Flask+gunicorn -w 2', ratioOf('mlo', 'flask2'), '', true);
  }
  const logRatio = ratioOf('log', 'mlo');
  line('logging on / logging off', logRatio, '>= 0.90', logRatio >= 0.9);
  if (by.nobatch)
    line(
      'batching on (default) / --max-batch 1',
      ratioOf('mlo', 'nobatch'),
      '> 1',
      ratioOf('mlo', 'nobatch') > 1,
    );
  if (by.threads1) line('--threads 1 / inline (default)', ratioOf('threads1', 'mlo'), '', true);
  if (by.threads2) line('--threads 2 / inline (default)', ratioOf('threads2', 'mlo'), '', true);
  if (by.mlflowproto)
    line('mlo /invocations / mlo /predict', ratioOf('mlflowproto', 'mlo'), '', true);
  const mlflowFastApi = 3300;
  console.log(
    `mlo serve ${fmt(median(by.mlo.rps))} req/s here vs MLflow's FastAPI server, published at ~${fmt(mlflowFastApi)} req/s on an echo model (another machine): ${(median(by.mlo.rps) / mlflowFastApi).toFixed(1)}×`,
  );
  console.log(
    `p99 at 1,000 req/s: ${lat.latencyMs.p99} ms (target < 5) ${lat.latencyMs.p99 < 5 ? 'ok' : 'MISSED'} (bare control ${latBare.latencyMs.p99} ms); with logging ${latLog.latencyMs.p99} ms; log drops ${dropped} (target 0) ${dropped === 0 ? 'ok' : 'MISSED'}`,
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  cleanup(repo);
  cleanup(work);
}
