/**
 * The MLflow REST API as one transport-independent function: (method, path, query,
 * body) → status and JSON (or bytes). `mlo server`, `mlo ui` and the in-run endpoint
 * mount it on their own HTTP layer (http.ts is the minimal node:http mount), with
 * their own authentication in front.
 *
 * Paths are MLflow's: `/api/2.0/mlflow/...` (also under `/api/2.0/preview/mlflow`
 * and `/ajax-api/2.0/mlflow`, as MLflow serves them), `/api/2.0/mlflow-artifacts/
 * artifacts[/PATH]` for the artifact proxy. GET requests take their fields as query
 * parameters; POST, PATCH and DELETE as a JSON body.
 */
import type { MlflowContext } from './context.js';
import { MlflowApiError, toMlflowError } from './errors.js';
import { queryFields, type Fields } from './fields.js';
import * as artifacts from './artifacts.js';
import * as lm from './logged-models.js';
import * as reg from './registry.js';
import * as tr from './tracking.js';

export interface MlflowRequest {
  method: string;
  /** the URL path, without the query string */
  path: string;
  query: URLSearchParams;
  /** the JSON body, parsed (POST, PATCH, DELETE) */
  body?: unknown;
  /** the raw body of an artifact upload (see wantsStream) */
  stream?: AsyncIterable<Uint8Array>;
}

export interface MlflowResponse {
  status: number;
  /** a JSON document, or */
  json?: unknown;
  /** bytes (artifact downloads) */
  bytes?: Buffer;
  contentType?: string;
}

type Endpoint = (ctx: MlflowContext, f: Fields) => unknown;

const API: Record<string, Endpoint> = {
  'POST experiments/create': tr.createExperiment,
  'GET experiments/get': tr.getExperiment,
  'GET experiments/get-by-name': tr.getExperimentByName,
  'POST experiments/search': tr.searchExperiments,
  'GET experiments/search': tr.searchExperiments,
  'GET experiments/list': tr.listExperiments,
  'POST experiments/update': tr.updateExperiment,
  'POST experiments/delete': tr.deleteExperiment,
  'POST experiments/restore': tr.restoreExperiment,
  'POST experiments/set-experiment-tag': tr.setExperimentTag,

  'POST runs/create': tr.createRun,
  'GET runs/get': tr.getRunEndpoint,
  'POST runs/update': tr.updateRun,
  'POST runs/search': tr.searchRuns,
  'POST runs/delete': tr.deleteRun,
  'POST runs/restore': tr.restoreRun,
  'POST runs/log-metric': tr.logMetric,
  'POST runs/log-parameter': tr.logParam,
  'POST runs/log-batch': tr.logBatch,
  'POST runs/set-tag': tr.setTag,
  'POST runs/delete-tag': tr.deleteTag,
  'POST runs/log-inputs': tr.logInputs,
  'POST runs/log-model': tr.logModel,
  'POST runs/outputs': lm.logOutputs,
  'GET metrics/get-history': tr.getMetricHistory,
  'GET artifacts/list': artifacts.listRunArtifacts,

  'POST registered-models/create': reg.createRegisteredModel,
  'GET registered-models/get': reg.getRegisteredModel,
  'GET registered-models/search': reg.searchRegisteredModels,
  'POST registered-models/rename': reg.renameRegisteredModel,
  'PATCH registered-models/update': reg.updateRegisteredModel,
  'DELETE registered-models/delete': reg.deleteRegisteredModel,
  'POST registered-models/set-tag': reg.setRegisteredModelTag,
  'DELETE registered-models/delete-tag': reg.deleteRegisteredModelTag,
  'POST registered-models/get-latest-versions': reg.getLatestVersions,
  'GET registered-models/get-latest-versions': reg.getLatestVersions,
  'POST registered-models/alias': reg.setRegisteredModelAlias,
  'DELETE registered-models/alias': reg.deleteRegisteredModelAlias,
  'GET registered-models/alias': reg.getModelVersionByAlias,

  'POST model-versions/create': reg.createModelVersion,
  'GET model-versions/get': reg.getModelVersion,
  'GET model-versions/search': reg.searchModelVersions,
  'PATCH model-versions/update': reg.updateModelVersion,
  'DELETE model-versions/delete': reg.deleteModelVersionEndpoint,
  'GET model-versions/get-download-uri': reg.getModelVersionDownloadUri,
  'POST model-versions/transition-stage': reg.transitionModelVersionStage,
  'POST model-versions/set-tag': reg.setModelVersionTag,
  'DELETE model-versions/delete-tag': reg.deleteModelVersionTag,

  'POST logged-models': lm.createLoggedModel,
  'POST logged-models/search': lm.searchLoggedModels,
};

const API_PREFIX = /^\/(?:api|ajax-api)\/2\.0\/(?:preview\/)?mlflow\/(.+?)\/?$/;
const ARTIFACTS_PREFIX = /^\/(?:api|ajax-api)\/2\.0\/mlflow-artifacts\/artifacts(?:\/(.*))?$/;
const LOGGED_MODEL = /^logged-models\/(m-[0-9a-f]+)(?:\/(tags|params)(?:\/(.+))?)?$/;

/** Whether this request's body is an artifact to stream rather than JSON to parse. */
export function wantsStream(method: string, path: string): boolean {
  return method === 'PUT' && ARTIFACTS_PREFIX.test(path);
}

/** Whether a path belongs to this API (a router mounts the handler on these). */
export function isMlflowPath(path: string): boolean {
  return API_PREFIX.test(path) || ARTIFACTS_PREFIX.test(path);
}

function fieldsOf(req: MlflowRequest): Fields {
  if (req.method === 'GET') return queryFields(req.query);
  if (req.body === undefined || req.body === null) return queryFields(req.query);
  if (typeof req.body !== 'object' || Array.isArray(req.body)) {
    throw new MlflowApiError('MALFORMED_REQUEST', 'The request body must be a JSON object');
  }
  return req.body as Fields;
}

function loggedModelRoute(ctx: MlflowContext, req: MlflowRequest, sub: string): unknown {
  const m = LOGGED_MODEL.exec(sub);
  if (!m) return undefined;
  const [, id, part, key] = m;
  const f = fieldsOf(req);
  if (!part && req.method === 'GET') return lm.getLoggedModel(ctx, id);
  if (!part && req.method === 'PATCH') return lm.finalizeLoggedModel(ctx, id, f);
  if (!part && req.method === 'DELETE') return lm.deleteLoggedModel(ctx, id);
  if (part === 'tags' && !key && req.method === 'PATCH') return lm.setLoggedModelTags(ctx, id, f);
  if (part === 'tags' && key && req.method === 'DELETE')
    return lm.deleteLoggedModelTag(ctx, id, decodeURIComponent(key));
  if (part === 'params' && !key && req.method === 'POST')
    return lm.logLoggedModelParams(ctx, id, f);
  return undefined;
}

async function route(ctx: MlflowContext, req: MlflowRequest): Promise<MlflowResponse> {
  const art = ARTIFACTS_PREFIX.exec(req.path);
  if (art) {
    const path = art[1] === undefined ? '' : decodeURIComponent(art[1]);
    if (path === '' && req.method === 'GET') {
      return { status: 200, json: artifacts.listProxyArtifacts(ctx, queryFields(req.query)) };
    }
    if (req.method === 'GET') {
      return {
        status: 200,
        bytes: artifacts.downloadArtifact(ctx, path),
        contentType: 'application/octet-stream',
      };
    }
    if (req.method === 'PUT') {
      const body = req.stream ?? (async function* () {})();
      return { status: 200, json: await artifacts.uploadArtifact(ctx, path, body) };
    }
    if (req.method === 'DELETE') return { status: 200, json: artifacts.deleteArtifact(ctx, path) };
    throw new MlflowApiError('ENDPOINT_NOT_FOUND', `No ${req.method} endpoint at ${req.path}`);
  }
  const api = API_PREFIX.exec(req.path);
  if (!api) throw new MlflowApiError('ENDPOINT_NOT_FOUND', `No endpoint at ${req.path}`);
  const sub = api[1];
  const endpoint = API[`${req.method} ${sub}`];
  if (endpoint) return { status: 200, json: await endpoint(ctx, fieldsOf(req)) };
  const lmResult = loggedModelRoute(ctx, req, sub);
  if (lmResult !== undefined) return { status: 200, json: lmResult };
  throw new MlflowApiError('ENDPOINT_NOT_FOUND', `No ${req.method} endpoint at ${req.path}`);
}

/** The handler: never throws; errors come back as MLflow's error documents. */
export function createMlflowHandler(
  ctx: MlflowContext,
): (req: MlflowRequest) => Promise<MlflowResponse> {
  return async (req) => {
    try {
      return await route(ctx, req);
    } catch (err) {
      const { status, body } = toMlflowError(err);
      return { status, json: body };
    }
  };
}
