// Shared by the server benches: a fast generator of finished runs straight into a
// store (batched inserts in big transactions, rows in key order, one reused buffer
// per series), and a server child process with a token.
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MLO } from './lib.mjs';

export const MODELS = ['rf', 'svm', 'lr', 'xgb'];
export const METRICS = ['loss', 'acc', 'auc', 'f1'];

/** A deterministic pseudo-random stream (xorshift32), so stores are alike between runs. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * Insert `runs` finished runs with 5 params, a tag and 4 metrics of `points / 4`
 * points each (one chunk per series, as a flush of a training loop writes them).
 * The store must exist (migrated); returns rows written per second.
 */
export function seedRuns(dbPath, { runs, points, seed = 1, experiments = 10, firstStartMs }) {
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const rand = rng(seed);
  const perSeries = Math.max(1, Math.floor(points / METRICS.length));
  const exp = [];
  const insertExp = db.prepare(
    `INSERT OR IGNORE INTO experiments (name, artifact_location, lifecycle, created_ms, updated_ms)
     VALUES (?, NULL, 'active', 0, 0)`,
  );
  for (let e = 0; e < experiments; e++) {
    insertExp.run(`exp${e}`);
    exp.push(db.prepare('SELECT id FROM experiments WHERE name = ?').pluck().get(`exp${e}`));
  }
  const insertRun = db.prepare(
    `INSERT INTO runs (id, name, experiment, experiment_id, status, start_ms, end_ms, host,
       exit_code, params_json, metrics_json, tags_json)
     VALUES (?, ?, ?, ?, 'finished', ?, ?, 'bench', 0, ?, ?, ?)`,
  );
  const param = db.prepare('INSERT INTO run_params (run, key, value, num) VALUES (?, ?, ?, ?)');
  const tag = db.prepare('INSERT INTO run_tags (run, key, value, num) VALUES (?, ?, ?, NULL)');
  const chunk = db.prepare(
    `INSERT INTO run_metric_chunks (run, key, chunk, n, max_step, steps, ts, vals)
     VALUES (?, ?, 0, ?, ?, ?, ?, ?)`,
  );
  const latest = db.prepare(
    'INSERT INTO run_latest_metrics (run, key, value, step, ts) VALUES (?, ?, ?, ?, ?)',
  );
  const steps = new Float64Array(perSeries);
  for (let i = 0; i < perSeries; i++) steps[i] = i;
  const stepsBlob = Buffer.from(steps.buffer);
  const ts = new Float64Array(perSeries);
  const vals = METRICS.map(() => new Float64Array(perSeries));
  const t0 = firstStartMs ?? Date.now() - runs * 1000;
  const started = performance.now();
  let rows = 0;
  const BATCH = 5000;
  for (let b = 0; b < runs; b += BATCH) {
    db.transaction(() => {
      for (let r = b; r < Math.min(runs, b + BATCH); r++) {
        const e = r % experiments;
        const model = MODELS[r % MODELS.length];
        const lr = (0.001 * (1 + (r % 100))).toFixed(3);
        const depth = String(2 + (r % 12));
        const params = { model, lr, depth, seed: String(r % 1000), batch: String(32 << (r % 4)) };
        const start = t0 + r * 1000;
        for (let i = 0; i < perSeries; i++) ts[i] = start + i;
        const latestVals = {};
        METRICS.forEach((key, m) => {
          const target = key === 'loss' ? 0.1 + rand() : rand();
          const v = vals[m];
          for (let i = 0; i < perSeries; i++) {
            v[i] = key === 'loss' ? target + 1 / (i + 1) : target * (1 - 1 / (i + 2));
          }
          latestVals[key] = v[perSeries - 1];
        });
        const seq = Number(
          insertRun.run(
            randomBytes(16).toString('hex'),
            `run-${r}`,
            `exp${e}`,
            exp[e],
            start,
            start + 600,
            JSON.stringify(params),
            JSON.stringify(latestVals),
            JSON.stringify({ team: `t${r % 5}` }),
          ).lastInsertRowid,
        );
        for (const [k, v] of Object.entries(params)) {
          const n = Number(v);
          param.run(seq, k, v, Number.isFinite(n) && v !== '' ? n : null);
        }
        tag.run(seq, 'team', `t${r % 5}`);
        rows += 7;
        METRICS.forEach((key, m) => {
          chunk.run(
            seq,
            key,
            perSeries,
            perSeries - 1,
            stepsBlob,
            Buffer.from(ts.buffer),
            Buffer.from(vals[m].buffer),
          );
          latest.run(seq, key, vals[m][perSeries - 1], perSeries - 1, ts[perSeries - 1]);
          rows += 2;
        });
      }
    })();
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const seconds = (performance.now() - started) / 1000;
  return { rows, seconds, points: runs * perSeries * METRICS.length };
}

/** `mlo server --store DIR --port 0` as a child; resolves with its URL. */
export function startServerProcess(store) {
  const child = spawn(process.execPath, [MLO, 'server', '--store', store, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /on (http:\/\/[^\s]+) \(/.exec(out);
      if (m)
        resolve({
          url: m[1],
          child,
          stop: () =>
            new Promise((r) => {
              child.once('exit', r);
              child.kill('SIGTERM');
            }),
        });
    });
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

export function makeToken(store, name, scope = 'write') {
  const r = spawnSync(
    process.execPath,
    [
      MLO,
      'server',
      'token',
      'create',
      '--store',
      store,
      '--name',
      name,
      '--scope',
      scope,
      '--json',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout).token;
}

export function initStore(store) {
  const r = spawnSync(process.execPath, [MLO, 'server', 'init', store], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}
