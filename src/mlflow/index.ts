/**
 * The MLflow REST mapping, shared by every process that serves it: `mlo server`,
 * `mlo ui` and the endpoint inside each run mlo starts.
 *
 *     const handle = createMlflowHandler({ repo });           // transport-independent
 *     const r = await handle({ method, path, query, body });   // → { status, json | bytes }
 *     // or on node:http, with a bearer token in front:
 *     http.createServer(mlflowRequestListener({ repo }, { token }));
 */
export {
  createMlflowHandler,
  isMlflowPath,
  wantsStream,
  type MlflowRequest,
  type MlflowResponse,
} from './handler.js';
export type { MlflowContext } from './context.js';
export {
  mlflowRequestListener,
  serveMlflow,
  type MlflowEndpoint,
  type MlflowListenerOptions,
} from './http.js';
export { startRunEndpoint, type RunEndpoint } from './in-run.js';
export { MlflowApiError, toMlflowError, type MlflowErrorCode } from './errors.js';
export { BATCH_LIMITS } from './tracking.js';
