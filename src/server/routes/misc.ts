/** Health, who-am-I, run search, Prometheus counters and token administration. */
import pkg from '../../../package.json' with { type: 'json' };
import { MloError } from '../../errors.js';
import {
  latestSchemaVersion,
  maxPredictionId,
  maxSyncSeq,
  readRegistryGeneration,
  storeOrigin,
} from '../../store/index.js';
import { listRunsJson } from '../../tracking/index.js';
import type { Route } from '../http.js';
import { createToken, listTokenInfo, revokeTokenByName } from '../tokens.js';

export const miscRoutes: Route[] = [
  {
    name: 'health',
    method: 'GET',
    path: /^\/api\/health$/,
    scope: 'none',
    handle: () => ({ json: { ok: true } }),
  },
  {
    name: 'info',
    method: 'GET',
    path: /^\/api\/server\/info$/,
    scope: 'read',
    handle: (call) => {
      const store = call.ctx.repo.store;
      return {
        json: {
          server: 'mlo',
          version: pkg.version,
          schema: latestSchemaVersion(),
          origin: storeOrigin(store),
          identity: { name: call.identity.name, scope: call.identity.scope },
          changes: maxSyncSeq(store),
          predictions: maxPredictionId(store),
          registry_generation: readRegistryGeneration(store),
        },
      };
    },
  },
  {
    // the filtered run search: the same filter, sort and limit as `mlo runs list`
    name: 'runs_search',
    method: 'GET',
    path: /^\/api\/runs$/,
    scope: 'read',
    handle: (call) => {
      const q = call.url.searchParams;
      const limit = q.get('limit');
      const n = limit === null ? 100 : Number(limit);
      if (!Number.isSafeInteger(n) || n < 0) throw new MloError('USAGE', 'limit: a whole number');
      return {
        bytes: listRunsJson(call.ctx.repo, {
          filter: q.get('filter') ?? undefined,
          sort: q.getAll('sort'),
          experiment: q.get('experiment') ?? undefined,
          limit: n,
        }),
        contentType: 'application/json',
      };
    },
  },
  {
    name: 'metrics',
    method: 'GET',
    path: /^\/metrics$/,
    scope: 'read',
    handle: (call) => ({
      text: call.ctx.metrics.render(),
      contentType: 'text/plain; version=0.0.4',
    }),
  },
  {
    name: 'tokens_list',
    method: 'GET',
    path: /^\/api\/tokens$/,
    scope: 'admin',
    handle: (call) => ({ json: { tokens: listTokenInfo(call.ctx.repo.store) } }),
  },
  {
    name: 'tokens_create',
    method: 'POST',
    path: /^\/api\/tokens$/,
    scope: 'admin',
    body: 4096,
    handle: (call) => {
      const b = (call.body ?? {}) as { name?: unknown; scope?: unknown };
      if (typeof b.name !== 'string' || typeof b.scope !== 'string') {
        throw new MloError('INVALID', 'tokens: {"name": ..., "scope": "read|write|admin"}');
      }
      return { status: 201, json: createToken(call.ctx.repo.store, b.name, b.scope) };
    },
  },
  {
    name: 'tokens_revoke',
    method: 'DELETE',
    path: /^\/api\/tokens\/([^/]+)$/,
    scope: 'admin',
    handle: (call) => {
      revokeTokenByName(call.ctx.repo.store, call.params[0]);
      return { json: { revoked: call.params[0] } };
    },
  },
];
