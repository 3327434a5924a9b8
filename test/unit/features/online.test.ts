/**
 * Materialization and online reads: the latest value per entity in a window, windows
 * written out of order never overwrite newer values, the ttl enforced at read time
 * (Feast's OUTSIDE_MAX_AGE), on-demand features from request fields, several join
 * keys, and the same through a real redis-server. Also Feast's HTTP endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyDefinitions,
  materializeFeatures,
  OnlineFeatures,
  startFeatureServer,
  type Repo,
} from '../../../src/index.js';
import { repoWithFiles } from './helpers.js';
import { startRedis, type RedisServer } from './redis-server.js';

const YAML = `features:
  entities:
    customer: {join_keys: {customer_id: int64}}
    shop: {join_keys: {shop: string}}
  sources:
    orders: {path: data/orders.csv, timestamp: ts, created_timestamp: created}
    pairs: {path: data/pairs.csv, timestamp: ts}
  views:
    orders:
      entities: [customer]
      source: orders
      ttl: 2d
      features: {avg: float64, n: int64, tier: string, vip: bool}
    pair:
      entities: [customer, shop]
      source: pairs
      features: {visits: int64}
  on_demand:
    basket:
      request: {amount: float64}
      features:
        ratio: {type: float64, expr: "amount / orders.avg"}
        big: {type: bool, expr: "amount > 100 or orders.vip"}
  services:
    scoring: [orders:avg, orders:tier, basket:ratio, pair:visits]
`;

const ORDERS = `customer_id,ts,created,avg,n,tier,vip
1,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,10,1,bronze,false
1,2024-01-03T00:00:00Z,2024-01-03T00:00:00Z,20,2,silver,false
1,2024-01-03T00:00:00Z,2024-01-04T00:00:00Z,25,3,gold,true
2,2024-01-02T00:00:00Z,,,4,,true
3,2024-01-10T00:00:00Z,,50,5,gold,false
`;

const PAIRS = `customer_id,shop,ts,visits
1,paris,2024-01-02T00:00:00Z,7
1,lyon,2024-01-02T00:00:00Z,2
`;

const T = (s: string): number => Date.parse(s);

async function setup(): Promise<Repo> {
  const repo = await repoWithFiles({
    'mlo.yaml': YAML,
    'data/orders.csv': ORDERS,
    'data/pairs.csv': PAIRS,
  });
  await applyDefinitions(repo);
  return repo;
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

describe.each([
  ['sqlite, sources read by DuckDB', undefined, 'duckdb'],
  ['sqlite, sources read by mlo', undefined, 'js'],
  ['redis', 'redis', 'auto'],
] as const)('online features (%s)', (_name, kind, engine) => {
  // each test its own redis database, so no test sees another's values
  let db = kind === 'redis' ? 0 : -1;
  const storeUrl = (): string | undefined =>
    db < 0 ? undefined : redis.url.replace(/\/0$/, `/${++db}`);

  it('materializes the latest value per entity and enforces the ttl on read', async () => {
    const repo = await setup();
    const url = storeUrl();
    // the later window first, then an earlier one: the earlier must not overwrite
    const late = await materializeFeatures(repo, {
      start: T('2024-01-03'),
      end: T('2024-01-31'),
      onlineStore: url,
      engine,
    });
    expect(late.views.map((v) => [v.view, v.rows, v.entities])).toEqual([
      ['orders', 3, 2],
      ['pair', 0, 0],
    ]);
    const early = await materializeFeatures(repo, {
      start: T('2024-01-01'),
      end: T('2024-01-02T12:00:00Z'),
      onlineStore: url,
      engine,
    });
    expect(early.views.find((v) => v.view === 'orders')).toMatchObject({
      rows: 2,
      entities: 2,
      written: 1,
    });

    const online = await OnlineFeatures.open(repo, { onlineStore: url });
    try {
      const r = await online.get(
        {
          entities: { customer_id: [1, '2', 3, 4] },
          features: ['orders:avg', 'orders:n', 'orders:tier', 'orders:vip'],
        },
        T('2024-01-05T00:00:00Z'),
      );
      expect(r.metadata.feature_names).toEqual(['customer_id', 'avg', 'n', 'tier', 'vip']);
      expect(r.results[0]).toEqual({
        values: [1, 2, 3, 4],
        statuses: ['PRESENT', 'PRESENT', 'PRESENT', 'PRESENT'],
        event_timestamps: Array(4).fill('1970-01-01T00:00:00Z'),
      });
      // 1: the latest created of Jan 3; 2: Jan 2 is older than 2 days on Jan 5;
      // 3: Jan 10 is in the future of nothing, but present; 4: never seen
      expect(r.results[1]).toEqual({
        values: [25, null, 50, null],
        statuses: ['PRESENT', 'OUTSIDE_MAX_AGE', 'PRESENT', 'NOT_FOUND'],
        event_timestamps: [
          '2024-01-03T00:00:00Z',
          '2024-01-02T00:00:00Z',
          '2024-01-10T00:00:00Z',
          '1970-01-01T00:00:00Z',
        ],
      });
      expect(r.results[3].values).toEqual(['gold', null, 'gold', null]);
      expect(r.results[4].values).toEqual([true, null, false, null]);
      // inside the ttl, a null stored value is NULL_VALUE
      const fresh = await online.get(
        { entities: { customer_id: [2] }, features: ['orders:avg', 'orders:n'] },
        T('2024-01-03'),
      );
      expect(fresh.results[1]).toMatchObject({ values: [null], statuses: ['NULL_VALUE'] });
      expect(fresh.results[2]).toMatchObject({ values: [4], statuses: ['PRESENT'] });
    } finally {
      await online.close();
    }
  });

  it('serves a service: several join keys, full names and on-demand features', async () => {
    const repo = await setup();
    const url = storeUrl();
    await materializeFeatures(repo, { start: 0, end: T('2024-02-01'), onlineStore: url, engine });
    const online = await OnlineFeatures.open(repo, { onlineStore: url });
    try {
      const r = await online.get(
        {
          entities: {
            customer_id: [1, 1, 9],
            shop: ['paris', 'nice', 'paris'],
            amount: [50, 250, 5],
          },
          featureService: 'scoring',
          fullFeatureNames: true,
        },
        T('2024-01-04T12:00:00Z'),
      );
      expect(r.metadata.feature_names).toEqual([
        'customer_id',
        'shop',
        'orders__avg',
        'orders__tier',
        'basket__ratio',
        'pair__visits',
      ]);
      expect(r.results.map((x) => x.values)).toEqual([
        [1, 1, 9],
        ['paris', 'nice', 'paris'],
        [25, 25, null],
        ['gold', 'gold', null],
        [2, 10, null],
        [7, null, null],
      ]);
      expect(r.results[5].statuses).toEqual(['PRESENT', 'NOT_FOUND', 'NOT_FOUND']);
      const big = await online.get(
        { entities: { customer_id: [1, 3], amount: [5, 500] }, features: ['basket:big'] },
        T('2024-01-04'),
      );
      expect(big.results[1].values).toEqual([true, true]);
      await expect(
        online.get({ entities: { shop: ['paris'] }, featureService: 'scoring' }),
      ).rejects.toThrow(/missing join key customer_id/);
    } finally {
      await online.close();
    }
  });
});

describe("Feast's /get-online-features", () => {
  it("answers with Feast's request and response shapes over HTTP", async () => {
    const repo = await setup();
    await materializeFeatures(repo, { start: 0, end: T('2024-02-01') });
    const server = await startFeatureServer(repo, { port: 0 });
    try {
      const post = (body: unknown) =>
        fetch(`${server.url}/get-online-features`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const res = await post({
        features: ['orders:tier', 'pair:visits'],
        entities: { customer_id: [1, 404], shop: ['paris', 'paris'] },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        metadata: unknown;
        results: { values: unknown[]; statuses: string[] }[];
      };
      expect(body.metadata).toEqual({ feature_names: ['customer_id', 'shop', 'tier', 'visits'] });
      // orders has a ttl of 2 days and its data is from January: today it is too old
      expect(body.results[2]).toMatchObject({
        values: [null, null],
        statuses: ['OUTSIDE_MAX_AGE', 'NOT_FOUND'],
      });
      expect(body.results[3]).toMatchObject({
        values: [7, null],
        statuses: ['PRESENT', 'NOT_FOUND'],
      });
      const service = await post({
        feature_service: 'scoring',
        entities: { customer_id: [1], shop: ['lyon'], amount: [1] },
      });
      expect(
        ((await service.json()) as { metadata: { feature_names: string[] } }).metadata
          .feature_names,
      ).toEqual(['customer_id', 'shop', 'avg', 'tier', 'ratio', 'visits']);
      expect(
        (await post({ features: ['orders:nope'], entities: { customer_id: [1] } })).status,
      ).toBe(404);
      expect((await post({ entities: { customer_id: [1] } })).status).toBe(400);
      // as curl -d sends it (Feast's documented example): form content type, JSON body
      const curlish = await fetch(`${server.url}/get-online-features`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: JSON.stringify({
          features: ['pair:visits'],
          entities: { customer_id: [1], shop: ['lyon'] },
        }),
      });
      expect(
        ((await curlish.json()) as { results: { values: unknown[] }[] }).results[2].values,
      ).toEqual([2]);
      const bad = await fetch(`${server.url}/get-online-features`, { method: 'POST', body: '{' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/not valid JSON/);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
  it('with a token, answers only requests that carry it (the health check stays open)', async () => {
    const repo = await setup();
    await materializeFeatures(repo, { start: 0, end: T('2024-02-01') });
    const server = await startFeatureServer(repo, { port: 0, token: 's3cret' });
    try {
      const post = (authorization?: string) =>
        fetch(`${server.url}/get-online-features`, {
          method: 'POST',
          headers: authorization === undefined ? {} : { authorization },
          body: JSON.stringify({
            features: ['pair:visits'],
            entities: { customer_id: [1], shop: ['lyon'] },
          }),
        });
      const none = await post();
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect((await post('Bearer wrong')).status).toBe(401);
      expect((await post('s3cret')).status).toBe(401);
      // an unknown route without the token says nothing about which routes exist
      expect((await fetch(`${server.url}/nope`, { method: 'POST' })).status).toBe(401);
      const ok = await post('Bearer s3cret');
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { results: { values: unknown[] }[] }).results[2].values).toEqual(
        [2],
      );
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
