/**
 * What unauthenticated traffic can cost a server: failed authentication is limited
 * (per address in a fixed table, and globally), and no request without a valid token
 * adds a metric series or label.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailedAuthLimiter } from '../../../src/server/limiter.js';
import {
  createToken,
  initServerStore,
  openBareRepo,
  startServer,
} from '../../../src/server/index.js';

let dir: string;
let token: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlo-limits-'));
  initServerStore(join(dir, 'hub'));
  const repo = openBareRepo(join(dir, 'hub'));
  token = createToken(repo.store, 'ops', 'read').token;
  repo.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = async (url: string, t?: string): Promise<Response> => {
  const res = await fetch(url, { headers: t ? { authorization: `Bearer ${t}` } : {} });
  await res.arrayBuffer();
  return res;
};

describe('failed authentication', () => {
  it('an address past its budget gets 429 with Retry-After, before any token is checked', async () => {
    const server = await startServer({
      store: join(dir, 'hub'),
      port: 0,
      log: () => {},
      limiter: { perAddress: 5, global: 1000, windowSeconds: 60 },
    });
    try {
      const url = `${server.url}/api/server/info`;
      for (let i = 0; i < 5; i++)
        expect((await get(url, `mlo_${'y'.repeat(43)}`)).status).toBe(401);
      const limited = await get(url, `mlo_${'y'.repeat(43)}`);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // a blocked address is not asked for its token at all (the trade-off of a fixed table)
      expect((await get(url, token)).status).toBe(429);
      expect((await get(`${server.url}/api/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('all addresses together have a budget per second', () => {
    const limiter = new FailedAuthLimiter({ perAddress: 1000, global: 3 });
    for (let i = 0; i < 3; i++) limiter.fail(`10.0.0.${i}`);
    expect(limiter.retryAfter('10.9.9.9')).toBe(1);
  });

  it('its state is a fixed table: a hundred thousand addresses failing once block nobody', () => {
    const limiter = new FailedAuthLimiter({ perAddress: 30, global: 10_000_000 });
    for (let i = 0; i < 100_000; i++) limiter.fail(`192.168.${i >> 8}.${i & 255}:${i}`);
    let blocked = 0;
    for (let i = 0; i < 1000; i++) if (limiter.retryAfter(`172.16.0.${i}`) > 0) blocked++;
    expect(blocked).toBe(0);
  });
});

describe('metrics', () => {
  it('requests without a valid token add no series or label, whatever their path', async () => {
    const server = await startServer({
      store: join(dir, 'hub'),
      port: 0,
      log: () => {},
      limiter: { perAddress: 100_000, global: 100_000 },
    });
    try {
      const series = async (): Promise<string[]> => {
        const res = await fetch(`${server.url}/metrics`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return (await res.text())
          .split('\n')
          .filter((l) => l && !l.startsWith('#'))
          .map((l) => l.slice(0, l.lastIndexOf(' ')))
          .filter((s) => !s.includes('route="metrics"'));
      };
      const before = await series();
      for (let i = 0; i < 300; i++) {
        await get(`${server.url}/api/x${i}/${'z'.repeat(i % 40)}?q=${i}`);
        await get(`${server.url}/api/registry/models/m${i}/versions`, `mlo_${'q'.repeat(43)}`);
      }
      const after = await series();
      expect(after).toEqual(before);
      const text = await (
        await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
      ).text();
      expect(text).toMatch(/^mlo_server_auth_failures_total 600$/m);
    } finally {
      await server.close();
    }
  });
});
