/**
 * Every endpoint and every input form of the three protocols, against a real server on
 * 127.0.0.1 running the real onnxruntime-node; expected outputs computed by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Repo, Server } from '../../../src/index.js';
import { expected, FEATURES, metric, repoWithChurn, request, serve } from './helpers.js';

const rows = [
  [41, 3, 0.5],
  [-2.5, 0.25, 1.75],
  [0, 0, 0],
];
const records = rows.map((r) => Object.fromEntries(FEATURES.map((f, j) => [f, r[j]])));

let repo: Repo;
let server: Server;
let base: string;
beforeAll(async () => {
  repo = await repoWithChurn();
  server = await serve(repo);
  base = server.url;
});

function checkRows(predictions: unknown, probabilities?: unknown): void {
  expect(predictions).toEqual(rows.map((r) => expected(1, r).label));
  if (probabilities !== undefined) {
    const probs = probabilities as number[][];
    rows.forEach((r, i) => {
      const { p1 } = expected(1, r);
      expect(probs[i][0]).toBeCloseTo(1 - p1, 5);
      expect(probs[i][1]).toBeCloseTo(p1, 5);
    });
  }
}

describe('POST /predict', () => {
  it('answers instances by feature name with predictions, probabilities, model, version, request id', async () => {
    const r = await request(`${base}/predict`, {
      body: { instances: records },
      headers: { 'x-request-id': 'req-1' },
    });
    expect(r.status).toBe(200);
    const body = r.body as Record<string, unknown>;
    checkRows(body.predictions, body.probabilities);
    expect(body).toMatchObject({
      classes: [0, 1],
      model: 'churn',
      version: 1,
      request_id: 'req-1',
    });
    expect(r.headers.get('x-model-version')).toBe('1');
    expect(r.headers.get('x-model-name')).toBe('churn');
    expect(r.headers.get('x-request-id')).toBe('req-1');
  });

  it('answers positional inputs, and makes up a request id when there is none', async () => {
    const r = await request(`${base}/predict`, { body: { inputs: rows } });
    expect(r.status).toBe(200);
    const body = r.body as { predictions: unknown; probabilities: unknown; request_id: string };
    checkRows(body.predictions, body.probabilities);
    expect(body.request_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(r.headers.get('x-request-id')).toBe(body.request_id);
  });

  it('refuses both or neither form', async () => {
    const both = await request(`${base}/predict`, { body: { instances: records, inputs: rows } });
    expect(both.status).toBe(400);
    expect((both.body as { error: string }).error).toBe(
      'give either "instances" or "inputs", not both',
    );
    const neither = await request(`${base}/predict`, { body: { rows } });
    expect(neither.status).toBe(400);
  });
});

describe('MLflow scoring protocol', () => {
  const forms: [string, unknown][] = [
    [
      'dataframe_split',
      {
        dataframe_split: {
          columns: ['spend', 'age', 'tenure'],
          data: rows.map((r) => [r[2], r[0], r[1]]),
        },
      },
    ],
    ['dataframe_records', { dataframe_records: records }],
    ['instances as rows', { instances: rows }],
    ['instances as records', { instances: records }],
    ['inputs as rows', { inputs: rows }],
    [
      'inputs as columns',
      { inputs: Object.fromEntries(FEATURES.map((f, j) => [f, rows.map((r) => r[j])])) },
    ],
    ['with params', { dataframe_records: records, params: { threshold: 0.5 } }],
  ];
  for (const [name, body] of forms) {
    it(`POST /invocations with ${name}`, async () => {
      const r = await request(`${base}/invocations`, { body });
      expect(r.status, r.text).toBe(200);
      checkRows((r.body as { predictions: unknown }).predictions);
    });
  }

  it('answers errors the way MLflow does', async () => {
    const r = await request(`${base}/invocations`, {
      body: { dataframe_records: records, instances: rows },
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error_code: 'BAD_REQUEST',
      message:
        'give exactly one of dataframe_split, dataframe_records, instances, inputs; got dataframe_records and instances',
    });
  });

  it('GET /ping, /health and /version', async () => {
    for (const path of ['/ping', '/health']) {
      const r = await request(`${base}${path}`);
      expect(r.status).toBe(200);
    }
    const v = await request(`${base}/version`);
    expect(v.status).toBe(200);
    expect(v.text).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('Open Inference Protocol (KServe V2)', () => {
  it('health, server metadata, model metadata and readiness', async () => {
    expect((await request(`${base}/v2/health/live`)).body).toEqual({ live: true });
    expect((await request(`${base}/v2/health/ready`)).body).toEqual({ ready: true });
    expect((await request(`${base}/v2`)).body).toMatchObject({ name: 'mlo' });
    const meta = await request(`${base}/v2/models/churn`);
    expect(meta.status).toBe(200);
    expect(meta.body).toEqual({
      name: 'churn',
      versions: ['1'],
      platform: 'onnx_onnxv1',
      inputs: FEATURES.map((name) => ({ name, datatype: 'FP32', shape: [-1, 1] })),
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
      ],
      parameters: { version: 1 },
    });
    expect((await request(`${base}/v2/models/churn/ready`)).body).toEqual({
      name: 'churn',
      ready: true,
    });
    expect((await request(`${base}/v2/models/churn/versions/1/ready`)).status).toBe(200);
    expect((await request(`${base}/v2/models/churn/versions/7`)).status).toBe(404);
    expect((await request(`${base}/v2/models/other`)).status).toBe(404);
  });

  function checkV2(body: unknown, id?: string): void {
    const b = body as {
      model_name: string;
      model_version: string;
      id: string;
      outputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
    };
    expect(b.model_name).toBe('churn');
    expect(b.model_version).toBe('1');
    if (id) expect(b.id).toBe(id);
    const label = b.outputs.find((o) => o.name === 'label')!;
    expect(label).toMatchObject({ datatype: 'INT64', shape: [3] });
    expect(label.data).toEqual(rows.map((r) => expected(1, r).label));
    const probs = b.outputs.find((o) => o.name === 'probabilities')!;
    expect(probs).toMatchObject({ datatype: 'FP32', shape: [3, 2] });
    rows.forEach((r, i) => expect(probs.data[2 * i + 1]).toBeCloseTo(expected(1, r).p1, 5));
  }

  it('infers from the model input tensor, flat or nested, FP32 or FP64', async () => {
    const flat = await request(`${base}/v2/models/churn/infer`, {
      body: {
        id: 'abc',
        inputs: [{ name: 'X', shape: [3, 3], datatype: 'FP32', data: rows.flat() }],
      },
    });
    expect(flat.status, flat.text).toBe(200);
    checkV2(flat.body, 'abc');
    const nested = await request(`${base}/v2/models/churn/versions/1/infer`, {
      body: { inputs: [{ name: 'X', shape: [3, 3], datatype: 'FP64', data: rows }] },
    });
    expect(nested.status, nested.text).toBe(200);
    checkV2(nested.body);
  });

  it('infers from one tensor per feature, and returns only the outputs asked for', async () => {
    const r = await request(`${base}/v2/models/churn/infer`, {
      body: {
        inputs: FEATURES.map((f, j) => ({
          name: f,
          shape: [3, 1],
          datatype: 'FP32',
          data: rows.map((x) => x[j]),
        })),
        outputs: [{ name: 'label' }],
      },
    });
    expect(r.status, r.text).toBe(200);
    const outputs = (r.body as { outputs: { name: string; data: number[] }[] }).outputs;
    expect(outputs.map((o) => o.name)).toEqual(['label']);
    expect(outputs[0].data).toEqual(rows.map((x) => expected(1, x).label));
  });

  it('refuses bad tensors with a reason', async () => {
    const cases: [unknown, string][] = [
      [
        { inputs: [{ name: 'X', shape: [3, 3], datatype: 'FP32', data: [1, 2] }] },
        'inputs[0] ("X") has 2 value(s) but shape [3, 3] holds 9',
      ],
      [
        { inputs: [{ name: 'X', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] },
        'input "X" has shape [1, 2]; churn@1 takes [N, 3]',
      ],
      [
        { inputs: [{ name: 'X', shape: [1, 3], datatype: 'BYTES', data: ['a', 'b', 'c'] }] },
        'inputs[0] ("X") is BYTES; this model takes numeric features',
      ],
      [
        { inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP99', data: [1, 2, 3] }] },
        'inputs[0] ("X").datatype "FP99" is not one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES',
      ],
      [
        { inputs: [{ name: 'X', shape: [1, 3], datatype: 'INT32', data: [1, 2.5, 3] }] },
        'inputs[0] ("X").data[1] must be a whole number for INT32',
      ],
      [
        { inputs: [{ name: 'Y', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] },
        'unknown input tensor(s) "Y"; churn@1 takes "X" [N, 3] or one tensor per feature (age, tenure, spend)',
      ],
      [
        { inputs: [{ name: 'age', shape: [1], datatype: 'FP32', data: [1] }] },
        'missing input tensor(s) for feature(s) "tenure", "spend"',
      ],
      [{ inputs: [] }, '"inputs" must be a non-empty array of tensors'],
      [
        {
          inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }],
          outputs: [{ name: 'nope' }],
        },
        'outputs[0]: churn@1 has no output "nope"; it has label, probabilities',
      ],
    ];
    for (const [body, message] of cases) {
      const r = await request(`${base}/v2/models/churn/infer`, { body });
      expect(r.status, message).toBe(400);
      expect(r.body).toEqual({ error: message });
    }
  });
});

describe('the rest', () => {
  it('GET /metrics counts requests by model, version, route and status', async () => {
    await request(`${base}/predict`, { body: { inputs: [[1, 2, 3]] } });
    await request(`${base}/predict`, { body: { inputs: [[1, 2]] } });
    const r = await request(`${base}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(
      metric(r.text, 'mlo_serve_requests_total', {
        model: 'churn',
        version: '1',
        route: '/predict',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metric(r.text, 'mlo_serve_requests_total', {
        model: 'churn',
        version: '1',
        route: '/predict',
        status: '400',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metric(r.text, 'mlo_serve_request_duration_seconds_count', {
        model: 'churn',
        version: '1',
        role: 'primary',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metric(r.text, 'mlo_serve_batch_rows_count', {
        model: 'churn',
        version: '1',
        role: 'primary',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metric(r.text, 'mlo_serve_model_load_seconds', {
        route: 'main',
        model: 'churn',
        version: '1',
      }),
    ).toBeGreaterThan(0);
    expect(metric(r.text, 'mlo_serve_prediction_log_queue_rows')).toBe(0);
    expect(metric(r.text, 'mlo_serve_prediction_log_dropped_rows_total')).toBe(0);
  });

  it('GET / describes the server; unknown routes are 404, wrong methods 405', async () => {
    const root = await request(`${base}/`);
    expect(root.body).toMatchObject({
      name: 'mlo',
      models: [{ route: 'main', name: 'churn', version: 1, features: FEATURES, runner: 'inline' }],
    });
    const missing = await request(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: 'no route GET /nope',
      hint: 'GET / lists the endpoints',
    });
    const wrong = await request(`${base}/predict`, { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await request(`${base}/metrics`, { method: 'DELETE' })).status).toBe(405);
  });
});
