// Reliability soak for mlo serve: sustained load for 60 s (closed loop, 16 connections)
// with 2% malformed requests mixed in (truncated JSON, unknown features, wrong types,
// wrong counts, wrong media type, bodies over the limit, empty bodies ...).
// Pass: zero 5xx, no crash (still answering, exits 0 on SIGTERM), every well-formed
// request answered, RSS growth after warm-up under 10%.
//
//   npm run build:fast && node bench/serve-soak.mjs [--seconds 60] [--warmup 10] [-- extra serve flags]
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
          heap: gauge(m, 'mlo_serve_nodejs_heap_size_used_bytes') / 2 ** 20,
          external: gauge(m, 'mlo_serve_nodejs_external_memory_bytes') / 2 ** 20,
          queue: gauge(m, 'mlo_serve_prediction_log_queue_rows'),
        }),
      );
  }
}, 1000);

const body = JSON.stringify({
  instances: [Object.fromEntries(features.map((f, j) => [f, (j + 1) / 10]))],
});
const load = spawn(
  process.execPath,
  [
    join(ROOT, 'bench/serve-load.mjs'),
    '--url',
    `${url}/predict`,
    '--body',
    body,
    '--concurrency',
    '16',
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
clearInterval(sampler);
const result = JSON.parse(report);

const alive = await fetch(`${url}/ping`).then(
  (r) => r.ok,
  () => false,
);
const metrics = await (await fetch(`${url}/metrics`)).text();
server.kill('SIGTERM');
const exitCode = await new Promise((r) => server.on('exit', (code) => r(code)));

const warm = samples.find((s) => s.t >= WARMUP)?.rss ?? samples[0].rss;
const after = samples.filter((s) => s.t >= WARMUP).map((s) => s.rss);
const end = after.at(-1);
const peak = Math.max(...after);
const growth = (end - warm) / warm;
const dropped = Number(
  /^mlo_serve_prediction_log_dropped_rows_total (\S+)/m.exec(metrics)?.[1] ?? NaN,
);

console.log(
  `mlo serve soak: ${SECONDS}s, 16 connections, 2% malformed, serve flags: ${extra.join(' ') || '(none)'}`,
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
const checks = [
  ['zero 5xx', result.fiveXX === 0],
  ['every well-formed request answered', result.good.unanswered === 0],
  ['still answering after the soak', alive],
  ['exit 0 on SIGTERM', exitCode === 0],
  ['RSS growth after warm-up < 10%', growth < 0.1],
];
for (const [label, ok] of checks) console.log(`${ok ? 'ok    ' : 'FAILED'} ${label}`);
cleanup(repo);
process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1;
