/**
 * `mlo server` as a process: a push cut by kill -9 of the server loses nothing it
 * acknowledged and the retry completes; the npm MLflow client works against the hub
 * with a token; an unauthenticated request is answered without its body being read.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { openRepo } from '../../src/index.js';
import { finishRun, insertRun } from '../../src/store/index.js';
import {
  gitInit,
  mlo,
  mloAsync,
  parseJson,
  ROOT,
  tempDir,
  writeTree,
  type RunResult,
} from '../helpers/cli.js';
import { call, startHub } from '../helpers/hub.js';
import { startKillProxy } from '../helpers/kill-proxy.js';

function ok(r: RunResult, what = ''): RunResult {
  if (r.code !== 0)
    throw new Error(`${what} exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

function clone(url: string): string {
  const dir = tempDir('mlo-clone-');
  gitInit(dir);
  ok(mlo(['init'], { cwd: dir }));
  ok(mlo(['remote', 'add', 'team', url], { cwd: dir }));
  return dir;
}

/** Finished runs with a param and a series, written straight to the store (fast). */
function makeRuns(dir: string, n: number, points: number): void {
  const repo = openRepo(dir);
  try {
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      const seq = insertRun(repo.store, {
        id: randomBytes(16).toString('hex'),
        name: `run-${i}`,
        experiment: 'default',
        startMs: t0 + i,
        host: 'test',
      });
      const steps = Float64Array.from({ length: points }, (_, s) => s);
      finishRun(
        repo.store,
        seq,
        { status: 'finished', endMs: t0 + i + 1, exitCode: 0 },
        {
          params: [['i', String(i)]],
          series: [
            {
              key: 'loss',
              n: points,
              steps,
              ts: steps.map((s) => t0 + s),
              vals: steps.map((s) => 1 / (s + 1 + i)),
            },
          ],
        },
      );
    }
  } finally {
    repo.close();
  }
}

type RunList = {
  runs: { id: string; name: string; params: unknown; metrics: unknown; status: string }[];
};
const byId = (l: RunList): RunList['runs'] => [...l.runs].sort((a, b) => a.id.localeCompare(b.id));

describe.each(['answered', 'received'] as const)(
  'kill -9 of the server during a push (%s)',
  (when) => {
    it('loses nothing it acknowledged, and the retry completes', async () => {
      const hub = await startHub();
      const token = hub.token('alice', 'write');
      let killed = false;
      const proxy = await startKillProxy(
        hub.url,
        (method, path) => {
          if (killed || method !== 'POST' || path !== '/api/sync/push') return undefined;
          const pushes = proxy.seen.filter((s) => s === 'POST /api/sync/push').length;
          if (pushes < 2) return undefined;
          killed = true;
          return when;
        },
        () => hub.kill9(),
      );
      try {
        const a = clone(proxy.url);
        makeRuns(a, 1200, 20);
        // (asynchronously: the proxy runs in this process)
        const cut = await mloAsync(['push'], { cwd: a, env: { MLO_TOKEN: token } }).done;
        expect(killed).toBe(true);
        expect(cut.code).toBe(2);
        expect(cut.stderr).toMatch(/^error: cannot reach team/m);

        // what the client counts as pushed (its cursor moved past only acknowledged records)
        const client = new Database(join(a, '.mlo/mlo.db'), { readonly: true });
        const cursor = Number(
          client.prepare("SELECT value FROM sync_state WHERE key = 'pushed'").pluck().get() ?? 0,
        );
        const acked = client
          .prepare("SELECT key FROM sync_log WHERE kind = 'run' AND seq <= ?")
          .pluck()
          .all(cursor) as string[];
        client.close();
        expect(acked.length).toBeGreaterThan(0);
        expect(acked.length).toBeLessThan(1200);
        // the server, dead and not restarted: every acknowledged run is in its store
        const server = new Database(join(hub.dir, 'mlo.db'), { readonly: true });
        const held = new Set(server.prepare('SELECT id FROM runs').pluck().all() as string[]);
        server.close();
        expect(acked.filter((id) => !held.has(id))).toEqual([]);

        await hub.restart();
        ok(await mloAsync(['push'], { cwd: a, env: { MLO_TOKEN: token } }).done, 'retry');
        const b = clone(hub.url);
        ok(mlo(['pull'], { cwd: b, env: { MLO_TOKEN: token } }), 'pull');
        const list = (dir: string): RunList =>
          parseJson<RunList>(ok(mlo(['runs', 'list', '--json'], { cwd: dir })));
        const mine = byId(list(a));
        expect(mine).toHaveLength(1200);
        expect(byId(list(b))).toEqual(mine);
      } finally {
        await proxy.close();
      }
    });
  },
);

const CLIENT = join(ROOT, 'node_modules/mlflow/index.js');

const SCRIPT = `
const MLflow = require(${JSON.stringify(CLIENT)});
console.log = () => {}; // the client prints every POST body
const out = (x) => process.stderr.write('RESULT ' + JSON.stringify(x) + '\\n');
(async () => {
  const client = new MLflow({
    endpoint: process.env.MLFLOW_TRACKING_URI,
    headers: { Authorization: 'Bearer ' + process.env.MLFLOW_TRACKING_TOKEN },
  });
  const { Runs, Experiments } = client;
  let created;
  try {
    const { experiment_id } = await Experiments.create({ name: 'hub-exp' });
    const { run } = await Runs.create({ experiment_id, run_name: 'from-mlflow' });
    await Runs.logBatch({ run_id: run.info.run_id, metrics: [{ key: 'auc', value: 0.91, timestamp: Date.now(), step: 0 }],
      params: [{ key: 'depth', value: '3' }] });
    await Runs.update({ run_id: run.info.run_id, status: 'FINISHED', end_time: Date.now() });
    created = run.info.run_id;
  } catch (e) { created = 'refused: ' + e.message; }
  const search = await Runs.search({ experiment_ids: ['0', '1'], filter: "metrics.auc > 0.5" });
  out({ created, found: (search.runs || []).map((r) => r.info.run_id) });
})().catch((e) => { process.stderr.write('FAIL ' + e.message + '\\n'); process.exit(1); });
`;

describe('MLflow clients against the hub', () => {
  it("log with a write token (the run is the hub's, pulled into clones as a copy), read with a read token, are refused without one", async () => {
    const hub = await startHub();
    const writer = hub.token('notebook', 'write');
    const reader = hub.token('dashboard', 'read');
    const dir = tempDir('mlo-mlflow-');
    writeTree(dir, { 'client.cjs': SCRIPT });
    const run = (token: string): { created: string; found: string[] } => {
      const r = spawnSync(process.execPath, ['client.cjs'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, MLFLOW_TRACKING_URI: hub.url, MLFLOW_TRACKING_TOKEN: token },
      });
      const line = r.stderr.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`client failed: ${r.stderr}`);
      return JSON.parse(line.slice(7)) as { created: string; found: string[] };
    };
    const wrote = run(writer);
    expect(wrote.created).toMatch(/^[0-9a-f]{32}$/);
    expect(wrote.found).toEqual([wrote.created]);
    const read = run(reader);
    expect(read.created).toMatch(/^refused: /);
    expect(read.found).toEqual([wrote.created]);
    const none = spawnSync(
      'curl',
      [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `${hub.url}/api/2.0/mlflow/experiments/search`,
      ],
      { encoding: 'utf8' },
    );
    expect(none.stdout).toBe('401');

    const c = clone(hub.url);
    ok(mlo(['pull'], { cwd: c, env: { MLO_TOKEN: reader } }));
    const shown = parseJson<{
      id: string;
      metrics: Record<string, number>;
      params: Record<string, string>;
    }>(ok(mlo(['runs', 'show', wrote.created, '--json'], { cwd: c })));
    expect(shown).toMatchObject({ metrics: { auc: 0.91 }, params: { depth: '3' } });
    const change = mlo(['log', 'metric', 'x', '1', '--run', wrote.created], { cwd: c });
    expect(change.code).toBe(2);
    expect(change.stderr).toMatch(/read-only copy/);
  });
});

describe('unauthenticated requests', () => {
  it('are answered without reading their body, and the connection is closed', async () => {
    const hub = await startHub();
    const socket = connect(hub.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    // claims a 1 GB body and sends a little of it: the server must not wait for the rest
    socket.write(
      'POST /api/sync/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n',
    );
    socket.write('x'.repeat(64 * 1024));
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('not closed')), 5000)),
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.toLowerCase()).toContain('connection: close');

    // an authenticated request with too big a declared body: 413, refused before reading
    const token = hub.token('alice', 'write');
    const big = await fetch(`${hub.url}/api/predictions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': String(17 << 20),
      },
      body: 'x'.repeat(17 << 20),
    }).catch((err: unknown) => err as Error);
    if (!(big instanceof Error)) expect(big.status).toBe(413);
    expect((await call(hub, 'GET', '/api/health')).status).toBe(200);
  });
});
