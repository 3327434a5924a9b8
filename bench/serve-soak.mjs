// Reliability soak for mlo serve: sustained load for 60 s (closed loop, 16 connections)
// with 2% malformed requests mixed in (truncated JSON, unknown features, wrong types,
// wrong counts, wrong media type, bodies over the limit, empty bodies ...).
// Pass: zero 5xx, no crash (still answering, exits 0 on SIGTERM), every well-formed
// request answered, RSS growth after warm-up under 10%, and — with the prediction log
// on (the default here) — a lossless log: no row dropped, and after the server stops
// the store holds exactly one row per answered request (rows the server left in
// .mlo/spool at exit are drained by the count, as by any reader).
//
// --wrk drives the load with wrk instead (well-formed requests only, the highest
// throughput the server reaches); wrk does not count requests cut off at the end, so
// the log may hold up to one row per connection more than wrk's count.
//
//   npm run build:fast && node bench/serve-soak.mjs [--seconds 60] [--warmup 10] [--wrk] [-- extra serve flags]
//
// The throughput of logging on against logging off, interleaved in one run:
//   node bench/serve.mjs --only mlo,log --rounds 9 --no-latency
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freshRepo, mlo, MLO, ROOT } from './lib.mjs';

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 60);
const WARMUP = arg('warmup', 10);
const extra = argv.includes('--') ? argv.slice(argv.indexOf('--') + 1) : ['--log-predictions'];
const WRK = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length).includes('--wrk');
const CONNECTIONS = 16;
const logging = extra.includes('--log-predictions');

const api = await import(join(ROOT, 'dist/index.js'));
const repo = freshRepo();
const features = Array.from({ length: 10 }, (_, j) => `f${j}`);
writeFileSync(
  join(repo, 'lr.onnx'),
  await api.buildLinearClassifier({
    coefficients: [features.map((_, j) => Math.sin(j + 1))],
    intercepts: [0.1],
  }),
);
mlo(['model', 'register', 'm', 'lr.onnx', '--features', features.join(',')], {
  cwd: repo,
  noRss: true,
});

const server = spawn(process.execPath, [MLO, 'serve', 'm@1', '--port', '0', ...extra], {
  cwd: repo,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
let err = '';
server.stdout.on('data', (d) => (out += d));
server.stderr.on('data', (d) => (err += d));
const url = await new Promise((resolve, reject) => {
  const poll = setInterval(() => {
    const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
    if (m) {
      clearInterval(poll);
      resolve(m[1]);
    }
  }, 20);
  server.on('exit', (code) => reject(new Error(`mlo serve exited ${code}: ${err}`)));
});

const rssMb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const samples = [];
const gauges = [];
const gauge = (text, name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
const sampler = setInterval(() => {
  samples.push({ t: samples.length + 1, rss: rssMb() });
  if (samples.length % 5 === 0) {
    void fetch(`${url}/metrics`)
      .then((r) => r.text())
      .then((m) =>
        gauges.push({
          heap: gauge(m, 'nodejs_heap_size_used_bytes') / 2 ** 20,
          external: gauge(m, 'nodejs_external_memory_bytes') / 2 ** 20,
          queue: gauge(m, 'mlo_serve_prediction_log_queue_rows'),
        }),
      );
  }
}, 1000);

const body = JSON.stringify({
  instances: [Object.fromEntries(features.map((f, j) => [f, (j + 1) / 10]))],
});
/** wrk's "756.00us" / "42.10ms" / "1.20s" → milliseconds */
function wrkMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text ?? '');
  if (!m) return NaN;
  return Math.round(Number(m[1]) * { us: 1, ms: 1000, s: 1_000_000 }[m[2]]) / 1000;
}

let result;
if (WRK) {
  const lua = join(repo, 'post.lua');
  writeFileSync(
    lua,
    `wrk.method = "POST"\nwrk.body = '${body}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const w = await new Promise((resolve) => {
    const p = spawn(
      'wrk',
      ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', '-s', lua, `${url}/predict`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.on('exit', () => resolve(text));
  });
  const requests = Number(/(\d+) requests in/.exec(w)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(w)?.[1] ?? 0);
  result = {
    sent: requests,
    answeredPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(w)?.[1] ?? NaN),
    status: { 200: requests - non2xx, other: non2xx },
    errors: /Socket errors: (.*)/.exec(w)?.[1] ?? 0,
    errorKinds: {},
    fiveXX: non2xx,
    good: { sent: requests, ok: requests - non2xx, unanswered: 0 },
    bad: { sent: 0, rejected4xx: 0 },
    latencyMs: { p50: wrkMs(/50%\s+(\S+)/.exec(w)?.[1]), p99: wrkMs(/99%\s+(\S+)/.exec(w)?.[1]) },
  };
} else {
  const load = spawn(
    process.execPath,
    [
      join(ROOT, 'bench/serve-load.mjs'),
      '--url',
      `${url}/predict`,
      '--body',
      body,
      '--concurrency',
      String(CONNECTIONS),
      '--seconds',
      String(SECONDS),
      '--bad-share',
      '0.02',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let report = '';
  load.stdout.on('data', (d) => (report += d));
  await new Promise((r) => load.on('exit', r));
  result = JSON.parse(report);
}
clearInterval(sampler);

const alive = await fetch(`${url}/ping`).then(
  (r) => r.ok,
  () => false,
);
const metrics = await (await fetch(`${url}/metrics`)).text();
const endMs = Date.now();
server.kill('SIGTERM');
const exitCode = await new Promise((r) => server.on('exit', (code) => r(code)));
const stopMs = Date.now();

const warm = samples.find((s) => s.t >= WARMUP)?.rss ?? samples[0].rss;
const after = samples.filter((s) => s.t >= WARMUP).map((s) => s.rss);
const end = after.at(-1);
const peak = Math.max(...after);
const growth = (end - warm) / warm;
const counter = (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN);
const dropped = counter('mlo_serve_prediction_log_dropped_rows_total');
const spooled = counter('mlo_serve_prediction_log_spooled_rows_total');
const inSpool = counter('mlo_serve_prediction_log_spool_rows');
// what the store holds once every reader-side drain is done (countPredictions drains first)
let logged = NaN;
let drainMs = NaN;
if (logging) {
  const t0 = Date.now();
  const r = api.openRepo(repo);
  try {
    logged = api.countPredictions(r, { model: 'm@1' });
  } finally {
    r.close();
  }
  drainMs = Date.now() - t0;
}
const answered = result.good.ok;

console.log(
  `mlo serve soak: ${SECONDS}s, ${CONNECTIONS} connections, ${WRK ? 'wrk, well-formed only' : '2% malformed'}, serve flags: ${extra.join(' ') || '(none)'}`,
);
console.log(
  `requests: ${result.sent} (${Math.round(result.answeredPerSecond)}/s); status counts ${JSON.stringify(result.status)}; client errors ${result.errors} ${JSON.stringify(result.errorKinds)}`,
);
console.log(
  `well-formed: ${result.good.sent} sent, ${result.good.ok} answered 200, ${result.good.unanswered} unanswered`,
);
console.log(
  `malformed: ${result.bad.sent} sent, ${result.bad.rejected4xx} answered 4xx, ${result.bad.sent - result.bad.rejected4xx} cut off after an early 413`,
);
console.log(`latency (closed loop) p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms`);
console.log(
  `RSS: ${warm.toFixed(1)} MB after ${WARMUP}s warm-up → ${end.toFixed(1)} MB at the end (peak ${peak.toFixed(1)} MB): ${(growth * 100).toFixed(1)}% growth`,
);
console.log(
  `RSS every 5 s (MB): ${samples
    .filter((s) => s.t % 5 === 0)
    .map((s) => s.rss.toFixed(0))
    .join(' ')}`,
);
console.log(`JS heap used every 5 s (MB): ${gauges.map((g) => g.heap.toFixed(0)).join(' ')}`);
console.log(
  `external memory every 5 s (MB): ${gauges.map((g) => g.external.toFixed(0)).join(' ')}`,
);
console.log(`prediction log queue every 5 s (rows): ${gauges.map((g) => g.queue).join(' ')}`);
console.log(`prediction log drops under full load: ${dropped}`);
if (logging) {
  console.log(
    `prediction log: ${spooled} row(s) went through .mlo/spool during the load (${inSpool} in it at the end of the load); server stop: ${/stopped: .*prediction log: (.*)/.exec(out)?.[1] ?? '(no summary)'} (stopped ${((stopMs - endMs) / 1000).toFixed(1)} s after SIGTERM)`,
  );
  console.log(
    `logged rows in the store: ${logged} for ${answered} answered request(s)${WRK ? ' counted by wrk' : ''} (the reader's drain took ${drainMs} ms)`,
  );
}
const checks = [
  ['zero 5xx', result.fiveXX === 0],
  ['every well-formed request answered', result.good.unanswered === 0],
  ['still answering after the soak', alive],
  ['exit 0 on SIGTERM', exitCode === 0],
  ['RSS growth after warm-up < 10%', growth < 0.1],
];
if (logging) {
  checks.push(['no prediction log row dropped', dropped === 0]);
  checks.push([
    'one logged row per answered request',
    WRK ? logged >= answered && logged <= answered + CONNECTIONS : logged === answered,
  ]);
}
for (const [label, ok] of checks) console.log(`${ok ? 'ok    ' : 'FAILED'} ${label}`);
cleanup(repo);
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
