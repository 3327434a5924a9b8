/**
 * The online store contract, run against both stores: SQLite under .mlo/ and a real
 * redis-server. Keep-newest writes (a late window never overwrites newer values),
 * shape checks, purge and counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOnlineStore, type OnlineStore } from '../../../src/index.js';
import { tempRepo } from '../tracking/temp-repo.js';
import { startRedis, type RedisServer } from './redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

const rows = (items: [string, number, number | null, unknown[]][]) => ({
  keys: items.map((r) => r[0]),
  eventMs: Float64Array.from(items.map((r) => r[1])),
  createdMs: Float64Array.from(items.map((r) => r[2] ?? NaN)),
  vals: items.map((r) => JSON.stringify(r[3])),
});

const stores: [string, () => Promise<OnlineStore>][] = [
  ['sqlite', () => openOnlineStore(tempRepo(), { type: 'sqlite' })],
  [
    'redis',
    () =>
      openOnlineStore(
        tempRepo(),
        { type: 'redis', prefix: `t${Math.random().toString(36).slice(2)}:` },
        { url: redis.url },
      ),
  ],
];

describe.each(stores)('online store (%s)', (_name, open) => {
  it('keeps the newest value per key: event time, then created time', async () => {
    const store = await open();
    try {
      await store.prepare('v', 'shape-1');
      expect(
        await store.write(
          'v',
          rows([
            ['a', 100, 5, [1]],
            ['b', 100, null, [2]],
            ['c\u001f7', 50, null, ['x']],
          ]),
        ),
      ).toBe(3);
      // older event: kept out; same event, later created: replaces; same event, no created: kept out
      const written = await store.write(
        'v',
        rows([
          ['a', 99, 9, [10]],
          ['a', 100, 6, [11]],
          ['b', 100, null, [20]],
          ['c\u001f7', 60, null, ['y']],
        ]),
      );
      expect(written).toBe(3);
      const got = await store.read([
        { view: 'v', key: 'a' },
        { view: 'v', key: 'b' },
        { view: 'v', key: 'c\u001f7' },
        { view: 'v', key: 'missing' },
        { view: 'other', key: 'a' },
      ]);
      expect(got.map((r) => r && (JSON.parse(r.vals) as unknown))).toEqual([
        [11],
        [20],
        ['y'],
        undefined,
        undefined,
      ]);
      expect(got[0]).toMatchObject({ eventMs: 100, createdMs: 6 });
      expect(got[1]).toMatchObject({ eventMs: 100, createdMs: null });
      expect(await store.counts()).toEqual({ v: 3 });
    } finally {
      await store.close();
    }
  });

  it('refuses to write a view in another shape, and forgets a purged view', async () => {
    const store = await open();
    try {
      await store.prepare('v', 'shape-1');
      await store.write('v', rows([['a', 1, null, [1]]]));
      await expect(store.prepare('v', 'shape-2')).rejects.toThrow(/another shape/);
      expect(await store.shapeOf('v')).toBe('shape-1');
      await store.purge(['v']);
      expect(await store.shapeOf('v')).toBeUndefined();
      expect(await store.read([{ view: 'v', key: 'a' }])).toEqual([undefined]);
      await store.prepare('v', 'shape-2');
      expect(await store.counts()).toEqual({ v: 0 });
    } finally {
      await store.close();
    }
  });
});
