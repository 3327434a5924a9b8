/**
 * The online store contract, run against both stores: SQLite under .mlo/ and a real
 * redis-server. Keep-newest writes (a late window never overwrites newer values),
 * shape checks, purge and counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOnlineStore, type OnlineStore } from '../../../src/index.js';
import { decodeRow, encodeRows } from '../../../src/features/online/codec.js';
import type { OnlineRows } from '../../../src/features/online/types.js';
import { tempRepo } from '../tracking/temp-repo.js';
import { startRedis, type RedisServer } from './redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

/** [key, event, created, [number value, text value]] → rows encoded as a view of two features */
const rows = (
  items: [string, number, number | null, [number | null, string | null]][],
): OnlineRows => {
  const dict = [...new Set(items.map((r) => r[3][1]).filter((x): x is string => x !== null))];
  const { buffer, offsets } = encodeRows(
    [
      {
        slot: 'num',
        values: Float64Array.from(items.map((r) => r[3][0] ?? NaN)),
        valid: Uint8Array.from(items.map((r) => (r[3][0] === null ? 0 : 1))),
      },
      {
        slot: 'text',
        codes: Int32Array.from(items.map((r) => (r[3][1] === null ? -1 : dict.indexOf(r[3][1])))),
        dict,
      },
    ],
    Int32Array.from(items.map((_, i) => i)),
  );
  return {
    keys: items.map((r) => r[0]),
    eventMs: Float64Array.from(items.map((r) => r[1])),
    createdMs: Float64Array.from(items.map((r) => r[2] ?? NaN)),
    buffer,
    offsets,
  };
};
const decode = (v: Uint8Array): unknown[] => decodeRow(v, ['num', 'text']);

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
      await store.prepare('v', 'shape-1', 'text');
      expect(
        await store.write(
          'v',
          rows([
            ['a', 100, 5, [1, 'p']],
            ['b', 100, null, [2, null]],
            ['c\u001f7', 50, null, [null, 'x']],
          ]),
        ),
      ).toBe(3);
      // older event: kept out; same event, later created: replaces; same event, no created: kept out
      const written = await store.write(
        'v',
        rows([
          ['a', 99, 9, [10, 'q']],
          ['a', 100, 6, [11, 'r']],
          ['b', 100, null, [20, 'été']],
          ['c\u001f7', 60, null, [null, 'y']],
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
      expect(got.map((r) => r && decode(r.vals))).toEqual([
        [11, 'r'],
        [20, 'été'],
        [null, 'y'],
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

  it('keeps integer keys exactly, past 2^53 too', async () => {
    const store = await open();
    try {
      await store.prepare('n', 'shape', 'int');
      await store.write(
        'n',
        rows([
          ['12', 1, null, [1, null]],
          ['5', 1, null, [2, null]],
          ['9007199254740993', 1, null, [3, null]],
        ]),
      );
      const got = await store.read(
        ['5', '12', '9007199254740993', '9007199254740992'].map((key) => ({ view: 'n', key })),
      );
      expect(got.map((r) => r && decode(r.vals)[0])).toEqual([2, 1, 3, undefined]);
    } finally {
      await store.close();
    }
  });

  it('refuses to write a view in another shape, and forgets a purged view', async () => {
    const store = await open();
    try {
      await store.prepare('v', 'shape-1', 'text');
      await store.write('v', rows([['a', 1, null, [1, null]]]));
      await expect(store.prepare('v', 'shape-2', 'text')).rejects.toThrow(/another shape/);
      expect(await store.shapeOf('v')).toBe('shape-1');
      await store.purge(['v']);
      expect(await store.shapeOf('v')).toBeUndefined();
      expect(await store.read([{ view: 'v', key: 'a' }])).toEqual([undefined]);
      await store.prepare('v', 'shape-2', 'text');
      expect(await store.counts()).toEqual({ v: 0 });
    } finally {
      await store.close();
    }
  });
});
