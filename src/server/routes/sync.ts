/** Sync endpoints: the change feed a pull reads, a push, the prediction-log and label feeds. */
import { MloError } from '../../errors.js';
import {
  applyPush,
  readFeedPage,
  readLabelPage,
  readPredictionPage,
  type PushRequest,
} from '../../sync/index.js';
import type { Call, Route } from '../http.js';

/** A push of runs with their every metric point can be big; objects travel apart. */
const PUSH_BYTES = 64 << 20;

function intParam(call: Call, name: string, fallback: number): number {
  const v = call.url.searchParams.get(name);
  if (v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MloError('USAGE', `${name} must be a whole number, got ${JSON.stringify(v)}`);
  }
  return n;
}

export const syncRoutes: Route[] = [
  {
    name: 'sync_changes',
    method: 'GET',
    path: /^\/api\/sync\/changes$/,
    scope: 'read',
    handle: (call) => ({
      jsonText: readFeedPage(call.ctx.repo.store, {
        since: intParam(call, 'since', 0),
        limit: intParam(call, 'limit', 1000),
        count: call.url.searchParams.get('count') === '1',
      }),
    }),
  },
  {
    name: 'sync_push',
    method: 'POST',
    path: /^\/api\/sync\/push$/,
    scope: 'write',
    body: PUSH_BYTES,
    handle: (call) => {
      if (typeof call.body !== 'object' || call.body === null) {
        throw new MloError('INVALID', 'push: the body must be {"origin": ..., "records": [...]}');
      }
      const res = applyPush(call.ctx.repo.store, call.body as PushRequest, call.identity.name);
      call.ctx.metrics.pushedRecords += res.applied;
      return { json: res };
    },
  },
  {
    name: 'sync_predictions',
    method: 'GET',
    path: /^\/api\/sync\/predictions$/,
    scope: 'read',
    handle: (call) => ({
      jsonText: readPredictionPage(
        call.ctx.repo.store,
        intParam(call, 'after', 0),
        intParam(call, 'limit', 5000),
      ),
    }),
  },
  {
    name: 'sync_labels',
    method: 'GET',
    path: /^\/api\/sync\/labels$/,
    scope: 'read',
    handle: (call) => ({
      jsonText: readLabelPage(
        call.ctx.repo.store,
        intParam(call, 'after', 0),
        intParam(call, 'limit', 5000),
      ),
    }),
  },
];
