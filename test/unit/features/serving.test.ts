/**
 * The serving hook: rows get their online features under the model's input names, keys
 * the model does not take are taken out, missing keys or values are a 400 naming the
 * row, and what was filled in is logged with the entity so a skew check can compare it
 * with the offline values.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyDefinitions,
  checkSkew,
  materializeFeatures,
  ServingFeatures,
} from '../../../src/index.js';
import { repoWithFiles } from './helpers.js';

const YAML = `features:
  entities:
    customer: {join_keys: {customer_id: int64}}
  sources:
    stats: {path: data/stats.csv, timestamp: ts}
  views:
    stats:
      entities: [customer]
      source: stats
      features: {avg_order: float64, orders: int64, tier: string}
  on_demand:
    basket:
      request: {amount: float64}
      features:
        ratio: {type: float64, expr: amount / stats.avg_order}
  services:
    model_inputs: [stats:avg_order, stats:orders, basket:ratio]
`;

async function setup() {
  const repo = await repoWithFiles({
    'mlo.yaml': YAML,
    'data/stats.csv':
      'customer_id,ts,avg_order,orders,tier\n1,2024-01-01T00:00:00Z,10,3,a\n2,2024-01-01T00:00:00Z,20,5,b\n',
  });
  await applyDefinitions(repo);
  await materializeFeatures(repo, { start: 0, end: Date.parse('2024-02-01') });
  return repo;
}

describe('serving features', () => {
  it('fills model inputs from the online store and logs them with the entity', async () => {
    const repo = await setup();
    const serving = await ServingFeatures.open(repo, { service: 'model_inputs' });
    const inputs = ['tenure', 'avg_order', 'orders', 'ratio', 'amount'];
    const ctx = { model: 'churn', version: 3, inputs };
    try {
      expect(serving.fillFor(inputs).fills).toEqual(['avg_order', 'orders', 'ratio']);
      expect(serving.keys).toEqual(['customer_id', 'amount']);
      const rows: Record<string, unknown>[] = [
        { customer_id: 1, amount: 25, tenure: 4 },
        { customer_id: '2', amount: 10, tenure: 9 },
      ];
      await serving.enrich(rows, { ...ctx, requestId: 'r1', now: Date.parse('2024-01-02') });
      // amount is a model input too, so it stays; customer_id is not, so it goes
      expect(rows).toEqual([
        { amount: 25, tenure: 4, avg_order: 10, orders: 3, ratio: 2.5 },
        { amount: 10, tenure: 9, avg_order: 20, orders: 5, ratio: 0.5 },
      ]);
      await expect(serving.enrich([{ customer_id: 9, amount: 1 }], ctx)).rejects.toThrow(
        'instances[0]: no online value of avg_order for customer_id=9 (NOT_FOUND)',
      );
      await expect(serving.enrich([{ amount: 1 }], ctx)).rejects.toThrow(
        'instances[0].customer_id is missing: the online features are looked up by it',
      );
      await expect(
        serving.enrich([{ customer_id: 1, amount: 1, avg_order: 99 }], ctx),
      ).rejects.toThrow(/avg_order comes from the feature store/);
    } finally {
      await serving.close();
    }
    // the log says what was served; the offline values agree
    const agree = await checkSkew(repo, { log: { model: 'churn@3' } });
    expect(agree).toMatchObject({ rows: 2, passed: true });
    expect(agree.features.map((f) => f.feature)).toEqual(['stats:avg_order', 'stats:orders']);
  });

  it('finds skew when the source changed after the values were materialized', async () => {
    const repo = await setup();
    const serving = await ServingFeatures.open(repo, { refs: ['stats:avg_order'] });
    try {
      await serving.enrich([{ customer_id: 1 }], {
        model: 'm',
        version: 1,
        inputs: ['avg_order'],
        now: Date.parse('2024-01-05'),
      });
    } finally {
      await serving.close();
    }
    // a late correction: the offline store now says 11 for Jan 1, the server used 10
    writeFileSync(
      join(repo.root, 'data/stats.csv'),
      'customer_id,ts,avg_order,orders,tier\n1,2024-01-01T00:00:00Z,11,3,a\n',
    );
    const r = await checkSkew(repo, { log: { model: 'm' } });
    expect(r.passed).toBe(false);
    expect(r.features[0]).toMatchObject({
      feature: 'stats:avg_order',
      mismatches: 1,
      examples: [{ row: 1, served: 10, offline: 11 }],
    });
  });

  it('refuses a model none of whose inputs the features fill, and an unknown service', async () => {
    const repo = await setup();
    const serving = await ServingFeatures.open(repo, { service: 'model_inputs' });
    try {
      expect(() => serving.fillFor(['x', 'y'], 'churn@2')).toThrow(
        /none of avg_order, orders, ratio is an input of churn@2/,
      );
      expect(serving.fillFor(null).fills).toEqual(['avg_order', 'orders', 'ratio']);
    } finally {
      await serving.close();
    }
    await expect(ServingFeatures.open(repo, { service: 'nope' })).rejects.toThrow(
      /no feature service nope/,
    );
  });
});
