// Raw onnxruntime-node throughput on a small logistic regression, next to mlo's
// runModel on the same session: the baseline the eval and serve benches compare to.
// Also shows what the runtime does to the event loop and to idle CPU.
//
//   npm run build:fast && node bench/onnx-run.mjs [--seconds 1]
//
// Many short rounds alternate raw / mlo and the median is reported, so background
// load on a shared machine hits both sides alike.
import * as ort from 'onnxruntime-node';

const mlo = await import('../dist/index.js');
const secArg = process.argv.indexOf('--seconds');
const SECONDS = secArg > 0 ? Number(process.argv[secArg + 1]) : 1;
const ROUNDS = 9;
const F = 10;

const coefficients = [Array.from({ length: F }, (_, j) => Math.sin(j + 1))];
const bytes = await mlo.buildLinearClassifier({ coefficients, intercepts: [0.1] });

function features(rows) {
  const x = new Float32Array(rows * F);
  for (let i = 0; i < x.length; i++) x[i] = Math.cos(i);
  return x;
}

/** rows/s of `fn(batch)` run back to back for `seconds`. */
async function throughput(fn, batch, seconds = SECONDS) {
  for (let i = 0; i < 50; i++) await fn(batch); // warm-up
  let rows = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await fn(batch);
    rows += batch;
  }
  return rows / ((performance.now() - t0) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (v) => Math.round(v).toLocaleString('en-US').padStart(11);

// The same session serves both sides; mlo's defaults (1 thread, no spinning).
const session = await mlo.createSession(bytes);
const raw = session.ort;
const inputs = new Map([1, 256].map((b) => [b, features(b)]));
const rawRun = (b) => raw.run({ X: new ort.Tensor('float32', inputs.get(b), [b, F]) });
const mloRun = (b) => mlo.runModel(session, inputs.get(b), b, F);

console.log(
  `onnxruntime-node ${ort.env.versions?.node ?? ''} · logistic regression, ${F} features`,
);
console.log(`median of ${ROUNDS} alternating rounds of ${SECONDS / 4}s each\n`);
console.log('batch      raw ORT rows/s   mlo runModel rows/s   mlo / raw');
for (const batch of [1, 256]) {
  const r = [];
  const m = [];
  for (let i = 0; i < ROUNDS; i++) {
    r.push(await throughput(rawRun, batch, SECONDS / 4));
    m.push(await throughput(mloRun, batch, SECONDS / 4));
  }
  const [rm, mm] = [median(r), median(m)];
  console.log(
    `${String(batch).padStart(5)}   ${fmt(rm)}      ${fmt(mm)}          ${(mm / rm).toFixed(2)}`,
  );
}

// ORT's own defaults (threads = cores, spinning on) against mlo's, batch 256, plus the
// CPU time each burns: spinning shows up as CPU without extra rows.
console.log('\nsession options (batch 256)          rows/s   CPU s per wall s');
const variants = [
  ['mlo defaults (1 thread, no spin)', {}],
  ['2 intra-op threads, no spin', { intraOpThreads: 2 }],
  ['2 intra-op threads, spinning', { intraOpThreads: 2, spinning: true }],
];
for (const [label, opts] of variants) {
  const s = await mlo.createSession(bytes, opts);
  const run = (b) => s.ort.run({ X: new ort.Tensor('float32', inputs.get(b), [b, F]) });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const rate = await throughput(run, 256);
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6 / ((performance.now() - t0) / 1000);
  console.log(`${label.padEnd(34)} ${fmt(rate)}   ${cpu.toFixed(2)}`);
  await s.release();
}

// Request/idle pattern: one small batch, then 2 ms of idleness, like a quiet server.
// With spinning on, pool threads burn CPU through the idle gaps.
console.log('\nrequest/idle pattern (batch 64 + 2 ms idle), 2 intra-op threads: CPU s per wall s');
const big = new Float32Array(64 * 256).fill(0.5);
const g = new mlo.GraphBuilder();
g.input('X', 'float32', [null, 256]);
const W = g.initializer('W', {
  type: 'float32',
  dims: [256, 256],
  values: Float32Array.from({ length: 256 * 256 }, (_, i) => Math.sin(i)),
});
g.node('MatMul', ['X', W], ['Y']);
g.output('Y', 'float32', [null, 256]);
const mm = await g.toBytes();
for (const spinning of [true, false]) {
  const s = await mlo.createSession(mm, { intraOpThreads: 2, spinning });
  const t = new ort.Tensor('float32', big, [64, 256]);
  for (let i = 0; i < 20; i++) await s.ort.run({ X: t });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    await s.ort.run({ X: t });
    await new Promise((r) => setTimeout(r, 2));
  }
  const c = process.cpuUsage(c0);
  console.log(
    `  spinning ${spinning ? 'on ' : 'off'}: ${((c.user + c.system) / 1e6 / ((performance.now() - t0) / 1000)).toFixed(2)}`,
  );
  await s.release();
}

// session.run() computes on the JS thread: a 1 ms timer cannot fire during a run.
const slow = await mlo.createSession(
  await mlo.buildSlowModel({ nFeatures: F, matmuls: 6, size: 384 }),
);
const one = features(1);
await mlo.runModel(slow, one, 1, F);
let last = performance.now();
let worst = 0;
const timer = setInterval(() => {
  const now = performance.now();
  worst = Math.max(worst, now - last);
  last = now;
}, 1);
const t0 = performance.now();
for (let i = 0; i < 5; i++) await mlo.runModel(slow, one, 1, F);
const perRun = (performance.now() - t0) / 5;
clearInterval(timer);
console.log(
  `\nevent loop: a ${perRun.toFixed(1)} ms run delays a 1 ms timer by up to ${worst.toFixed(1)} ms (compute is on the JS thread)`,
);
await slow.release();
await session.release();
