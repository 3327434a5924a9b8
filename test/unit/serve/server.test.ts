/**
 * Routing, shadow isolation, hot reload, auth, limits, the prediction log and graceful
 * shutdown, on a real server (127.0.0.1, ephemeral port, real onnxruntime-node).
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  buildFailingModel,
  buildLinearClassifier,
  buildLinearRegressor,
  buildSlowModel,
  goesToCanary,
  readPredictionColumns,
  readPredictions,
  setAlias,
  type ServeEvent,
} from '../../../src/index.js';
import { heldRequest, waitUntil } from '../../helpers/held-request.js';
import {
  expected,
  FEATURES,
  metric,
  registerBytes,
  repoWithChurn,
  request,
  serve,
  tempRepo,
} from './helpers.js';

const row = [1.5, 2, -0.5];
const instance = Object.fromEntries(FEATURES.map((f, j) => [f, row[j]]));

/** Raw HTTP, for what fetch will not send (a lying content-length, chunked bodies). */
function rawPost(
  url: string,
  path: string,
  chunks: string[],
  headers: Record<string, string | number> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('canary', () => {
  it('splits by request id within statistical tolerance; a retry lands on the same version', async () => {
    const repo = await repoWithChurn();
    const server = await serve(repo, { canary: 'churn@2:25' });
    const n = 400;
    let canary = 0;
    for (let i = 0; i < n; i++) {
      const id = `client-${i}`;
      const r = await request(`${server.url}/predict`, {
        body: { instances: [instance] },
        headers: { 'x-request-id': id },
      });
      expect(r.status).toBe(200);
      const version = Number(r.headers.get('x-model-version'));
      // the side each id lands on is the hash rule's, and the answer is that version's
      expect(version).toBe(goesToCanary(id, 25) ? 2 : 1);
      expect((r.body as { predictions: number[] }).predictions).toEqual([
        expected(version, row).label,
      ]);
      if (version === 2) canary++;
    }
    // binomial(400, 0.25): sd ≈ 8.7; 4 sd
    expect(Math.abs(canary - n * 0.25)).toBeLessThan(4 * Math.sqrt(n * 0.25 * 0.75));
    for (let i = 0; i < 5; i++) {
      const again = await request(`${server.url}/predict`, {
        body: { instances: [instance] },
        headers: { 'x-request-id': 'client-7' },
      });
      expect(again.headers.get('x-model-version')).toBe(goesToCanary('client-7', 25) ? '2' : '1');
    }
    expect(server.models().map((m) => [m.route, m.version, m.percent])).toEqual([
      ['main', 1, 75],
      ['canary', 2, 25],
    ]);
  });
});

describe('shadow', () => {
  it('a failing shadow never changes an answer; its failures are counted', async () => {
    const repo = await repoWithChurn();
    await registerBytes(repo, 'broken', await buildFailingModel({ nFeatures: 3 }));
    const events: ServeEvent[] = [];
    const server = await serve(repo, { shadow: 'broken', onEvent: (e) => events.push(e) });
    for (let i = 0; i < 20; i++) {
      const x = [i, -i / 2, 0.25 * i];
      const r = await request(`${server.url}/predict`, { body: { inputs: [x] } });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-model-version')).toBe('1');
      const body = r.body as { predictions: number[]; probabilities: number[][] };
      expect(body.predictions).toEqual([expected(1, x).label]);
      expect(body.probabilities[0][1]).toBeCloseTo(expected(1, x).p1, 5);
    }
    // the shadow runs after the answers: wait for its 20 failures to be counted
    const failed = async (): Promise<number> =>
      metric((await request(`${server.url}/metrics`)).text, 'mlo_serve_shadow_rows_total', {
        model: 'broken',
        version: '1',
        outcome: 'error',
      });
    await waitUntil('20 shadow failures', async () => (await failed()) >= 20);
    expect(await failed()).toBe(20);
    expect(events.some((e) => e.kind === 'shadow-error')).toBe(true);
    const summary = await server.close();
    // the primary's rows were logged; the shadow produced none
    expect(summary.log).toEqual({ written: 20, spooled: 0, pending: 0, dropped: 0 });
    expect(readPredictions(repo, { model: 'broken', role: 'shadow' })).toEqual([]);
  });

  it('logs a working shadow beside the primary, under the same request id', async () => {
    const repo = await repoWithChurn();
    const server = await serve(repo, { shadow: 'churn@2' });
    const r = await request(`${server.url}/predict`, {
      body: { inputs: [row] },
      headers: { 'x-request-id': 'shadowed' },
    });
    expect(r.headers.get('x-model-version')).toBe('1');
    await server.close();
    const primary = readPredictions(repo, { model: 'churn@1' });
    const shadow = readPredictions(repo, { model: 'churn@2', role: 'shadow' });
    expect(primary).toHaveLength(1);
    expect(shadow).toHaveLength(1);
    expect(shadow[0]).toMatchObject({
      requestId: 'shadowed',
      role: 'shadow',
      route: 'shadow',
      prediction: expected(2, row).label,
    });
    expect(shadow[0].inputs).toEqual(instance);
  });
});

describe('hot reload', () => {
  it('follows an alias move; requests in flight finish on the old version', async () => {
    const repo = await repoWithChurn();
    // version 3: slow, so a request can be in flight while the alias moves away from it
    const slow = await registerBytes(
      repo,
      'churn',
      await buildSlowModel({ nFeatures: 3, matmuls: 40, size: 256 }),
    );
    await setAlias(repo, { name: 'churn', alias: 'champion', version: slow });
    const events: ServeEvent[] = [];
    const server = await serve(repo, { model: 'churn@champion', onEvent: (e) => events.push(e) });
    const ran = async (): Promise<number> =>
      metric((await request(`${server.url}/metrics`)).text, 'mlo_serve_queue_wait_seconds_count', {
        model: 'churn',
        version: String(slow),
        role: 'primary',
      }) || 0;
    const before = await ran();
    const inFlight = request(`${server.url}/predict`, { body: { inputs: [row] } });
    // its run has begun on the slow version (it left the queue) before the alias moves
    await waitUntil('the request to start on the slow version', async () => (await ran()) > before);
    await setAlias(repo, { name: 'churn', alias: 'champion', version: 2 });
    let version = '';
    for (let i = 0; i < 200 && version !== '2'; i++) {
      const r = await request(`${server.url}/predict`, { body: { inputs: [row] } });
      expect(r.status).toBe(200);
      version = r.headers.get('x-model-version') ?? '';
      if (version !== '2') await new Promise((res) => setTimeout(res, 20));
    }
    expect(version).toBe('2');
    const first = await inFlight;
    expect(first.status).toBe(200);
    expect(first.headers.get('x-model-version')).toBe(String(slow));
    // the slow model answers the row sum
    expect((first.body as { predictions: number[] }).predictions[0]).toBeCloseTo(
      row[0] + row[1] + row[2],
      5,
    );
    expect(events.find((e) => e.kind === 'reload')?.message).toBe(
      `churn@champion moved: churn@${slow} → churn@2 (main)`,
    );
    expect(server.models()[0].version).toBe(2);
  });
});

describe('auth and limits', () => {
  it('needs the bearer token, except for health checks', async () => {
    const repo = await repoWithChurn();
    const server = await serve(repo, { token: 's3cret' });
    const none = await request(`${server.url}/predict`, { body: { inputs: [row] } });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(
      (
        await request(`${server.url}/predict`, {
          body: { inputs: [row] },
          headers: { authorization: 'Bearer nope' },
        })
      ).status,
    ).toBe(401);
    expect((await request(`${server.url}/metrics`)).status).toBe(401);
    const ok = await request(`${server.url}/predict`, {
      body: { inputs: [row] },
      headers: { authorization: 'Bearer s3cret' },
    });
    expect(ok.status).toBe(200);
    for (const probe of ['/ping', '/health', '/v2/health/live', '/v2/health/ready']) {
      expect((await request(`${server.url}${probe}`)).status, probe).toBe(200);
    }
  });

  it('answers bad input with 400, 413 or 415 and a one-line reason, never 500', async () => {
    const repo = await repoWithChurn();
    const server = await serve(repo, { maxBodyBytes: 1000, maxRows: 5 });
    const cases: [string, Record<string, string>, number, string][] = [
      ['{"inputs": [[1, 2', {}, 400, 'the body is not valid JSON: '],
      ['', {}, 400, 'the body is empty; send a JSON object'],
      ['[1, 2]', {}, 400, 'the body must be a JSON object'],
      [
        '{"inputs": [[1, 2, 3]]}',
        { 'content-type': 'text/csv' },
        415,
        'Content-Type must be application/json, got text/csv',
      ],
      [
        `{"inputs": [${'[1, 2, 3],'.repeat(6)}[1, 2, 3]]}`,
        {},
        413,
        'inputs has 7 rows; the limit is 5',
      ],
      [`{"inputs": [[1, 2, 3]], "pad": "${'x'.repeat(2000)}"}`, {}, 413, 'the body is '],
      [
        '{"instances": [{"age": 1, "tenure": true, "spend": 3}]}',
        {},
        400,
        'instances[0].tenure must be a finite number, got a boolean',
      ],
    ];
    for (const [raw, headers, status, message] of cases) {
      const r = await request(`${server.url}/predict`, { raw, headers });
      expect(r.status, raw.slice(0, 40)).toBe(status);
      const error = (r.body as { error: string }).error;
      expect(error.startsWith(message), error).toBe(true);
      expect(error).not.toContain('\n');
    }
    // a body over the limit sent in chunks with no declared length
    const chunked = await rawPost(
      server.url,
      '/predict',
      ['{"inputs": [[1, 2, 3]], "pad": "', 'x'.repeat(600), 'x'.repeat(600), '"}'],
      {
        'transfer-encoding': 'chunked',
      },
    );
    expect(chunked.status).toBe(413);
    // the server is still fine
    expect((await request(`${server.url}/predict`, { body: { inputs: [row] } })).status).toBe(200);
    expect(
      (
        await request(`${server.url}/predict`, {
          body: { inputs: [row] },
          headers: { 'x-request-id': 'x'.repeat(300) },
        })
      ).status,
    ).toBe(400);
    const m = (await request(`${server.url}/metrics`)).text;
    expect(m).not.toMatch(/status="5\d\d"/);
  });
});

describe('prediction log', () => {
  it('writes one row per instance with inputs by name and outputs, readable as records and columns', async () => {
    const repo = await repoWithChurn();
    const server = await serve(repo, { logPredictions: true });
    const rows = [row, [0, 1, 2], [-1, -2, -3]];
    await request(`${server.url}/predict`, {
      body: { inputs: rows },
      headers: { 'x-request-id': 'batch-of-3' },
    });
    await request(`${server.url}/invocations`, {
      body: { dataframe_records: [instance] },
      headers: { 'x-request-id': 'one' },
    });
    const summary = await server.close();
    expect(summary.log).toEqual({ written: 4, spooled: 0, pending: 0, dropped: 0 });
    const logged = readPredictions(repo, { model: 'churn', since: '1h' });
    expect(logged.map((r) => r.requestId)).toEqual([
      'batch-of-3',
      'batch-of-3',
      'batch-of-3',
      'one',
    ]);
    rows.forEach((x, i) => {
      expect(logged[i].inputs).toEqual(Object.fromEntries(FEATURES.map((f, j) => [f, x[j]])));
      expect(logged[i].prediction).toBe(expected(1, x).label);
      expect(logged[i].probabilities![1]).toBeCloseTo(expected(1, x).p1, 5);
      expect(logged[i]).toMatchObject({
        model: 'churn',
        version: 1,
        role: 'primary',
        route: 'main',
      });
      expect(logged[i].latencyMs).toBeGreaterThan(0);
    });
    const cols = readPredictionColumns(repo, { model: 'churn@1' });
    expect(cols.features).toEqual(FEATURES);
    expect([...cols.inputs.tenure]).toEqual([2, 1, -2, 2]);
    expect(cols.classes).toBe(2);
    expect(readPredictions(repo, { model: 'churn', since: new Date(Date.now() + 60_000) })).toEqual(
      [],
    );
    expect(readPredictions(repo, { model: 'churn@2' })).toEqual([]);
  });

  it('sends rows past its queue to the spool, and writes them all in the end', async () => {
    const repo = await repoWithChurn();
    const server = await serve(repo, { logPredictions: true, logQueueRows: 3 });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(`${server.url}/predict`, { body: { inputs: [row, row] } }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const summary = await server.close();
    expect(summary.log).toMatchObject({ written: 20, pending: 0, dropped: 0 });
    expect(summary.log!.spooled).toBeGreaterThan(0);
    expect(readPredictions(repo, { model: 'churn@1' })).toHaveLength(20);
  });
});

describe('graceful shutdown', () => {
  it('answers the requests in flight, refuses new connections, flushes the log', async () => {
    const repo = await repoWithChurn();
    const slow = await registerBytes(
      repo,
      'slow',
      await buildSlowModel({ nFeatures: 3, matmuls: 40, size: 256 }),
    );
    const server = await serve(repo, { model: `slow@${slow}`, logPredictions: true });
    const url = server.url;
    // three requests the server has taken and cannot answer yet: their last byte is held
    const held = [1, 2, 3].map((i) => heldRequest(`${url}/predict`, { inputs: [[i, i, i]] }));
    await waitUntil('3 requests in flight', () => server.inflight === 3);
    const closing = server.close();
    // closing: no new connection is taken, while the three are still to be answered
    await expect(fetch(`${url}/ping`)).rejects.toThrow();
    const answers = await Promise.all(held.map((h) => h.finish()));
    const summary = await closing;
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => (a.body as { predictions: number[] }).predictions[0])).toEqual([
      3, 6, 9,
    ]);
    expect(summary).toMatchObject({ requests: 3, finishedInFlight: 3 });
    expect(summary.log).toEqual({ written: 3, spooled: 0, pending: 0, dropped: 0 });
    await expect(fetch(`${url}/ping`)).rejects.toThrow();
    // close again is the same close
    expect(await server.close()).toBe(summary);
  });
});

describe('other model shapes', () => {
  it('a regressor answers values in every protocol, and logs them', async () => {
    const repo = tempRepo();
    await registerBytes(
      repo,
      'price',
      await buildLinearRegressor({ coefficients: [2, -1, 0.5], intercept: 10 }),
    );
    const server = await serve(repo, { model: 'price', logPredictions: true });
    const x = [1, 4, 6];
    const want = 10 + 2 * 1 - 4 + 0.5 * 6;
    const mloAnswer = await request(`${server.url}/predict`, {
      body: { instances: [instance, { age: 1, tenure: 4, spend: 6 }] },
    });
    expect(mloAnswer.body).toMatchObject({
      predictions: [10 + 3 - 2 - 0.25, want],
      model: 'price',
      version: 1,
    });
    expect((mloAnswer.body as Record<string, unknown>).probabilities).toBeUndefined();
    const mlflow = await request(`${server.url}/invocations`, { body: { inputs: [x] } });
    expect(mlflow.body).toEqual({ predictions: [want] });
    const v2 = await request(`${server.url}/v2/models/price/infer`, {
      body: { inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: x }] },
    });
    expect((v2.body as { outputs: unknown[] }).outputs).toEqual([
      { name: 'variable', datatype: 'FP32', shape: [1, 1], data: [want] },
    ]);
    await server.close();
    expect(readPredictions(repo, { model: 'price' }).map((r) => r.prediction)).toEqual([
      10 + 3 - 2 - 0.25,
      want,
      want,
      want,
    ]);
  });

  it('a model without feature names takes positional rows only, and is logged by position', async () => {
    const repo = tempRepo();
    const { w, b } = { w: [0.5, -1.25, 2], b: 0.25 };
    await registerBytes(
      repo,
      'anon',
      await buildLinearClassifier({ coefficients: [w], intercepts: [b] }),
      null,
    );
    const server = await serve(repo, { model: 'anon', logPredictions: true });
    const named = await request(`${server.url}/predict`, { body: { instances: [instance] } });
    expect(named.status).toBe(400);
    expect((named.body as { error: string }).error).toBe(
      'instances: anon@1 has no feature names in the registry, so rows must be positional',
    );
    const ok = await request(`${server.url}/predict`, { body: { inputs: [row] } });
    expect((ok.body as { predictions: number[] }).predictions).toEqual([expected(1, row).label]);
    await server.close();
    expect(readPredictions(repo, { model: 'anon' })[0].inputs).toEqual({ 0: 1.5, 1: 2, 2: -0.5 });
  });
});
