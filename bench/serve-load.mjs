// A small HTTP load generator for the serve benches: keep-alive connections to one URL,
// either open-loop at a fixed rate (latency measured from when each request was due,
// so a stall shows up in the percentiles instead of slowing the client down) or
// closed-loop with N connections (throughput). A share of requests can be malformed
// on purpose; each answer is checked: 200 for good requests, 4xx for bad ones.
//
//   node bench/serve-load.mjs --url http://127.0.0.1:8080/predict --body '{"instances":[...]}'
//        [--rate 1000 | --concurrency 16] [--seconds 10] [--bad-share 0.02] [--token T]
//
// Prints one JSON document: counts by status, latency percentiles (ms), and the
// well-formed requests left unanswered.
import http from 'node:http';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const url = new URL(opt('url'));
const goodBody = opt('body');
const rate = Number(opt('rate', 0));
const concurrency = Number(opt('concurrency', rate > 0 ? 64 : 16));
const seconds = Number(opt('seconds', 10));
const badShare = Number(opt('bad-share', 0));
const token = opt('token');

// Malformed requests a real client might send: each must get a 4xx, never a 5xx.
const bad = [
  { body: '{"instances": [{"f0": 1', type: 'application/json' }, // truncated JSON
  { body: '{"instances": [{"nope": 1}]}', type: 'application/json' }, // unknown feature
  { body: '{"instances": [{"f0": "x"}]}', type: 'application/json' }, // wrong type
  { body: '{"inputs": [[1, 2]]}', type: 'application/json' }, // wrong count
  { body: '[]', type: 'application/json' }, // not an object
  { body: '', type: 'application/json' }, // empty
  { body: goodBody, type: 'text/csv' }, // wrong media type
  { body: `{"inputs": [${'1,'.repeat(3_000_000)}1]}`, type: 'application/json' }, // over 4 MiB
  { body: '{"instances": []}', type: 'application/json' }, // no rows
  { body: '{"instances": [{"f0": 1e999}]}', type: 'application/json' }, // inf after parse
];

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const latencies = [];
const status = {};
let sent = 0;
let goodSent = 0;
let goodOk = 0;
let badSent = 0;
let badRejected = 0;
let errors = 0;
const errorKinds = {};
let inflight = 0;

function once(isBad, due) {
  const req = isBad
    ? bad[Math.floor(Math.random() * bad.length)]
    : { body: goodBody, type: 'application/json' };
  const headers = { 'content-type': req.type, 'content-length': Buffer.byteLength(req.body) };
  if (token) headers.authorization = `Bearer ${token}`;
  sent++;
  if (isBad) badSent++;
  else goodSent++;
  inflight++;
  return new Promise((resolve) => {
    let settled = false;
    const settle = () => {
      settled = true;
      inflight--;
      resolve();
    };
    const r = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (settled) return;
          const ms = performance.now() - due;
          status[res.statusCode] = (status[res.statusCode] ?? 0) + 1;
          if (!isBad) {
            if (res.statusCode === 200) goodOk++;
            latencies.push(ms);
          } else if (res.statusCode >= 400 && res.statusCode < 500) badRejected++;
          settle();
        });
      },
    );
    r.on('error', (err) => {
      // a 413 answered before the whole body was sent ends in a reset: the answer counts
      if (settled) return;
      errors++;
      errorKinds[err.code ?? err.message] = (errorKinds[err.code ?? err.message] ?? 0) + 1;
      settle();
    });
    r.end(req.body);
  });
}

const t0 = performance.now();
const end = t0 + seconds * 1000;
if (rate > 0) {
  // open loop: request k is due at t0 + k / rate
  let k = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (t0 + (k * 1000) / rate <= now && t0 + (k * 1000) / rate < end) {
        void once(Math.random() < badShare, t0 + (k * 1000) / rate);
        k++;
      }
      if (now >= end) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
} else {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await once(Math.random() < badShare, performance.now());
    }),
  );
}
// let the last answers arrive
const drainBy = performance.now() + 10_000;
while (inflight > 0 && performance.now() < drainBy) await new Promise((r) => setTimeout(r, 5));
const elapsed = (Math.min(performance.now(), end) - t0) / 1000;
agent.destroy();

latencies.sort((a, b) => a - b);
const pct = (p) =>
  latencies.length
    ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]
    : null;
const r3 = (v) => (v === null ? null : Math.round(v * 1000) / 1000);
console.log(
  JSON.stringify({
    mode: rate > 0 ? `open loop, ${rate} req/s` : `closed loop, ${concurrency} connections`,
    seconds: r3(elapsed),
    sent,
    answeredPerSecond: r3((sent - errors) / elapsed),
    status,
    good: { sent: goodSent, ok: goodOk, unanswered: goodSent - goodOk },
    bad: { sent: badSent, rejected4xx: badRejected },
    errors,
    errorKinds,
    fiveXX: Object.entries(status)
      .filter(([s]) => Number(s) >= 500)
      .reduce((n, [, c]) => n + c, 0),
    latencyMs: {
      p50: r3(pct(50)),
      p90: r3(pct(90)),
      p99: r3(pct(99)),
      p999: r3(pct(99.9)),
      max: r3(latencies.at(-1) ?? null),
    },
  }),
);
