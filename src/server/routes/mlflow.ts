/**
 * MLflow's REST API on the hub, behind the server's tokens: `MLFLOW_TRACKING_URI=
 * http://host:5000` with `MLFLOW_TRACKING_TOKEN` works against it. Reads (GET, and
 * the POST searches) need the read scope, everything else write; the token's name
 * is who the registry audit records.
 */
import {
  createMlflowHandler,
  isMlflowPath,
  wantsStream,
  type MlflowRequest,
} from '../../mlflow/index.js';
import { readJsonBody } from '../body.js';
import type { Mount, Scope } from '../http.js';

const MLFLOW_JSON_BYTES = 16 << 20;
/** POST endpoints that only read */
const POST_READS = /\/(?:search|get-latest-versions)$/;

export const mlflowMount: Mount = {
  name: 'mlflow',
  scopeOf(method: string, path: string): Scope | undefined {
    if (!isMlflowPath(path)) return undefined;
    if (method === 'GET' || method === 'HEAD') return 'read';
    if (method === 'POST' && POST_READS.test(path)) return 'read';
    return 'write';
  },
  async handle(call) {
    const method = call.req.method?.toUpperCase() ?? 'GET';
    const request: MlflowRequest = {
      method,
      path: call.url.pathname,
      query: call.url.searchParams,
    };
    if (wantsStream(method, call.url.pathname)) request.stream = call.req;
    else if (method !== 'GET' && method !== 'HEAD') {
      request.body = await readJsonBody(call.req, MLFLOW_JSON_BYTES);
    } else call.req.resume();
    const r = await createMlflowHandler({ repo: call.ctx.repo, who: call.identity.name })(request);
    if (r.bytes) return { status: r.status, bytes: r.bytes, contentType: r.contentType };
    return { status: r.status, json: r.json ?? {} };
  },
};
