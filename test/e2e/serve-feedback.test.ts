/**
 * `POST /feedback` on `mlo serve` and the request counts it keeps, through the built
 * CLI: labels posted while the server runs join the predictions it logged (twice is
 * once), a request without the token stores nothing, a malformed body is a 400 naming
 * the field, and a server that logs nothing takes no labels. The counts of answered
 * requests reach `mlo monitor`'s error_rate rules.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier, type PerfResult } from '../../src/index.js';
import { makeRepo, mlo, parseJson } from '../helpers/cli.js';
import { sendRows, startServe } from '../helpers/serve.js';

const TOKEN = 'feedback-test-token';

async function repoWithModel(): Promise<string> {
  const dir = makeRepo();
  writeFileSync(
    join(dir, 'm.onnx'),
    await buildLinearClassifier({ coefficients: [[1, -1]], intercepts: [0] }),
  );
  const r = mlo(['model', 'register', 'churn', 'm.onnx', '--features', 'a,b'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

async function post(
  url: string,
  body: unknown,
  token: string | null = TOKEN,
  method = 'POST',
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/feedback`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token !== null && { authorization: `Bearer ${token}` }),
    },
    ...(method === 'POST' && { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('POST /feedback on mlo serve (built CLI)', () => {
  it('joins labels to the logged predictions, idempotently, behind the token; counts requests for error_rate', async () => {
    const dir = await repoWithModel();
    const s = await startServe(dir, ['churn@1', '--log-predictions', '--token-env', 'T'], {
      T: TOKEN,
    });
    // 40 answers (a > b predicts 1), then one request the model refuses (a 400)
    const rows = Array.from({ length: 40 }, (_, i) => ({
      id: `req-${i}`,
      instance: { a: i % 2, b: 1 - (i % 2) },
    }));
    await sendRows(s.url, rows, 8, { authorization: `Bearer ${TOKEN}` });
    const refused = await fetch(`${s.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ instances: [{ a: 1 }] }),
    });
    expect(refused.status).toBe(400);

    const labels = {
      labels: [
        ...rows.map((r, i) => ({ request_id: r.id, label: i < 30 ? i % 2 : 1 - (i % 2) })),
        { request_id: 'never-logged', label: 1 },
      ],
    };
    // without the token: refused, and nothing is stored
    const anon = await post(s.url, labels, null);
    expect(anon.status).toBe(401);
    const first = await post(s.url, labels);
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json).toMatchObject({ received: 41, new: 41, source: 'http' });
    const again = await post(s.url, labels);
    expect(again.json).toMatchObject({ received: 41, new: 0, changed: 0, unchanged: 41 });

    const bad = await post(s.url, { labels: [{ request_id: 'x' }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toMatch(
      /labels\[0\]\.label must be a string, number or boolean/,
    );
    expect((await post(s.url, null, TOKEN, 'GET')).status).toBe(405);
    expect((await s.stop()).code).toBe(0);

    const perf = parseJson<PerfResult>(
      mlo(['perf', '--model', 'churn@1', '--min-labels', '10', '--json'], { cwd: dir }),
    );
    expect(perf).toMatchObject({ labelled: 40, logged: 40 });
    expect(perf.overall.metrics.accuracy.value).toBeCloseTo(30 / 40, 12);

    writeFileSync(
      join(dir, 'mlo.yaml'),
      'monitor:\n  model: churn@1\n  rules:\n    - {name: errors, when: error_rate > 0.01, min_sample: 10}\n',
    );
    const m = parseJson<{ rules: { state: string; value: number; sample: number }[] }>(
      mlo(['monitor', 'run', '--json'], { cwd: dir }),
    );
    // 41 requests reached the model: 40 answered, one refused (a 4xx is not a server error)
    expect(m.rules[0]).toMatchObject({ state: 'ok', value: 0, sample: 41 });
  });

  it('a server that logs no predictions takes no labels', async () => {
    const dir = await repoWithModel();
    const s = await startServe(dir, ['churn@1']);
    const r = await post(s.url, { labels: [{ request_id: 'a', label: 1 }] }, null);
    expect(r.status).toBe(404);
    expect(JSON.stringify(r.json)).toMatch(/this server takes no labels/);
    expect((await s.stop()).code).toBe(0);
    const fed = mlo(['perf', '--model', 'churn@1', '--json'], { cwd: dir });
    expect(parseJson<PerfResult>(fed)).toMatchObject({ labelled: 0 });
  });

  it('--access-log: one JSON line per request on stdout, the start-up lines on stderr', async () => {
    const dir = await repoWithModel();
    const s = await startServe(dir, ['churn@1', '--access-log']);
    await sendRows(s.url, [
      { id: 'acc-1', instance: { a: 1, b: 0 } },
      { id: 'acc-2', instance: { a: 0, b: 1 } },
    ]);
    expect((await fetch(`${s.url}/no/such/path`)).status).toBe(404);
    const end = await s.stop();
    expect(end.code, end.stderr).toBe(0);
    expect(end.stderr).toMatch(/listening on http/);
    const lines = end.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    const byId = Object.fromEntries(lines.map((l) => [String(l.request_id), l]));
    expect(byId['acc-1']).toMatchObject({
      method: 'POST',
      path: '/predict',
      status: 200,
      model: 'churn',
      version: 1,
      route: 'main',
    });
    expect(byId['acc-1'].latency_ms).toBeGreaterThan(0);
    expect(Date.parse(String(byId['acc-2'].time))).toBeGreaterThan(Date.now() - 600_000);
    // the raw path is the client's choice: only its route template is printed
    expect(byId.null).toMatchObject({ method: 'GET', path: 'unmatched', status: 404, model: null });
  });
});
