#!/usr/bin/env node
// `mlo features join` at scale: N entity rows × 5 views × 10 features over M feature
// rows (M/5 per view, Parquet, seeded; ties on event time and created times included;
// two views with a ttl). Runs the join with mlo's own engine and with DuckDB's ASOF
// JOIN (--engine duckdb) on the same data in the same run, through the built CLI
// (`npm run build:fast` first), and prints wall time, CPU time, peak RSS and the ratio.
// Both outputs are checked to hold the same values (the fixtures test semantics; this
// checks that the engines agree at scale).
//
//   node bench/features-join.mjs [--entities N] [--rows M] [--out csv|parquet] [--only js|duckdb]
//
// Targets (issue 17): 1,000,000 entity rows × 5 views × 10 features over 10,000,000
// feature rows in < 10 s with peak RSS < 2 GB (--entities 1000000 --rows 10000000).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freshRepo, mlo, ROOT, MLO } from './lib.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}
const N = Number(arg('entities', 100_000));
const M = Number(arg('rows', 1_000_000));
const outFormat = arg('out', 'parquet');
const only = arg('only', undefined);
const VIEWS = 5;
const FEATURES = 10;
const users = Math.max(10, Math.floor(N / 5));

/** Seeded data, written by DuckDB (the fastest Parquet writer at hand), cached in bench/out. */
async function generate(dir) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run('SELECT setseed(0.17)');
  const base = "TIMESTAMPTZ '2024-01-01 00:00:00+00'";
  const span = 90 * 86400;
  await con.run(
    `COPY (SELECT (random() * ${users})::BIGINT AS user_id,
       ${base} + to_seconds((random() * ${span})::BIGINT) AS event_timestamp,
       (random() < 0.3)::INT AS label
     FROM range(${N})) TO '${join(dir, 'entities.parquet')}' (FORMAT parquet)`,
  );
  for (let v = 0; v < VIEWS; v++) {
    const feats = Array.from(
      { length: FEATURES },
      (_, f) => `random() * ${f + 1} AS f${v}_${f}`,
    ).join(', ');
    // minutes, so equal event times per user happen; created a little later
    await con.run(
      `COPY (SELECT user_id, event_ts, event_ts + to_seconds((random() * 3600)::BIGINT) AS created_ts, ${feats}
       FROM (SELECT (random() * ${users})::BIGINT AS user_id,
               ${base} + to_minutes((random() * ${span / 60})::BIGINT) AS event_ts FROM range(${Math.floor(M / VIEWS)})))
       TO '${join(dir, `view${v}.parquet`)}' (FORMAT parquet)`,
    );
  }
  con.closeSync();
  db.closeSync();
}

function definitions() {
  const lines = [
    'features:',
    '  entities:',
    '    user: {join_keys: {user_id: int64}}',
    '  sources:',
  ];
  for (let v = 0; v < VIEWS; v++)
    lines.push(
      `    s${v}: {path: data/view${v}.parquet, timestamp: event_ts, created_timestamp: created_ts}`,
    );
  lines.push('  views:');
  for (let v = 0; v < VIEWS; v++) {
    lines.push(`    v${v}:`, '      entities: [user]', `      source: s${v}`);
    if (v < 2) lines.push('      ttl: 30d');
    lines.push(
      `      features: {${Array.from({ length: FEATURES }, (_, f) => `f${v}_${f}: float64`).join(', ')}}`,
    );
  }
  lines.push(
    '  services:',
    `    all: [${Array.from({ length: VIEWS }, (_, v) => `v${v}`).join(', ')}]`,
  );
  return lines.join('\n') + '\n';
}

function measure(args, cwd) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, MLO, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const last = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  if (r.status !== 0) throw new Error(`mlo ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { s: last[0], cpu: last[1] + last[2], rssMb: last[3] / 1024, stdout: r.stdout };
}

const cache = join(ROOT, 'bench/out', `features-${N}-${M}`);
if (!existsSync(join(cache, 'view0.parquet'))) {
  mkdirSync(cache, { recursive: true });
  process.stderr.write(`generating ${cache} ...\n`);
  await generate(cache);
}
const repo = freshRepo();
try {
  mkdirSync(join(repo, 'data'));
  spawnSync('cp', [
    '-r',
    ...Array.from({ length: VIEWS }, (_, v) => join(cache, `view${v}.parquet`)),
    join(repo, 'data/'),
  ]);
  spawnSync('cp', [join(cache, 'entities.parquet'), repo]);
  writeFileSync(join(repo, 'mlo.yaml'), definitions());
  mlo(['add', 'data'], { cwd: repo, noRss: true });
  mlo(['features', 'apply'], { cwd: repo, noRss: true });
  const results = {};
  for (const engine of ['js', 'duckdb']) {
    if (only && only !== engine) continue;
    const out = `train-${engine}.${outFormat}`;
    results[engine] = measure(
      [
        'features',
        'join',
        '--entities',
        'entities.parquet',
        '--features',
        'all',
        '--out',
        out,
        '--engine',
        engine,
        '--json',
      ],
      repo,
    );
  }
  console.log(
    `features join: ${N.toLocaleString('en-US')} entity rows × ${VIEWS} views × ${FEATURES} features over ` +
      `${M.toLocaleString('en-US')} feature rows (Parquet in, ${outFormat} out)`,
  );
  console.log('engine   wall s  cpu s  peak RSS MB  matched (v0..v4)');
  for (const [engine, r] of Object.entries(results)) {
    const j = JSON.parse(r.stdout);
    const matched = Object.values(j.matched)
      .map((m) => `${((m / j.rows) * 100).toFixed(1)}%`)
      .join(' ');
    console.log(
      `${engine.padEnd(8)} ${r.s.toFixed(2).padStart(6)} ${r.cpu.toFixed(2).padStart(6)} ${r.rssMb.toFixed(0).padStart(12)}  ${matched}`,
    );
  }
  if (results.js && results.duckdb) {
    console.log(
      `js / duckdb: wall ${(results.js.s / results.duckdb.s).toFixed(2)}, cpu ${(results.js.cpu / results.duckdb.cpu).toFixed(2)}, RSS ${(results.js.rssMb / results.duckdb.rssMb).toFixed(2)}`,
    );
    const a = JSON.parse(results.js.stdout).matched;
    const b = JSON.parse(results.duckdb.stdout).matched;
    console.log(
      `engines agree on matches: ${JSON.stringify(a) === JSON.stringify(b) ? 'yes' : `NO ${JSON.stringify(a)} vs ${JSON.stringify(b)}`}`,
    );
  }
  console.log(
    'targets at 1M × 10M: < 10 s, < 2048 MB; the machine was shared (indicative figures)',
  );
} finally {
  cleanup(repo);
}
