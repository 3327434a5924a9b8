/**
 * `mlo serve` with `serve.features`: requests carry the entity keys, the server fills
 * the model's inputs from the online store before the model runs, the prediction log
 * holds the values used, Feast's /get-online-features is served beside /predict, and
 * a skew check on what was served passes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildLinearClassifier, openRepo, readPredictions } from '../../src/index.js';
import { makeRepo, mlo, mloAsync, writeTree } from '../helpers/cli.js';

const W = { w: [0.5, -0.25, 0.125], b: -1 };
const p = (x: number[]): number => 1 / (1 + Math.exp(-x.reduce((s, v, j) => s + v * W.w[j], W.b)));

const YAML = `features:
  entities:
    customer: {join_keys: {customer_id: int64}}
  sources:
    stats: {path: data/stats.csv, timestamp: ts}
  views:
    customer_stats:
      entities: [customer]
      source: stats
      features: {avg_order: float64, orders: int64}
  services:
    scoring: [customer_stats]
serve:
  model: churn@1
  log_predictions: true
  features:
    service: scoring
`;

describe('mlo serve with online features', () => {
  it("fills the model inputs from the online store, logs them and serves Feast's endpoint", async () => {
    const dir = makeRepo();
    writeTree(dir, {
      'mlo.yaml': YAML,
      'data/stats.csv':
        'customer_id,ts,avg_order,orders\n1,2024-01-01T00:00:00Z,12.5,4\n2,2024-01-01T00:00:00Z,3,9\n',
    });
    writeFileSync(
      join(dir, 'm.onnx'),
      await buildLinearClassifier({ coefficients: [W.w], intercepts: [W.b] }),
    );
    for (const args of [
      ['add', 'data/stats.csv'],
      ['features', 'apply'],
      ['features', 'materialize', '2024-01-01', '2024-02-01'],
      ['model', 'register', 'churn', 'm.onnx', '--features', 'tenure,avg_order,orders'],
    ]) {
      const r = mlo(args, { cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const { child, done } = mloAsync(['serve', '--port', '0'], { cwd: dir });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const poll = setInterval(() => {
        const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (m) {
          clearInterval(poll);
          resolve(m[1]);
        }
      }, 20);
      child.once('exit', () => reject(new Error(`serve exited: ${out}`)));
    });
    expect(out).toContain('online features: avg_order, orders by customer_id');
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const r = await post('/predict', {
      instances: [
        { customer_id: 1, tenure: 3 },
        { customer_id: 2, tenure: 10 },
      ],
    });
    expect(r.status).toBe(200);
    const probs = r.body.probabilities as number[][];
    expect(probs[0][1]).toBeCloseTo(p([3, 12.5, 4]), 6);
    expect(probs[1][1]).toBeCloseTo(p([10, 3, 9]), 6);
    const mlflow = await post('/invocations', {
      dataframe_records: [{ customer_id: 2, tenure: 10 }],
    });
    expect(mlflow.status).toBe(200);
    const missing = await post('/predict', { instances: [{ customer_id: 77, tenure: 1 }] });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe(
      'instances[0]: no online value of avg_order for customer_id=77 (NOT_FOUND)',
    );
    const feast = await post('/get-online-features', {
      feature_service: 'scoring',
      entities: { customer_id: [2] },
    });
    expect(feast.status).toBe(200);
    expect(feast.body.metadata).toEqual({ feature_names: ['customer_id', 'avg_order', 'orders'] });

    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
    const repo = openRepo(dir);
    try {
      const logged = readPredictions(repo, { model: 'churn' });
      expect(logged.map((x) => x.inputs)).toEqual([
        { tenure: 3, avg_order: 12.5, orders: 4 },
        { tenure: 10, avg_order: 3, orders: 9 },
        { tenure: 10, avg_order: 3, orders: 9 },
      ]);
    } finally {
      repo.close();
    }
    const skew = mlo(['features', 'skew', '--log', '--model', 'churn@1'], { cwd: dir });
    expect(skew.code, skew.stderr).toBe(0);
    expect(skew.stdout).toContain('no skew: 3 served rows');
  });

  it("refuses to start when the configured features fill none of the model's inputs", async () => {
    const dir = makeRepo();
    writeTree(dir, {
      'mlo.yaml': YAML,
      'data/stats.csv': 'customer_id,ts,avg_order,orders\n1,2024-01-01T00:00:00Z,12.5,4\n',
    });
    writeFileSync(
      join(dir, 'm.onnx'),
      await buildLinearClassifier({ coefficients: [W.w], intercepts: [W.b] }),
    );
    for (const args of [
      ['add', 'data/stats.csv'],
      ['features', 'apply'],
      ['model', 'register', 'churn', 'm.onnx', '--features', 'a,b,c'],
    ]) {
      expect(mlo(args, { cwd: dir }).code).toBe(0);
    }
    const r = mlo(['serve', '--port', '0'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: serve\.features: none of avg_order, orders is an input of churn@1/,
    );
  });
});
