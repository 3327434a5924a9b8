/**
 * Every endpoint of the server, with no token, each scope, and anonymous reads: the
 * least scope it needs is enforced, and nothing else. Real HTTP on 127.0.0.1 to a
 * server over a real store; the table below must name every route the server has.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createToken,
  initServerStore,
  openBareRepo,
  startServer,
  type RunningServer,
} from '../../../src/server/index.js';

const H = 'a'.repeat(64);

/** [route name, method, path, least scope] */
const ENDPOINTS: [string, string, string, 'none' | 'read' | 'write' | 'admin'][] = [
  ['health', 'GET', '/api/health', 'none'],
  ['info', 'GET', '/api/server/info', 'read'],
  ['runs_search', 'GET', '/api/runs', 'read'],
  ['metrics', 'GET', '/metrics', 'read'],
  ['tokens_list', 'GET', '/api/tokens', 'admin'],
  ['tokens_create', 'POST', '/api/tokens', 'admin'],
  ['tokens_revoke', 'DELETE', '/api/tokens/nobody', 'admin'],
  ['sync_changes', 'GET', '/api/sync/changes', 'read'],
  ['sync_push', 'POST', '/api/sync/push', 'write'],
  ['sync_predictions', 'GET', '/api/sync/predictions', 'read'],
  ['sync_labels', 'GET', '/api/sync/labels', 'read'],
  ['predictions_ingest', 'POST', '/api/predictions', 'write'],
  ['feedback', 'POST', '/feedback', 'write'],
  ['objects_has', 'POST', '/api/objects/has', 'read'],
  ['objects_list', 'GET', '/api/objects', 'read'],
  ['objects_get', 'GET', `/api/objects/${H}`, 'read'],
  ['objects_put', 'PUT', `/api/objects/${H}`, 'write'],
  ['objects_delete', 'POST', '/api/objects/delete', 'admin'],
  ['objects_epoch', 'GET', '/api/objects-epoch', 'read'],
  ['objects_epoch_write', 'PUT', '/api/objects-epoch', 'write'],
  ['registry_models', 'GET', '/api/registry/models', 'read'],
  ['registry_versions', 'GET', '/api/registry/models/churn/versions', 'read'],
  ['registry_show', 'GET', '/api/registry/show?ref=churn', 'read'],
  ['registry_history', 'GET', '/api/registry/models/churn/history', 'read'],
  ['registry_resolve', 'GET', '/api/registry/resolve?ref=churn@champion', 'read'],
  ['registry_register', 'POST', '/api/registry/models/churn/versions', 'write'],
  ['registry_alias_set', 'POST', '/api/registry/models/churn/aliases/champion/set', 'write'],
  ['registry_alias_remove', 'POST', '/api/registry/models/churn/aliases/champion/remove', 'write'],
  [
    'registry_alias_rollback',
    'POST',
    '/api/registry/models/churn/aliases/champion/rollback',
    'write',
  ],
  ['registry_promote', 'POST', '/api/registry/models/churn/aliases/champion/promote', 'write'],
  ['registry_tag', 'POST', '/api/registry/models/churn/tags', 'write'],
  ['registry_describe', 'POST', '/api/registry/models/churn/describe', 'write'],
  ['mlflow', 'GET', '/api/2.0/mlflow/experiments/search', 'read'],
  ['mlflow', 'POST', '/api/2.0/mlflow/runs/search', 'read'],
  ['mlflow', 'POST', '/api/2.0/mlflow/registered-models/get-latest-versions', 'read'],
  ['mlflow', 'POST', '/api/2.0/mlflow/runs/create', 'write'],
  ['mlflow', 'POST', '/api/2.0/mlflow/registered-models/create', 'write'],
  ['mlflow', 'GET', '/api/2.0/mlflow-artifacts/artifacts/x', 'read'],
  ['mlflow', 'PUT', '/api/2.0/mlflow-artifacts/artifacts/x', 'write'],
  ['ui_login_page', 'GET', '/ui/login', 'none'],
  ['ui_logout', 'GET', '/ui/logout', 'none'],
  ['ui', 'GET', '/ui/api/ui/info', 'read'],
  ['ui', 'GET', '/ui/', 'read'],
];

/** Routes that trade a token for a session: test/e2e/server-ui.test.ts covers them. */
const SIGN_IN = ['ui_login POST'];

const RANK = { none: 0, read: 1, write: 2, admin: 3 } as const;

let dir: string;
let tokens: Record<'read' | 'write' | 'admin', string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlo-scopes-'));
  initServerStore(join(dir, 'hub'));
  const repo = openBareRepo(join(dir, 'hub'));
  tokens = {
    read: createToken(repo.store, 'r', 'read').token,
    write: createToken(repo.store, 'w', 'write').token,
    admin: createToken(repo.store, 'a', 'admin').token,
  };
  repo.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function status(
  server: RunningServer,
  method: string,
  path: string,
  token?: string,
): Promise<number> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(method !== 'GET' && { 'content-type': 'application/json' }),
    },
    body: method === 'GET' ? undefined : method === 'PUT' && path.includes('objects/') ? 'x' : '{}',
  });
  await res.arrayBuffer();
  return res.status;
}

describe('server scopes', () => {
  it('the table names every route of the server', async () => {
    const server = await startServer({ store: join(dir, 'hub'), port: 0, log: () => {} });
    try {
      const named = new Set([...ENDPOINTS.map((e) => e.slice(0, 2).join(' ')), ...SIGN_IN]);
      for (const r of server.routes)
        expect(named, `${r.method} ${r.name}`).toContain(`${r.name} ${r.method}`);
      for (const [name, method, , scope] of ENDPOINTS) {
        const route = server.routes.find((r) => r.name === name && r.method === method);
        if (route) expect(route.scope, name).toBe(scope);
      }
    } finally {
      await server.close();
    }
  });

  it('each endpoint refuses callers below its scope (401 without a token, 403 with a lesser one) and serves the rest', async () => {
    const server = await startServer({
      store: join(dir, 'hub'),
      port: 0,
      log: () => {},
      limiter: { perAddress: 100_000, global: 100_000 },
    });
    try {
      for (const [name, method, path, need] of ENDPOINTS) {
        const what = `${method} ${path} (${name})`;
        const none = await status(server, method, path);
        if (need === 'none') expect(none, what).toBe(200);
        else expect(none, what).toBe(401);
        for (const have of ['read', 'write', 'admin'] as const) {
          const s = await status(server, method, path, tokens[have]);
          if (RANK[have] < RANK[need]) expect(s, `${what} as ${have}`).toBe(403);
          else expect([401, 403], `${what} as ${have}: ${s}`).not.toContain(s);
        }
        const bad = await status(server, method, path, 'mlo_' + 'x'.repeat(43));
        if (need !== 'none') expect(bad, `${what} with an unknown token`).toBe(401);
      }
    } finally {
      await server.close();
    }
  });

  it('--allow-anonymous-read opens the read endpoints only', async () => {
    const server = await startServer({
      store: join(dir, 'hub'),
      port: 0,
      allowAnonymousRead: true,
      log: () => {},
      limiter: { perAddress: 100_000, global: 100_000 },
    });
    try {
      for (const [name, method, path, need] of ENDPOINTS) {
        const s = await status(server, method, path);
        if (need === 'read' || need === 'none') expect([401, 403], name).not.toContain(s);
        else expect(s, `${method} ${path}`).toBe(401);
      }
    } finally {
      await server.close();
    }
  });

  it('a revoked token is refused from the next request on', async () => {
    const server = await startServer({ store: join(dir, 'hub'), port: 0, log: () => {} });
    const repo = openBareRepo(join(dir, 'hub'));
    try {
      const t = createToken(repo.store, 'temp', 'read').token;
      expect(await status(server, 'GET', '/api/server/info', t)).toBe(200);
      const revoked = await fetch(`${server.url}/api/tokens/temp`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${tokens.admin}` },
      });
      expect(revoked.status).toBe(200);
      expect(await status(server, 'GET', '/api/server/info', t)).toBe(401);
    } finally {
      repo.close();
      await server.close();
    }
  });
});
