// `mlo runs list` over 10,000 runs with 20 params and 20 metrics each: under 300 ms
// end to end (process start to exit), filter and sort included. Medians of 5,
// next to `node -e 0` and `mlo --version` measured in the same rounds.
// usage: node bench/runs-list.mjs [runs]
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, mlo, timed, workDir, ROOT, freshRepo } from './lib.mjs';

const runs = Number(process.argv[2] ?? 10_000);
const base = workDir('runs-list');
const marker = join(base, `seeded-${runs}`);
let repo;
if (existsSync(marker))
  repo = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(marker, 'utf8'))).repo;
else {
  repo = freshRepo(base);
  writeFileSync(
    join(repo, 'seed.mjs'),
    `import { openRepo, startRun } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
const repo = openRepo(process.cwd());
const models = ['rf', 'svm', 'lr', 'xgb'];
for (let r = 0; r < ${runs}; r++) {
  const params = { p0: models[r % 4] };
  for (let k = 1; k < 20; k++) params['p' + k] = String((r * k) % 17);
  const run = await startRun(repo, { name: 'run-' + r, experiment: 'exp' + (r % 3), params, tags: { team: 't' + (r % 5) }, git: false, attach: false });
  for (let k = 0; k < 20; k++) { run.logMetric('m' + k, Math.random(), 0); run.logMetric('m' + k, Math.random(), 1); }
  await run.end(r % 11 === 0 ? 'failed' : 'finished');
}
`,
  );
  const t = timed(process.execPath, ['seed.mjs'], { cwd: repo, noRss: true });
  console.log(`seeded ${runs} runs x 20 params x 20 metrics in ${(t.ms / 1000).toFixed(1)} s`);
  writeFileSync(marker, JSON.stringify({ repo }));
}

const filter =
  "metrics.m1 > 0.5 and (params.p0 in ('rf', 'svm') or tags.team = 't1') and status = 'finished'";
const cases = [
  ['table, newest 50', ['runs', 'list']],
  ['table, filter + sort', ['runs', 'list', '-f', filter, '-s', 'metrics.m2:desc']],
  [
    'table, filter + sort, all rows',
    ['runs', 'list', '-f', filter, '-s', 'metrics.m2:desc', '-l', '0'],
  ],
  ['--json, filter + sort', ['runs', 'list', '--json', '-f', filter, '-s', 'metrics.m2:desc']],
  ['--json, all runs', ['runs', 'list', '--json']],
];
const rounds = 5;
const t = { node: [], version: [] };
for (const [name] of cases) t[name] = [];
let matched = 0;
for (let i = 0; i < rounds; i++) {
  t.node.push(timed(process.execPath, ['-e', '0'], { noRss: true }).ms);
  t.version.push(mlo(['--version'], { noRss: true }).ms);
  for (const [name, args] of cases) {
    const r = mlo(args, { cwd: repo, noRss: true });
    t[name].push(r.ms);
    if (name === '--json, filter + sort') matched = JSON.parse(r.stdout).runs.length;
    if (name === '--json, all runs' && JSON.parse(r.stdout).runs.length !== runs)
      throw new Error('not every run listed');
  }
}
// once more, untimed, for the peak RSS: the document is written while it is built,
// so memory should stay near one piece of it, not the whole
const rss = mlo(['runs', 'list', '--json'], { cwd: repo }).rssMb;
console.log(
  `runs: ${runs} x 20 params x 20 metrics; filter matches ${matched}; medians of ${rounds}`,
);
console.log(`node -e 0                          : ${median(t.node).toFixed(0)} ms`);
console.log(`mlo --version                      : ${median(t.version).toFixed(0)} ms`);
for (const [name] of cases) {
  const ms = median(t[name]);
  console.log(
    `mlo runs list ${name.padEnd(22)}: ${ms.toFixed(0)} ms (target < 300 ms; ${(ms / median(t.node)).toFixed(1)}x node -e 0)`,
  );
}
if (rss !== undefined) console.log(`peak RSS of --json, all runs      : ${rss.toFixed(0)} MB`);
