#!/usr/bin/env node
// The online side of the feature store, through the built CLI and library
// (`npm run build:fast` first), on seeded data: 5 views × 10 features, E entities each
// (two rows per entity in the source, Parquet).
//
// 1. materialize: one view (E entities) into the SQLite online store, then the other four;
// 2. online read in process: OnlineFeatures.get of 1 entity × 50 features (a service over
//    the 5 views), a random entity per read, in a child process: p50 / p99 / p99.9;
// 3. online read over HTTP: `mlo features serve`, Feast's POST /get-online-features, open
//    loop at --rate req/s (bench/serve-load.mjs): p50 / p99.
//
// Feast cannot be installed here (no PyPI); its published figures are printed for
// reference: Go feature server p99 3.9 ms for 250 features, Python server p99 7.2 ms for 50.
//
//   node bench/features-online.mjs [--entities E] [--reads N] [--rate R] [--seconds S] [--redis]
//
// Targets (issue 17): materialize 1M entities < 5 s; read of 1 entity × 50 features
// p99 < 1 ms in process, < 2 ms over HTTP at 1,000 req/s.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freshRepo, mlo, ROOT, MLO } from './lib.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}
const E = Number(arg('entities', 100_000));
const reads = Number(arg('reads', 20_000));
const rate = Number(arg('rate', 1000));
const seconds = Number(arg('seconds', 10));
const VIEWS = 5;
const FEATURES = 10;

async function generate(dir) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run('SELECT setseed(0.42)');
  for (let v = 0; v < VIEWS; v++) {
    const feats = Array.from(
      { length: FEATURES },
      (_, f) => `random() * ${f + 1} AS f${v}_${f}`,
    ).join(', ');
    await con.run(
      `COPY (SELECT (i % ${E})::BIGINT AS user_id,
         TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds((random() * 86400 * 30)::BIGINT) AS event_ts, ${feats}
       FROM range(${2 * E}) t(i)) TO '${join(dir, `view${v}.parquet`)}' (FORMAT parquet)`,
    );
  }
  con.closeSync();
  db.closeSync();
}

function definitions() {
  const l = ['features:', '  entities:', '    user: {join_keys: {user_id: int64}}', '  sources:'];
  for (let v = 0; v < VIEWS; v++)
    l.push(`    s${v}: {path: data/view${v}.parquet, timestamp: event_ts}`);
  l.push('  views:');
  for (let v = 0; v < VIEWS; v++) {
    l.push(`    v${v}:`, '      entities: [user]', `      source: s${v}`);
    l.push(
      `      features: {${Array.from({ length: FEATURES }, (_, f) => `f${v}_${f}: float64`).join(', ')}}`,
    );
  }
  l.push(
    '  services:',
    `    all: [${Array.from({ length: VIEWS }, (_, v) => `v${v}`).join(', ')}]`,
  );
  return l.join('\n') + '\n';
}

function timedCli(args, cwd) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, MLO, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (r.status !== 0) throw new Error(`mlo ${args.join(' ')}: ${r.stderr}`);
  const [wall, user, sys, rss] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, rssMb: rss / 1024 };
}

const cache = join(ROOT, 'bench/out', `features-online-${E}`);
if (!existsSync(join(cache, 'view0.parquet'))) {
  mkdirSync(cache, { recursive: true });
  process.stderr.write(`generating ${cache} ...\n`);
  await generate(cache);
}
const repo = freshRepo();
try {
  mkdirSync(join(repo, 'data'));
  for (let v = 0; v < VIEWS; v++)
    spawnSync('cp', [join(cache, `view${v}.parquet`), join(repo, 'data/')]);
  writeFileSync(join(repo, 'mlo.yaml'), definitions());
  mlo(['add', 'data'], { cwd: repo, noRss: true });
  mlo(['features', 'apply'], { cwd: repo, noRss: true });

  // an empty window first: the sources' hashes (recorded with every materialization)
  // are learned once, as in a repository where they were materialized before
  mlo(['features', 'materialize', '1970-01-01', '1970-01-02'], { cwd: repo, noRss: true });
  const one = timedCli(
    ['features', 'materialize', '--view', 'v0', '2024-01-01', '2024-12-31'],
    repo,
  );
  const rest = timedCli(
    [
      'features',
      'materialize',
      ...[1, 2, 3, 4].flatMap((v) => ['--view', `v${v}`]),
      '2024-01-01',
      '2024-12-31',
    ],
    repo,
  );
  console.log(
    `features online: ${VIEWS} views × ${FEATURES} features, ${E.toLocaleString('en-US')} entities each (${(2 * E).toLocaleString('en-US')} source rows per view)`,
  );
  console.log(
    `materialize 1 view (${E.toLocaleString('en-US')} entities): ${one.wall.toFixed(2)} s wall, ${one.cpu.toFixed(2)} s cpu, ${one.rssMb.toFixed(0)} MB peak RSS (target at 1M: < 5 s)`,
  );
  console.log(
    `materialize 4 more views: ${rest.wall.toFixed(2)} s wall, ${rest.cpu.toFixed(2)} s cpu`,
  );

  // in process, in a child so nothing of this script runs beside it
  const child = `
    const { openRepo, OnlineFeatures } = await import(${JSON.stringify(join(ROOT, 'dist/index.js'))});
    const repo = openRepo(${JSON.stringify(repo)});
    const online = await OnlineFeatures.open(repo);
    const ask = (id) => online.get({ entities: { user_id: [id] }, featureService: 'all' });
    for (let i = 0; i < 2000; i++) await ask(i % ${E});
    const t = new Float64Array(${reads});
    let present = 0;
    for (let i = 0; i < ${reads}; i++) {
      const id = Math.floor(Math.random() * ${E});
      const t0 = process.hrtime.bigint();
      const r = await ask(id);
      t[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.results[1].statuses[0] === 'PRESENT') present++;
    }
    t.sort();
    const q = (p) => t[Math.min(t.length - 1, Math.floor(p * t.length))];
    console.log(JSON.stringify({ p50: q(0.5), p99: q(0.99), p999: q(0.999), present, names: (await ask(1)).metadata.feature_names.length }));
    await online.close();
  `;
  const inproc = spawnSync(process.execPath, ['--input-type=module', '-e', child], {
    encoding: 'utf8',
  });
  if (inproc.status !== 0) throw new Error(inproc.stderr);
  const ip = JSON.parse(inproc.stdout);
  console.log(
    `read in process, 1 entity × ${ip.names - 1} features, ${reads.toLocaleString('en-US')} reads: p50 ${ip.p50.toFixed(3)} ms, p99 ${ip.p99.toFixed(3)} ms, p99.9 ${ip.p999.toFixed(3)} ms (target p99 < 1 ms); ${ip.present} present`,
  );

  const server = spawn(process.execPath, [MLO, 'features', 'serve', '--port', '0'], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d) => {
        out += d;
        const m = /on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      server.once('exit', () => reject(new Error(`server exited: ${out}`)));
    });
    const body = JSON.stringify({
      feature_service: 'all',
      entities: { user_id: [Math.floor(E / 3)] },
    });
    const load = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bench/serve-load.mjs'),
        '--url',
        `${url}/get-online-features`,
        '--body',
        body,
        '--rate',
        String(rate),
        '--seconds',
        String(seconds),
      ],
      { encoding: 'utf8' },
    );
    if (load.status !== 0) throw new Error(load.stderr);
    const l = JSON.parse(load.stdout);
    console.log(
      `read over HTTP at ${rate} req/s for ${seconds} s: ${JSON.stringify(l.latencyMs ?? l.latency ?? l)}`,
    );
  } finally {
    server.kill('SIGTERM');
  }
  console.log(
    'Feast (published, not measured here): Go server p99 3.9 ms for 250 features; Python server p99 7.2 ms for 50.',
  );
  console.log('the machine was shared: figures are indicative');
} finally {
  cleanup(repo);
}
