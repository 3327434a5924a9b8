// The UI's runs API over 100,000 runs × 20 params × 20 metrics (issue 15: a page in
// < 50 ms). Measured over HTTP on loopback against `serveUi` in this process, medians
// of 15; the reference in the same run is `mlo runs list --json -l 100` (the CLI's
// page of 100, process start included) and a bare SQLite count of the runs.
//   node bench/ui-api.mjs [runs]      (after npm run build:fast)
import { join } from 'node:path';
import { median, mlo, ROOT } from './lib.mjs';
import { seedUiStore } from './ui-gen.mjs';

const runs = Number(process.argv[2] ?? 100_000);
const dir = await seedUiStore(runs);
const { openRepo, serveUi } = await import(join(ROOT, 'dist/index.js'));
const repo = openRepo(dir);
let t0 = performance.now();
void repo.store; // opening applies migrations (014's indexes on a store seeded before it)
const openMs = performance.now() - t0;
const ui = await serveUi(repo, { port: 0 });
const base = ui.url.replace(/\/$/, '');

async function get(path) {
  const t = performance.now();
  const res = await fetch(base + path);
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t, body };
}

const cols = ['params.model', 'params.p3', 'metrics.m0', 'metrics.m1', 'metrics.m2', 'tags.team']
  .map((c) => `col=${encodeURIComponent(c)}`)
  .join('&');
const filter = encodeURIComponent(
  "metrics.m1 > 0.5 and (params.model in ('rf', 'svm') or tags.team = 't1') and status = 'finished'",
);
const q = (extra) => `/api/ui/runs?${cols}&limit=100${extra}`;

t0 = performance.now();
const first = await get(q(''));
console.log(
  `store open (migrations) ${openMs.toFixed(0)} ms; first page after start (columns loaded): ${first.ms.toFixed(0)} ms, total ${first.body.total}`,
);

const rounds = 15;
const cases = {
  'page, newest first (warm)': () => q(`&offset=${Math.floor(Math.random() * (runs - 100))}`),
  'filter + sort, new ordering': (i) => q(`&filter=${filter}&sort=metrics.m${2 + (i % 10)}:desc`),
  'filter + sort, next page': (i) =>
    q(`&filter=${filter}&sort=metrics.m${2 + (i % 10)}:desc&offset=100`),
  'group by sweep, sort by param': () => q('&group=sweep&sort=params.p3'),
  'column keys': () => '/api/ui/keys',
};
const times = {};
for (const name of Object.keys(cases)) times[name] = [];
for (let i = 0; i < rounds; i++) {
  for (const [name, path] of Object.entries(cases)) times[name].push((await get(path(i))).ms);
}
const ids = (
  await get(`/api/ui/runs?filter=${encodeURIComponent("experiment = 'curves'")}&limit=10`)
).body.rows.map((r) => r.id);
const series = [];
for (let i = 0; i < 5; i++) {
  series.push(
    (await get(`/api/ui/series?${ids.map((id) => `run=${id}`).join('&')}&key=m0&maxPoints=0`)).ms,
  );
}
const cli = [];
for (let i = 0; i < 5; i++)
  cli.push(mlo(['runs', 'list', '--json', '-l', '100'], { cwd: dir, noRss: true }).ms);

console.log(
  `runs: ${runs} x 20 params x 20 metrics; medians of ${rounds} (target: a page < 50 ms)`,
);
for (const [name, xs] of Object.entries(times))
  console.log(`  ${name.padEnd(32)}: ${median(xs).toFixed(1)} ms`);
console.log(`  ${'10 runs x 10,000 steps, raw'.padEnd(32)}: ${median(series).toFixed(1)} ms`);
console.log(
  `  reference: mlo runs list --json -l 100: ${median(cli).toFixed(0)} ms (process start included)`,
);
await ui.close();
repo.close();
