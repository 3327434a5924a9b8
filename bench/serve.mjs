// mlo serve against its ceiling and its peers, in one run, same client (wrk):
//
//   - a bare node:http server answering a fixed JSON body (the HTTP ceiling here)
//   - mlo serve with its defaults, and the variants the defaults were chosen from
//     (batching off, model worker threads, prediction logging on, MLflow's protocol)
//   - a Flask + pandas + scikit-learn server under gunicorn, doing what
//     `mlflow models serve` did up to MLflow 2.x (1 sync worker, its default; and 2)
//
// Single-row requests for a 10-feature logistic regression, 16 connections. Every
// measurement sits between two of the bare server and counts as a share of their mean,
// so background load on a shared machine (which swings within seconds) cancels out;
// ratios are medians over rounds of those shares. Then an
// open-loop run at 1,000 req/s gives latency percentiles, with and without the
// prediction log (whose drop counter must stay 0).
//
//   npm run build:fast && node bench/serve.mjs [--seconds 2] [--rounds 5] [--quick]
//     [--only mlo,log] [--no-latency] [--baseline DIR] [--settle-ms 500]
//
// --only KEYS runs just those servers (keys: bare, mlo, log, nobatch, threads1,
// threads2, mlflowproto, flask1, flask2). Without bare, the first key is the
// reference every other measurement sits between (`--only mlo,log --rounds 9`
// alternates logging off and on directly). --no-latency skips the open-loop runs.
// --baseline DIR adds `mlobase` and `logbase`: the same two servers from another
// built checkout (e.g. `git archive main | tar -x -C DIR`, then build it there), to
// compare two versions in one run.
//
// Needs wrk (apt-get install wrk). The Flask peer needs python3-flask, python3-pandas,
// python3-sklearn and gunicorn (apt-get install ...); without them it is skipped and
// the report says so.
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
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
const SECONDS = arg('seconds', 2);
const ROUNDS = arg('rounds', QUICK ? 1 : 5);
const CONNECTIONS = 16;
const ONLY = (() => {
  const i = argv.indexOf('--only');
  const v = i >= 0 ? argv[i + 1] : process.env.ONLY;
  return v ? v.split(',') : null;
})();
const LATENCY = !argv.includes('--no-latency');
const SETTLE_MS = arg('settle-ms', 500);

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
      await getText(`${url}/ping`);
      return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered /ping`);
}

const mloServe = (extra, bin = MLO, cwd = repo) =>
  startProcess(process.execPath, [bin, 'serve', 'm@1', '--port', '0', ...extra], { cwd });
const BASELINE = (() => {
  const i = argv.indexOf('--baseline');
  return i >= 0 ? join(argv[i + 1], 'bin/mlo.js') : null;
})();
// the baseline's own repository, made by the baseline's mlo (its store schema may be older)
const baseRepo = (() => {
  if (!BASELINE) return null;
  const dir = mkdtempSync(join(tmpdir(), 'mlo-bench-base-'));
  spawnSync('git', ['init', '-q'], { cwd: dir });
  const base = (args) => {
    const r = spawnSync(process.execPath, [BASELINE, ...args], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`baseline mlo ${args.join(' ')}: ${r.stderr}`);
  };
  base(['init']);
  writeFileSync(join(dir, 'lr.onnx'), readFileSync(join(repo, 'lr.onnx')));
  base(['model', 'register', 'm', 'lr.onnx', '--features', features.join(',')]);
  return dir;
})();

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
    key: 'log',
    label: 'mlo serve --log-predictions',
    start: () => mloServe(['--log-predictions']),
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
    key: 'mlflowproto',
    label: 'mlo serve, /invocations dataframe_records',
    start: () => mloServe([]),
    path: '/invocations',
    lua: lua.records,
  },
];
if (BASELINE) {
  servers.push(
    {
      key: 'mlobase',
      label: 'baseline: mlo serve (defaults)',
      start: () => mloServe([], BASELINE, baseRepo),
      path: '/predict',
      lua: lua.predict,
    },
    {
      key: 'logbase',
      label: 'baseline: mlo serve --log-predictions',
      start: () => mloServe(['--log-predictions'], BASELINE, baseRepo),
      path: '/predict',
      lua: lua.predict,
    },
  );
}
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
// --baseline's servers stay beside whatever --only names
const KEEP = ONLY && BASELINE ? [...new Set([...ONLY, 'mlobase', 'logbase'])] : ONLY;
if (KEEP)
  servers.splice(
    0,
    servers.length,
    ...KEEP.map((key) => {
      const s = servers.find((x) => x.key === key);
      if (!s) throw new Error(`--only: no server "${key}"`);
      return s;
    }),
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
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(r.stdout)?.[1];
  if (!(rps > 0)) console.error(`wrk against ${url} answered nothing:\n${r.stdout}${r.stderr}`);
  return { rps, requests, non2xx, errors };
}

/** user + system CPU seconds of a process (all its threads) so far; Linux only (else NaN) */
function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Wait until the log server's queue is empty; how long that took (ms). */
async function drainLog(url) {
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, 250)); // past one flush interval
  while (performance.now() - t0 < 60_000) {
    if ((await metricValue(url, 'mlo_serve_prediction_log_queue_rows')) === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return performance.now() - t0;
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

/** GET on a fresh connection: this process sleeps in spawnSync between calls, so pooled sockets go stale. */
function getText(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/**
 * The answered requests' latency histogram (cumulative bucket counts by upper bound,
 * seconds): builds before issue 11 label it by route (every answer, /predict here),
 * later ones by model, version and role (answered predictions only).
 */
async function histogram(url) {
  const text = await getText(`${url}/metrics`);
  const byLe = new Map();
  for (const m of text.matchAll(/^mlo_serve_request_duration_seconds_bucket\{(.*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries(
      [...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (labels.route !== '/predict' && labels.role !== 'primary') continue;
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + Number(m[2]));
  }
  return [...byLe].sort((a, b) => a[0] - b[0]);
}

/** The q-quantile (ms) of what was observed between two histogram reads, interpolated in its bucket as Prometheus does. */
function quantile(before, after, q) {
  const counts = after.map(([le, c], i) => [le, c - (before[i]?.[1] ?? 0)]);
  const total = counts.at(-1)[1];
  const rank = q * total;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i][1] >= rank) {
      const [le, c] = counts[i];
      const [lo, cLo] = i === 0 ? [0, 0] : counts[i - 1];
      if (!Number.isFinite(le)) return lo * 1000;
      return (lo + ((le - lo) * (rank - cLo)) / Math.max(1, c - cLo)) * 1000;
    }
  }
  return NaN;
}

async function metricValue(url, name) {
  const text = await getText(`${url}/metrics`);
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
    s.rel = [];
    s.cpuPerRequest = [];
    s.drainMs = [];
    s.bad = 0;
  }
  // Background load on a shared machine swings within seconds: every measurement sits
  // between two of the reference server (bare, unless --only leaves it out), and
  // counts as a share of their mean.
  const bare = servers.find((s) => s.key === 'bare') ?? servers[0];
  const others = servers.filter((s) => s !== bare);
  // The log writer runs at low priority, so at saturation it falls behind and writes
  // its backlog later: each round waits for that backlog (so it is not charged to the
  // next server's round), and the server's CPU time over round + drain per answered
  // request shows what logging costs whatever the machine's background load.
  const measure = async (s) => {
    const cpu0 = processCpuSeconds(s.proc.child.pid);
    const w = wrk(s.proc.url + s.path, s.lua, SECONDS);
    if (s.key === 'log' || s.key === 'logbase') s.drainMs.push(await drainLog(s.proc.url));
    await new Promise((r) => setTimeout(r, SETTLE_MS)); // whatever the server does after a burst
    s.cpuPerRequest.push(((processCpuSeconds(s.proc.child.pid) - cpu0) * 1e6) / w.requests);
    s.rps.push(w.rps);
    s.bad += w.non2xx;
    return w.rps;
  };
  for (let r = 0; r < ROUNDS; r++) {
    let before = await measure(bare);
    for (const s of others) {
      const v = await measure(s);
      const after = await measure(bare);
      s.rel.push(v / ((before + after) / 2));
      before = after;
    }
  }
  const by = Object.fromEntries(servers.map((s) => [s.key, s]));
  const share = (key) => (by[key] === bare ? 1 : median(by[key].rel));
  const ratioOf = (a, b) => (by[a] && by[b] ? share(a) / share(b) : NaN);

  console.log(
    `\nserver                                                 req/s (median)  share of ${bare.key.padEnd(6)}per round`,
  );
  for (const s of servers) {
    console.log(
      `${s.label.padEnd(56)} ${fmt(median(s.rps)).padStart(8)}   ${s === bare ? '    —' : share(s.key).toFixed(3).padStart(8)}       ${s.rps.map(fmt).join(' / ')}${s.bad ? `   (${s.bad} non-2xx!)` : ''}`,
    );
  }
  console.log('\nserver CPU per answered request (all threads, round + log drain), median µs');
  for (const s of servers.filter((x) => !['bare', 'flask1', 'flask2'].includes(x.key))) {
    console.log(
      `${s.label.padEnd(56)} ${median(s.cpuPerRequest).toFixed(1).padStart(8)}   per round ${s.cpuPerRequest.map((v) => v.toFixed(1)).join(' / ')}`,
    );
  }
  if (by.log)
    console.log(
      `log backlog drained after each round in (ms): ${by.log.drainMs.map((v) => Math.round(v)).join(' / ')}`,
    );

  if (by.log) {
    await new Promise((r) => setTimeout(r, 500)); // one log flush interval
    const written = await metricValue(
      by.log.proc.url,
      'mlo_serve_prediction_log_written_rows_total',
    );
    const dropped = await metricValue(
      by.log.proc.url,
      'mlo_serve_prediction_log_dropped_rows_total',
    );
    console.log(
      `prediction log after the throughput rounds: ${written} rows written, ${dropped} dropped`,
    );
  }

  // ratios first: they need only the throughput rounds
  console.log(`\nratios (medians of shares of the adjacent ${bare.key} runs)    target`);
  const line = (label, v, target, ok) =>
    console.log(
      `${label.padEnd(56)} ${v.toFixed(2).padStart(6)}   ${target.padEnd(8)} ${ok ? 'ok' : 'MISSED'}`,
    );
  if (by.bare && by.mlo) {
    const vsBare = ratioOf('mlo', 'bare');
    line('mlo serve / bare node:http', vsBare, '>= 0.60', vsBare >= 0.6);
  }
  if (by.flask1 && by.mlo) {
    const vsFlask = ratioOf('mlo', 'flask1');
    line('mlo serve / Flask+gunicorn -w 1 (MLflow 2.x)', vsFlask, '>= 10', vsFlask >= 10);
    if (by.flask2) line('mlo serve / Flask+gunicorn -w 2', ratioOf('mlo', 'flask2'), '', true);
  }
  if (by.log && by.mlo) {
    const logRatio = ratioOf('log', 'mlo');
    line('logging on / logging off', logRatio, '>= 0.90', logRatio >= 0.9);
  }
  if (by.logbase && by.mlo) {
    line('baseline: logging on / this build logging off', ratioOf('logbase', 'mlo'), '', true);
    if (by.mlobase)
      line('baseline: logging on / logging off', ratioOf('logbase', 'mlobase'), '', true);
  }
  if (by.nobatch && by.mlo)
    line(
      'batching on (default) / --max-batch 1',
      ratioOf('mlo', 'nobatch'),
      '> 1',
      ratioOf('mlo', 'nobatch') > 1,
    );
  if (by.threads1 && by.mlo)
    line('--threads 1 / inline (default)', ratioOf('threads1', 'mlo'), '', true);
  if (by.threads2 && by.mlo)
    line('--threads 2 / inline (default)', ratioOf('threads2', 'mlo'), '', true);
  if (by.mlflowproto && by.mlo)
    line('mlo /invocations / mlo /predict', ratioOf('mlflowproto', 'mlo'), '', true);
  if (by.mlo) {
    const mlflowFastApi = 3300;
    console.log(
      `mlo serve ${fmt(median(by.mlo.rps))} req/s here vs MLflow's FastAPI server, published at ~${fmt(mlflowFastApi)} req/s on an echo model (another machine): ${(median(by.mlo.rps) / mlflowFastApi).toFixed(1)}×`,
    );
  }

  // open loop at 1,000 req/s: latency, and the log's drop counter
  // the bare server is the control: what this machine's scheduling alone does to p99
  // (rounds alternate the three; the run with the median p99 of each is reported)
  const openLoop = (url) =>
    load(url, ['--body', bodies.predict, '--rate', '1000', '--seconds', String(QUICK ? 4 : 6)]);
  const latencyKeys = LATENCY ? ['bare', 'mlo', 'log'].filter((k) => by[k]) : [];
  const runs = Object.fromEntries(latencyKeys.map((k) => [k, []]));
  const serverSide = [];
  for (let r = 0; latencyKeys.length > 0 && r < (QUICK ? 1 : 3); r++) {
    if (by.bare) runs.bare.push(openLoop(`${by.bare.proc.url}/`));
    if (by.mlo) {
      const before = await histogram(by.mlo.proc.url);
      runs.mlo.push(openLoop(`${by.mlo.proc.url}/predict`));
      serverSide.push(quantile(before, await histogram(by.mlo.proc.url), 0.99));
    }
    if (by.log) runs.log.push(openLoop(`${by.log.proc.url}/predict`));
  }
  if (latencyKeys.length > 0) {
    const medianRun = (xs) =>
      [...xs].sort((x, y) => x.latencyMs.p99 - y.latencyMs.p99)[Math.floor(xs.length / 2)];
    const labels = {
      bare: 'bare node:http (control)',
      mlo: 'mlo serve (defaults)',
      log: 'mlo serve --log-predictions',
    };
    console.log('\nopen loop, 1,000 req/s (median) p50 ms   p99 ms   p99.9 ms   answered');
    for (const k of latencyKeys) {
      const l = medianRun(runs[k]);
      console.log(
        `${labels[k].padEnd(30)} ${String(l.latencyMs.p50).padStart(7)}  ${String(l.latencyMs.p99).padStart(7)}  ${String(l.latencyMs.p999).padStart(9)}   ${l.good.ok}/${l.good.sent}   (p99 of each run: ${runs[k].map((x) => x.latencyMs.p99).join(' / ')})`,
      );
    }
    if (by.mlo) {
      const lat = medianRun(runs.mlo);
      console.log(
        `mlo serve's own p99 (request read → answer written, from its histogram): ${serverSide.map((v) => v.toFixed(2)).join(' / ')} ms`,
      );
      console.log(
        `p99 at 1,000 req/s: ${lat.latencyMs.p99} ms (target < 5) ${lat.latencyMs.p99 < 5 ? 'ok' : 'MISSED'}${by.bare ? ` (bare control ${medianRun(runs.bare).latencyMs.p99} ms)` : ''}; server-side ${median(serverSide).toFixed(2)} ms`,
      );
    }
    if (by.log) {
      await new Promise((r) => setTimeout(r, 500)); // one log flush interval
      const dropped = await metricValue(
        by.log.proc.url,
        'mlo_serve_prediction_log_dropped_rows_total',
      );
      const written = await metricValue(
        by.log.proc.url,
        'mlo_serve_prediction_log_written_rows_total',
      );
      console.log(
        `with logging: p99 ${medianRun(runs.log).latencyMs.p99} ms; prediction log after all runs: ${written} rows written, ${dropped} dropped (target 0 at 1,000 req/s) ${dropped === 0 ? 'ok' : 'MISSED'}`,
      );
    }
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  cleanup(repo);
  if (baseRepo) cleanup(baseRepo);
  cleanup(work);
}
