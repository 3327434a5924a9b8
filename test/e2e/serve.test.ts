/**
 * `mlo serve` as users run it: the built CLI in a fresh repository, model worker
 * threads and the log writer thread from the bundle, signals, other mlo processes
 * moving aliases while it serves.
 */
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildFailingModel,
  buildLinearClassifier,
  buildLinearRegressor,
  buildSlowModel,
  openRepo,
  readPredictions,
} from '../../src/index.js';
import { makeRepo, mlo, ROOT } from '../helpers/cli.js';
import { heldRequest, waitUntil } from '../helpers/held-request.js';
import { startServe } from '../helpers/serve-cli.js';
import { metric } from '../unit/serve/helpers.js';

const FEATURES = 'age,tenure,spend';
const W1 = { w: [0.5, -1.25, 2], b: 0.25 };

const p1 = (x: number[]): number =>
  1 / (1 + Math.exp(-x.reduce((s, v, j) => s + v * W1.w[j], W1.b)));

async function churnRepo(): Promise<string> {
  const dir = makeRepo();
  writeFileSync(
    join(dir, 'v1.onnx'),
    await buildLinearClassifier({ coefficients: [W1.w], intercepts: [W1.b] }),
  );
  writeFileSync(
    join(dir, 'v2.onnx'),
    await buildLinearClassifier({ coefficients: [W1.w.map((v) => -v)], intercepts: [-W1.b] }),
  );
  writeFileSync(
    join(dir, 'slow.onnx'),
    await buildSlowModel({ nFeatures: 3, matmuls: 60, size: 256 }),
  );
  writeFileSync(join(dir, 'broken.onnx'), await buildFailingModel({ nFeatures: 3 }));
  for (const [name, file] of [
    ['churn', 'v1.onnx'],
    ['churn', 'v2.onnx'],
    ['churn', 'slow.onnx'],
    ['broken', 'broken.onnx'],
  ]) {
    const r = mlo(['model', 'register', name, file, '--features', FEATURES], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  }
  return dir;
}

interface PredictBody {
  predictions: number[];
  probabilities: number[][];
}

interface LoadReport {
  fiveXX: number;
  errors: number;
  good: { sent: number; ok: number; unanswered: number };
  bad: { sent: number; rejected4xx: number };
}

async function predict(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; version: string | null; body: PredictBody }> {
  const res = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    version: res.headers.get('x-model-version'),
    body: (await res.json()) as PredictBody,
  };
}

describe('mlo serve (built CLI)', () => {
  it('serves on worker threads with a failing shadow on its own thread; SIGTERM stops it cleanly with the log flushed', async () => {
    const dir = await churnRepo();
    const s = await startServe(dir, [
      'churn@1',
      '--threads',
      '1',
      '--shadow',
      'broken',
      '--log-predictions',
    ]);
    for (let i = 0; i < 10; i++) {
      const x = [i, 1 - i, i / 4];
      const r = await predict(s.url, { inputs: [x] }, { 'x-request-id': `r${i}` });
      expect(r.status).toBe(200);
      expect(r.version).toBe('1');
      expect(r.body.probabilities[0][1]).toBeCloseTo(p1(x), 5);
    }
    s.child.kill('SIGTERM');
    const end = await s.done;
    expect(end.code, end.stderr).toBe(0);
    expect(end.stdout).toMatch(
      /stopped: 10 request\(s\) answered.*prediction log: 10 row\(s\) written, 0 dropped/,
    );
    expect(end.stderr).toMatch(/shadow broken@1 failed/);
    const repo = openRepo(dir);
    try {
      const rows = readPredictions(repo, { model: 'churn@1' });
      expect(rows.map((r) => r.requestId)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
      expect(rows[3].inputs).toEqual({ age: 3, tenure: -2, spend: 0.75 });
    } finally {
      repo.close();
    }
  });

  it('kill -9 while the store is locked: the spooled rows survive; the next mlo serve writes them first', async () => {
    const dir = await churnRepo();
    const s = await startServe(dir, ['churn@1', '--log-predictions']);
    // another process holds the store's write lock: the writer cannot write
    const lock = new Database(join(dir, '.mlo/mlo.db'));
    lock.exec('BEGIN IMMEDIATE');
    let answered = 0;
    try {
      for (let i = 0; i < 200; i += 20) {
        const replies = await Promise.all(
          Array.from({ length: 20 }, (_, k) =>
            predict(s.url, { inputs: [[i + k, 0, 1]] }, { 'x-request-id': `k${i + k}` }),
          ),
        );
        answered += replies.filter((r) => r.status === 200).length;
      }
      expect(answered).toBe(200);
      // past the writer's lock wait: its batch and every later one are in the spool
      let spooled = 0;
      for (let i = 0; i < 100 && spooled < 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const text = await (await fetch(`${s.url}/metrics`)).text();
        spooled = Number(/^mlo_serve_prediction_log_spooled_rows_total (\S+)/m.exec(text)?.[1]);
      }
      expect(spooled).toBe(200);
      s.child.kill('SIGKILL');
      await s.done;
    } finally {
      lock.exec('COMMIT');
      lock.close();
    }
    const spoolDir = join(dir, '.mlo/spool');
    expect(readdirSync(spoolDir).length).toBeGreaterThan(0);
    // the next server drains what the dead one left, before anything else
    const next = await startServe(dir, ['churn@1', '--log-predictions']);
    next.child.kill('SIGTERM');
    const end = await next.done;
    expect(end.code, end.stderr).toBe(0);
    expect(end.stderr).toContain(
      'prediction log: wrote 200 row(s) an earlier server had left in .mlo/spool',
    );
    expect(readdirSync(spoolDir)).toEqual([]);
    const repo = openRepo(dir);
    try {
      const rows = readPredictions(repo, { model: 'churn@1' });
      expect(rows.map((r) => r.requestId).sort()).toEqual(
        Array.from({ length: 200 }, (_, i) => `k${i}`).sort(),
      );
    } finally {
      repo.close();
    }
  }, 120_000);

  it('a reader (drift check) drains what a killed server left in the spool', async () => {
    const dir = await churnRepo();
    const train = [
      'age,tenure,spend',
      ...Array.from({ length: 100 }, (_, i) => `${i % 10},${i % 7},${i % 3}`),
    ];
    writeFileSync(join(dir, 'train.csv'), train.join('\n') + '\n');
    expect(
      mlo(['baseline', 'create', 'b', '--data', 'train.csv', '--model', 'churn@1'], { cwd: dir })
        .code,
    ).toBe(0);
    const s = await startServe(dir, ['churn@1', '--log-predictions', '--log-queue-rows', '1']);
    const lock = new Database(join(dir, '.mlo/mlo.db'));
    lock.exec('BEGIN IMMEDIATE');
    try {
      for (let i = 0; i < 60; i++) {
        expect((await predict(s.url, { inputs: [[i % 10, i % 7, i % 3]] })).status).toBe(200);
      }
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const text = await (await fetch(`${s.url}/metrics`)).text();
        if (Number(/^mlo_serve_prediction_log_spooled_rows_total (\S+)/m.exec(text)?.[1]) === 60)
          break;
      }
      s.child.kill('SIGKILL');
      await s.done;
    } finally {
      lock.exec('COMMIT');
      lock.close();
    }
    const r = mlo(['drift', 'check', '--model', 'churn@1', '--predictions', '--json'], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { current: { rows: number } }).current.rows).toBe(60);
  }, 120_000);

  it('picks up an alias moved by another mlo process; the request in flight finishes on the old version', async () => {
    const dir = await churnRepo();
    expect(mlo(['model', 'alias', 'set', 'churn', 'champion', '3'], { cwd: dir }).code).toBe(0);
    const s = await startServe(dir, ['churn@champion', '--threads', '1']);
    const ran = async (): Promise<number> =>
      metric(await (await fetch(`${s.url}/metrics`)).text(), 'mlo_serve_queue_wait_seconds_count', {
        model: 'churn',
        version: '3',
        role: 'primary',
      }) || 0;
    const before = await ran();
    const slow = predict(s.url, { inputs: [[1, 2, 3]] });
    // its run has begun on version 3 (it left the queue) before the alias moves
    await waitUntil('the slow request to start on churn@3', async () => (await ran()) > before);
    expect(mlo(['model', 'alias', 'set', 'churn', 'champion', '1'], { cwd: dir }).code).toBe(0);
    let version: string | null = null;
    for (let i = 0; i < 300 && version !== '1'; i++) {
      const r = await predict(s.url, { inputs: [[1, 2, 3]] });
      expect(r.status).toBe(200);
      version = r.version;
      if (version !== '1') await new Promise((res) => setTimeout(res, 20));
    }
    expect(version).toBe('1');
    const first = await slow;
    expect(first.status).toBe(200);
    expect(first.version).toBe('3');
    expect(first.body.predictions).toEqual([6]);
    s.child.kill('SIGTERM');
    const end = await s.done;
    expect(end.code).toBe(0);
    expect(end.stderr).toContain('churn@champion moved: churn@3 → churn@1 (main)');
  });

  it('on SIGTERM answers what is in flight, then exits 0', async () => {
    const dir = await churnRepo();
    const s = await startServe(dir, ['churn@3', '--threads', '2']);
    // four requests the server has taken but cannot answer yet: their last byte is held
    const held = [1, 2, 3, 4].map((i) => heldRequest(`${s.url}/predict`, { inputs: [[i, 0, 0]] }));
    const inflight = async (): Promise<number> => {
      const m = await (await fetch(`${s.url}/metrics`)).text();
      return Number(/^mlo_serve_inflight_requests (\S+)$/m.exec(m)?.[1]);
    };
    // the scrape counts itself: five
    await waitUntil('4 requests in flight', async () => (await inflight()) === 5);
    let stderr = '';
    s.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    s.child.kill('SIGTERM');
    await waitUntil('the SIGTERM notice', () =>
      stderr.includes('SIGTERM: finishing requests in flight'),
    );
    const answers = await Promise.all(held.map((h) => h.finish()));
    expect(answers.map((a) => [a.status, (a.body as PredictBody).predictions[0]])).toEqual([
      [200, 1],
      [200, 2],
      [200, 3],
      [200, 4],
    ]);
    const end = await s.done;
    expect(end.code, end.stderr).toBe(0);
    expect(end.stdout).toMatch(/stopped: \d+ request\(s\) answered, 4 of them during shutdown/);
  });

  it('--token-env: the token comes from the environment; without it, 401', async () => {
    const dir = await churnRepo();
    const missing = mlo(['serve', 'churn', '--token-env', 'MLO_TEST_TOKEN', '--port', '0'], {
      cwd: dir,
      env: { MLO_TEST_TOKEN: undefined },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'error: --token-env MLO_TEST_TOKEN: that environment variable is not set or empty',
    );
    const s = await startServe(dir, ['churn@1', '--token-env', 'MLO_TEST_TOKEN'], {
      MLO_TEST_TOKEN: 'tok-123',
    });
    expect((await predict(s.url, { inputs: [[1, 2, 3]] })).status).toBe(401);
    expect(
      (await predict(s.url, { inputs: [[1, 2, 3]] }, { authorization: 'Bearer tok-123' })).status,
    ).toBe(200);
    s.child.kill('SIGINT');
    expect((await s.done).code).toBe(0);
  });

  it('--token-env: 10,000 distinct unauthenticated paths add no metric series and leave RSS bounded', async () => {
    const dir = await churnRepo();
    const s = await startServe(dir, ['churn@1', '--token-env', 'MLO_TEST_TOKEN'], {
      MLO_TEST_TOKEN: 'tok-123',
    });
    const auth = { authorization: 'Bearer tok-123' };
    const rssMb = (): number =>
      Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${s.child.pid}/status`, 'utf8'))![1]) /
      1024;
    const series = async (): Promise<string[]> => {
      const res = await fetch(`${s.url}/metrics`, { headers: auth });
      expect(res.status).toBe(200);
      return (await res.text())
        .split('\n')
        .filter((l) => /^mlo_serve_request/.test(l))
        .sort();
    };
    // long, distinct paths of every shape: plain, under /v2/models/, with a query
    const pathOf = (i: number): string => {
      const junk = `${i}-${'x'.repeat(2000)}`;
      const shapes = [
        `/${junk}`,
        `/v2/models/${junk}/infer`,
        `/v2/models/m/versions/${i}/${junk}`,
        `/predict/${junk}?q=${i}`,
      ];
      return shapes[i % shapes.length];
    };
    const hammer = async (from: number, to: number): Promise<number[]> => {
      const statuses = new Set<number>();
      let next = from;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < to) {
            const i = next++;
            const res = await fetch(`${s.url}${pathOf(i)}`, { method: i % 2 ? 'POST' : 'GET' });
            statuses.add(res.status);
            await res.arrayBuffer();
          }
        }),
      );
      return [...statuses];
    };
    await hammer(0, 200);
    await series();
    const before = await series();
    const rssBefore = rssMb();
    expect(await hammer(200, 10_200)).toEqual([401]);
    const after = await series();
    expect(after).toHaveLength(before.length);
    expect(after.filter((l) => l.includes('xxxx'))).toEqual([]);
    // the 401s are counted under the fixed label, not one series per path
    expect(after.some((l) => /route="unmatched".*status="401"/.test(l))).toBe(true);
    expect(rssMb() - rssBefore).toBeLessThan(40);
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
  }, 120_000);

  it('serves int64, bool, double and int32 inputs in /predict, V2 and /invocations; logs them; drift reads the log', async () => {
    const dir = makeRepo();
    const CW = [0.05, -1.5, 0.75, -0.25];
    const B = -0.5;
    const prob = (x: number[]): number =>
      1 / (1 + Math.exp(-(x.reduce((s, v, j) => s + v * CW[j], 0) + B)));
    const rows: number[][] = [];
    for (let i = 0; i < 300; i++) {
      rows.push([
        18 + ((i * 37) % 60),
        i % 3 === 0 ? 1 : 0,
        ((i * 7919) % 800) / 100 - 4,
        (i * 13) % 9,
      ]);
    }
    writeFileSync(
      join(dir, 'mixed.onnx'),
      await buildLinearClassifier({
        coefficients: [CW],
        intercepts: [B],
        columns: [
          { name: 'age', type: 'int64' },
          { name: 'member', type: 'bool' },
          { name: 'income', type: 'float64' },
          { name: 'visits', type: 'int32' },
        ],
      }),
    );
    writeFileSync(
      join(dir, 'train.csv'),
      [
        'age,member,income,visits,churned',
        ...rows.map(
          (r) => `${r[0]},${r[1] ? 'true' : 'false'},${r[2]},${r[3]},${prob(r) >= 0.5 ? 1 : 0}`,
        ),
      ].join('\n') + '\n',
    );
    // one int64 matrix input: X [N, 3]
    writeFileSync(
      join(dir, 'ints.onnx'),
      await buildLinearRegressor({ coefficients: [2, -3, 0.5], intercept: 1, inputType: 'int64' }),
    );
    const reg = mlo(
      [
        'model',
        'register',
        'mixed',
        'mixed.onnx',
        '--baseline-data',
        'train.csv',
        '--target',
        'churned',
      ],
      { cwd: dir },
    );
    expect(reg.code, reg.stderr).toBe(0);
    expect(
      mlo(['model', 'register', 'ints', 'ints.onnx', '--features', 'a,b,c'], { cwd: dir }).code,
    ).toBe(0);

    const s = await startServe(dir, ['mixed@1', '--log-predictions', '--threads', '1']);
    interface Answer {
      probabilities: number[][];
      outputs: { name: string; data: number[] }[];
      error: string;
    }
    const post = async (path: string, body: unknown): Promise<{ status: number; body: Answer }> => {
      const res = await fetch(`${s.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Answer };
    };
    const sent = rows.slice(0, 40);
    const records = sent.map(([age, member, income, visits]) => ({
      age,
      member: member === 1,
      income,
      visits,
    }));
    const mine = await post('/predict', { instances: records });
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    sent.forEach((x, i) => expect(mine.body.probabilities[i][1]).toBeCloseTo(prob(x), 5));
    // V2: one tensor per feature, each in its own datatype
    const v2 = await post('/v2/models/mixed/infer', {
      inputs: [
        { name: 'age', datatype: 'INT64', shape: [2], data: [41, 19] },
        { name: 'member', datatype: 'BOOL', shape: [2], data: [true, false] },
        { name: 'income', datatype: 'FP64', shape: [2], data: [2.5, -1.75] },
        { name: 'visits', datatype: 'INT32', shape: [2], data: [3, 0] },
      ],
    });
    expect(v2.status, JSON.stringify(v2.body)).toBe(200);
    const probs = v2.body.outputs.find((o) => o.name === 'probabilities')!.data;
    expect(probs[1]).toBeCloseTo(prob([41, 1, 2.5, 3]), 5);
    expect(probs[3]).toBeCloseTo(prob([19, 0, -1.75, 0]), 5);
    const meta = (await (await fetch(`${s.url}/v2/models/mixed`)).json()) as {
      inputs: { datatype: string }[];
    };
    expect(meta.inputs.map((i) => i.datatype)).toEqual(['INT64', 'BOOL', 'FP64', 'INT32']);
    // MLflow's scoring protocol
    const inv = await post('/invocations', {
      dataframe_split: {
        columns: ['visits', 'income', 'member', 'age'],
        data: [[3, 2.5, true, 41]],
      },
    });
    expect(inv.status, JSON.stringify(inv.body)).toBe(200);
    // values the inputs cannot take: 400 naming the row and feature
    const half = await post('/predict', { instances: [{ ...records[0], age: 41.5 }] });
    expect(half.status).toBe(400);
    expect(half.body.error).toBe(
      'row 0, feature "age": 41.5 is not a whole number; mixed@1 takes it as int64',
    );
    const two = await post('/predict', { instances: [{ ...records[0], member: 2 }] });
    expect(two.status).toBe(400);
    expect(two.body.error).toMatch(/feature "member": 2 is not a boolean/);
    const big = await post('/v2/models/mixed/infer', {
      inputs: [
        { name: 'age', datatype: 'INT64', shape: [1], data: [2 ** 53] },
        { name: 'member', datatype: 'BOOL', shape: [1], data: [true] },
        { name: 'income', datatype: 'FP64', shape: [1], data: [1] },
        { name: 'visits', datatype: 'INT32', shape: [1], data: [1] },
      ],
    });
    expect(big.status).toBe(400);
    expect(big.body.error).toMatch(/beyond ±\(2\^53 − 1\)/);
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);

    // the logged traffic: exactly the sent values; drift reads it against the baseline
    const repo = openRepo(dir);
    try {
      const logged = readPredictions(repo, { model: 'mixed@1' });
      expect(logged.length).toBe(40 + 2 + 1);
      expect(logged[0].inputs).toEqual({
        age: sent[0][0],
        member: sent[0][1],
        income: sent[0][2],
        visits: sent[0][3],
      });
    } finally {
      repo.close();
    }
    const drift = mlo(['drift', 'check', '--model', 'mixed@1', '--predictions', '--json'], {
      cwd: dir,
    });
    expect(drift.code, drift.stderr).toBe(0);
    const report = JSON.parse(drift.stdout) as {
      checked_columns: number;
      current: { rows: number };
      columns: { column: string; status: string }[];
    };
    expect(report.current.rows).toBe(43);
    expect(Object.fromEntries(report.columns.map((c) => [c.column, c.status]))).toMatchObject({
      age: 'ok',
      member: 'ok',
      income: 'ok',
      visits: 'ok',
    });

    // an int64 [N, 3] matrix input, with its V2 tensor
    const m = await startServe(dir, ['ints@1']);
    const res = await fetch(`${m.url}/v2/models/ints/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          {
            name: 'X',
            datatype: 'INT64',
            shape: [2, 3],
            data: [
              [4, 1, 10],
              [-2, 0, 7],
            ],
          },
        ],
      }),
    });
    const out = (await res.json()) as { outputs: { data: number[] }[] };
    expect(res.status).toBe(200);
    expect(out.outputs[0].data).toEqual([2 * 4 - 3 + 5 + 1, -4 + 3.5 + 1]);
    m.child.kill('SIGTERM');
    expect((await m.done).code).toBe(0);
  }, 120_000);

  it('refuses bad flags, unknown models and a busy port with exit 2 and one error line', async () => {
    const dir = await churnRepo();
    const cases: [string[], RegExp][] = [
      [
        ['serve', 'churn', '--canary', 'churn@2:150'],
        /error: --canary "churn@2:150": expected NAME@REF:PCT with 0 < PCT < 100/,
      ],
      [['serve', 'nope@champion'], /error: no model named "nope"/],
      [['serve', 'churn@9'], /error: model churn has no version 9/],
      [['serve', 'churn', '--threads', 'many'], /--threads must be a whole number/],
    ];
    for (const [args, message] of cases) {
      const r = mlo([...args, '--port', '0'], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const busy = mlo(['serve', 'churn', '--port', String(port)], { cwd: dir });
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`error: port ${port} on 127.0.0.1 is already in use`);
    } finally {
      taken.close();
    }
  });

  it('reads its defaults from the serve: section of mlo.yaml; flags win', async () => {
    const dir = await churnRepo();
    const none = mlo(['serve', '--port', '0'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error: mlo serve: name the model to serve');
    expect(none.stderr).toContain('serve.model in mlo.yaml');

    writeFileSync(join(dir, 'mlo.yaml'), 'serve:\n  model: churn@1\n  log_predictions: true\n');
    const s = await startServe(dir, []);
    expect(s.stdout()).toContain('serving churn@1');
    expect(s.stdout()).toContain('prediction log: on');
    const answer = await predict(s.url, { inputs: [[1, 2, 3]] });
    expect(answer.version).toBe('1');
    expect(answer.body.probabilities[0][1]).toBeCloseTo(p1([1, 2, 3]), 5);
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);

    const flags = await startServe(dir, ['churn@2', '--no-log-predictions']);
    expect(flags.stdout()).toContain('serving churn@2');
    expect(flags.stdout()).not.toContain('prediction log: on');
    flags.child.kill('SIGTERM');
    expect((await flags.done).code).toBe(0);

    writeFileSync(join(dir, 'mlo.yaml'), 'serve:\n  model: churn\n  port: eighty\n');
    const bad = mlo(['serve'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: mlo\.yaml:3:\d+: .*serve\.port/m);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('soak (short): sustained load with 2% malformed requests: no 5xx, every good request answered, still serving', async () => {
    const dir = await churnRepo();
    const s = await startServe(dir, ['churn@1', '--log-predictions']);
    const body = JSON.stringify({ instances: [{ age: 1, tenure: 2, spend: 3 }] });
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bench/serve-load.mjs'),
        '--url',
        `${s.url}/predict`,
        '--body',
        body,
        '--concurrency',
        '8',
        '--seconds',
        '3',
        '--bad-share',
        '0.02',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as LoadReport;
    expect(report.fiveXX).toBe(0);
    expect(report.good.unanswered).toBe(0);
    expect(report.good.ok).toBeGreaterThan(100);
    expect(report.bad.sent).toBeGreaterThan(0);
    // every malformed request was answered with a 4xx (or cut off after its 413)
    expect(report.bad.rejected4xx + report.errors).toBe(report.bad.sent);
    expect((await predict(s.url, { inputs: [[1, 2, 3]] })).status).toBe(200);
    s.child.kill('SIGTERM');
    const end = await s.done;
    expect(end.code).toBe(0);
  });
});
