/**
 * /metrics as Prometheus and its dashboards read it: promtool's rules (and promtool
 * itself where Debian's prometheus package is installed), the standard process and
 * Node.js names, and model latency that tells primary, canary and shadow apart and
 * leaves fast 4xx answers out. Real server on 127.0.0.1, real onnxruntime-node.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier, goesToCanary } from '../../../src/index.js';
import { waitUntil } from '../../helpers/held-request.js';
import { parseExposition, promlint } from '../../helpers/promlint.js';
import { FEATURES, metric, registerBytes, repoWithChurn, request, serve } from './helpers.js';

const PROMTOOL = '/usr/bin/promtool';
const row = [1.5, 2, -0.5];

/** A server with a canary and a shadow, after good and bad requests on every route. */
async function busyServer(): Promise<{ url: string; text: string }> {
  const repo = await repoWithChurn();
  await registerBytes(
    repo,
    'other',
    await buildLinearClassifier({ coefficients: [[1, 1, 1]], intercepts: [0] }),
  );
  const server = await serve(repo, { canary: 'churn@2:30', shadow: 'other@1' });
  const url = server.url;
  for (let i = 0; i < 12; i++) {
    await request(`${url}/predict`, {
      body: { inputs: [row] },
      headers: { 'x-request-id': `r${i}` },
    });
  }
  await request(`${url}/predict`, { body: { inputs: [[1, 2]] } });
  await request(`${url}/invocations`, { body: { inputs: [row] } });
  await request(`${url}/v2/models/churn/infer`, {
    body: { inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: row }] },
  });
  await request(`${url}/v2/models/churn`);
  await request(`${url}/nope`);
  await request(`${url}/ping`);
  // the shadow answers after the primary: wait for its rows
  await waitUntil('14 shadow rows', async () => {
    const m = (await request(`${url}/metrics`)).text;
    const shadowed =
      metric(m, 'mlo_serve_shadow_rows_total', { model: 'other', outcome: 'agree' }) +
      metric(m, 'mlo_serve_shadow_rows_total', { model: 'other', outcome: 'disagree' });
    return shadowed >= 14;
  });
  return { url, text: (await request(`${url}/metrics`)).text };
}

describe('the exposition', () => {
  it("passes promtool's format and lint rules, with every family populated", async () => {
    const { text } = await busyServer();
    expect(promlint(text)).toEqual([]);
    const names = parseExposition(text).families.map((f) => f.name);
    for (const name of [
      'mlo_serve_requests_total',
      'mlo_serve_request_duration_seconds',
      'mlo_serve_predict_seconds',
      'mlo_serve_queue_wait_seconds',
      'mlo_serve_batch_rows',
      'mlo_serve_inflight_requests',
      'mlo_serve_shadow_rows_total',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it('the rules catch what promtool catches', () => {
    // what /metrics looked like before: a gauge ending in _total, and a counter without it
    const bad = [
      '# HELP mlo_serve_nodejs_active_handles_total Total number of active handles.',
      '# TYPE mlo_serve_nodejs_active_handles_total gauge',
      'mlo_serve_nodejs_active_handles_total 3',
      '# TYPE requests counter',
      'requests 1',
      '# HELP latency_ms x',
      '# TYPE latency_ms histogram',
      'latency_ms_bucket{le="1"} 2',
      'latency_ms_bucket{le="+Inf"} 1',
      'latency_ms_sum 1',
      'latency_ms_count 2',
      '# HELP queue_milliseconds x',
      '# TYPE queue_milliseconds gauge',
      'queue_milliseconds{quantile="0.5"} 1',
      '',
    ].join('\n');
    expect(promlint(bad)).toEqual([
      'latency_ms +Inf bucket 1 differs from _count 2',
      'latency_ms buckets not cumulative',
      'mlo_serve_nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
      'requests no help text',
      'requests counter metrics should have "_total" suffix',
      'latency_ms metric names should not contain abbreviated units',
      'queue_milliseconds use base unit "seconds" instead of "milliseconds"',
      'queue_milliseconds non-summary metrics should not have "quantile" label',
    ]);
  });

  it.runIf(existsSync(PROMTOOL))('promtool check metrics accepts it', async () => {
    const { text } = await busyServer();
    const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
    // and it would have said so: the old gauge name fails
    const old = spawnSync(PROMTOOL, ['check', 'metrics'], {
      input: '# HELP a_total x\n# TYPE a_total gauge\na_total 1\n',
      encoding: 'utf8',
    });
    expect(old.status).not.toBe(0);
  });

  it('uses the standard process_* and nodejs_* names; the nodejs *_total sums are untyped', async () => {
    const { text } = await busyServer();
    const families = new Map(parseExposition(text).families.map((f) => [f.name, f]));
    // what stock Node.js dashboards query
    for (const [name, type] of [
      ['process_cpu_user_seconds_total', 'counter'],
      ['process_cpu_seconds_total', 'counter'],
      ['process_start_time_seconds', 'gauge'],
      ['process_resident_memory_bytes', 'gauge'],
      ['nodejs_eventloop_lag_seconds', 'gauge'],
      ['nodejs_heap_size_used_bytes', 'gauge'],
      ['nodejs_heap_size_total_bytes', 'gauge'],
      ['nodejs_external_memory_bytes', 'gauge'],
      ['nodejs_version_info', 'gauge'],
      ['nodejs_gc_duration_seconds', 'histogram'],
      ['nodejs_active_handles_total', 'untyped'],
      ['nodejs_active_requests_total', 'untyped'],
    ]) {
      expect(families.get(name)?.type, name).toBe(type);
    }
    expect(families.get('nodejs_active_handles_total')!.samples[0].value).toBeGreaterThan(0);
    expect([...families.keys()].filter((n) => /^mlo_serve_(process|nodejs)_/.test(n))).toEqual([]);
  });
});

describe('model latency', () => {
  it('is labelled by model, version and role; 4xx answers are counted but kept out', async () => {
    const repo = await repoWithChurn();
    const server = await serve(repo, { canary: 'churn@2:40' });
    const url = server.url;
    const sent = { 1: 0, 2: 0 };
    for (let i = 0; i < 40; i++) {
      const id = `id-${i}`;
      const r = await request(`${url}/predict`, {
        body: { inputs: [row] },
        headers: { 'x-request-id': id },
      });
      expect(r.status).toBe(200);
      sent[goesToCanary(id, 40) ? 2 : 1]++;
    }
    for (let i = 0; i < 7; i++) {
      const bad = await request(`${url}/predict`, {
        body: { inputs: [[1, 2]] },
        headers: { 'x-request-id': 'id-0' },
      });
      expect(bad.status).toBe(400);
    }
    await request(`${url}/v2/models/churn`);
    const m = (await request(`${url}/metrics`)).text;
    const count = (version: string, role: string): number =>
      metric(m, 'mlo_serve_request_duration_seconds_count', { model: 'churn', version, role });
    expect(sent[1]).toBeGreaterThan(0);
    expect(sent[2]).toBeGreaterThan(0);
    expect(count('1', 'primary')).toBe(sent[1]);
    expect(count('2', 'canary')).toBe(sent[2]);
    // id-0 lands on one side; its seven 400s are counted there, and timed nowhere
    const side = goesToCanary('id-0', 40) ? '2' : '1';
    expect(
      metric(m, 'mlo_serve_requests_total', {
        model: 'churn',
        version: side,
        route: '/predict',
        status: '400',
      }),
    ).toBe(7);
    expect(
      metric(m, 'mlo_serve_requests_total', {
        model: 'churn',
        version: side,
        route: '/predict',
        status: '200',
      }),
    ).toBe(sent[Number(side) as 1 | 2]);
    // nothing but answered predictions is timed: no other label set exists
    const series = m
      .split('\n')
      .filter((l) => l.startsWith('mlo_serve_request_duration_seconds_count'));
    expect(series).toHaveLength(2);
    // each run of the model is timed and sized, and each request's queue wait
    const runs =
      metric(m, 'mlo_serve_predict_seconds_count', { version: '1', role: 'primary' }) +
      metric(m, 'mlo_serve_predict_seconds_count', { version: '2', role: 'canary' });
    expect(runs).toBe(40);
    expect(metric(m, 'mlo_serve_batch_rows_sum', { version: '2', role: 'canary' })).toBe(sent[2]);
    expect(metric(m, 'mlo_serve_queue_wait_seconds_count', { version: '1' })).toBe(sent[1]);
  });

  it("times the shadow's answers under role shadow and counts its outcomes", async () => {
    const repo = await repoWithChurn();
    const server = await serve(repo, { shadow: 'churn@2' });
    for (let i = 0; i < 9; i++) {
      expect(
        (await request(`${server.url}/predict`, { body: { inputs: [row, row] } })).status,
      ).toBe(200);
    }
    let m = '';
    await waitUntil('9 shadow answers', async () => {
      m = (await request(`${server.url}/metrics`)).text;
      return metric(m, 'mlo_serve_request_duration_seconds_count', { role: 'shadow' }) >= 9;
    });
    expect(
      metric(m, 'mlo_serve_request_duration_seconds_count', { role: 'shadow', version: '2' }),
    ).toBe(9);
    expect(
      metric(m, 'mlo_serve_request_duration_seconds_count', { role: 'primary', version: '1' }),
    ).toBe(9);
    // v2 flips v1's signs: they disagree on every row but a 0.5 tie
    expect(metric(m, 'mlo_serve_shadow_rows_total', { version: '2', outcome: 'disagree' })).toBe(
      18,
    );
    expect(metric(m, 'mlo_serve_shadow_rows_total', { version: '2', outcome: 'agree' })).toBe(0);
    expect(metric(m, 'mlo_serve_batch_rows_sum', { version: '2', role: 'shadow' })).toBe(18);
    // a model that is not a shadow has no outcomes
    expect(m).not.toMatch(/mlo_serve_shadow_rows_total\{model="churn",version="1"/);
  });
});

describe('in-flight requests', () => {
  it('counts the requests being handled, a scrape included', async () => {
    const repo = await repoWithChurn();
    const server = await serve(repo);
    const u = new URL(server.url);
    const body = JSON.stringify({ instances: [Object.fromEntries(FEATURES.map((f) => [f, 1]))] });
    // a client that has sent its headers and half its body: in flight until the rest comes
    const socket = connect(Number(u.port), u.hostname);
    await new Promise((r) => socket.once('connect', r));
    let answer = '';
    socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
    socket.write(
      `POST /predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await waitUntil('the request to be in flight', () => server.inflight === 1);
    const during = (await request(`${server.url}/metrics`)).text;
    expect(metric(during, 'mlo_serve_inflight_requests')).toBe(2);
    socket.write(body.slice(10));
    await waitUntil('the answer', () => answer.includes('predictions'));
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    socket.destroy();
    const after = (await request(`${server.url}/metrics`)).text;
    expect(metric(after, 'mlo_serve_inflight_requests')).toBe(1);
  });
});
