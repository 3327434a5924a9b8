/**
 * The UI's JSON API (documented in docs/ui.md): GET endpoints under /api/ui/ over the
 * library's own calls, plus one POST (a promotion's dry run). Every answer is JSON;
 * errors are `{"error": {"code", "message", "hint"?}}` with the HTTP status of the
 * MloError code.
 */
import { basename } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { MloError } from '../errors.js';
import { countRuns } from '../store/index.js';
import { compareRuns } from '../tracking/index.js';
import type { UiContext } from './context.js';
import { modelDetail, modelsList, promotionPreview, versionDetail } from './models.js';
import * as quality from './quality.js';
import { intParam, listParam, requireParam } from './query.js';
import { artifactResponse, listRunArtifacts, runDetail } from './run-detail.js';
import { runKeys, runsPage } from './runs/api.js';
import { readSeries } from './series.js';
import { servingReport } from './serving.js';
import type { UiRequest, UiResponse } from './types.js';

type Handler = (ctx: UiContext, req: UiRequest, params: string[]) => unknown;

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: Handler;
  /** changes the store (refused when read-only) */
  writes?: boolean;
}

const SEG = '([^/]+)';
const route = (method: Route['method'], path: string, handler: Handler, writes = false): Route => ({
  method,
  pattern: new RegExp(`^/api/ui/${path.replaceAll(':p', SEG)}$`),
  handler,
  writes,
});

const positive = (text: string, what: string): number => {
  if (!/^\d+$/.test(text))
    throw new MloError('USAGE', `${what} must be a whole number, got "${text}"`);
  return Number(text);
};

const ROUTES: Route[] = [
  route('GET', 'info', (ctx) => ({
    version: pkg.version,
    repo: basename(ctx.repo.root),
    readOnly: ctx.readOnly,
    runs: countRuns(ctx.repo.store),
  })),
  route('GET', 'keys', (ctx, req) => runKeys(ctx, req.query)),
  route('GET', 'runs', (ctx, req) => runsPage(ctx, req.query)),
  route('GET', 'runs/:p', (ctx, _req, [id]) => runDetail(ctx, id)),
  route('GET', 'runs/:p/artifacts', (ctx, _req, [id]) => ({ files: listRunArtifacts(ctx, id) })),
  route('GET', 'runs/:p/artifact', (ctx, req, [id]) =>
    artifactResponse(ctx, id, requireParam(req.query, 'path'), req.query.get('download') === '1'),
  ),
  route('GET', 'series', (ctx, req) => ({
    series: readSeries(
      ctx.repo.store,
      listParam(req.query, 'run'),
      listParam(req.query, 'key', { commas: false }),
      intParam(req.query, 'maxPoints', 2000, 0, 1_000_000) || Number.MAX_SAFE_INTEGER,
      { time: req.query.get('time') !== '0' },
    ),
  })),
  route('GET', 'compare', (ctx, req) => compareRuns(ctx.repo, listParam(req.query, 'run'))),
  route('GET', 'models', (ctx) => ({ models: modelsList(ctx) })),
  route('GET', 'models/:p', (ctx, _req, [name]) => modelDetail(ctx, name)),
  route('GET', 'models/:p/versions/:p', (ctx, _req, [name, v]) =>
    versionDetail(ctx, name, positive(v, 'version')),
  ),
  route(
    'POST',
    'models/:p/versions/:p/promotion-preview',
    (ctx, req, [name, v]) => promotionPreview(ctx, name, positive(v, 'version'), req.body),
    true,
  ),
  route('GET', 'validations', (ctx, req) => ({
    validations: quality.validations(ctx.repo, req.query),
  })),
  route('GET', 'validations/:p', (ctx, _req, [id]) =>
    quality.validation(ctx.repo, positive(id, 'validation id')),
  ),
  route('GET', 'baselines', (ctx) => ({ baselines: quality.baselines(ctx.repo) })),
  route('GET', 'drift/:p', (ctx, req, [name]) => quality.drift(ctx.repo, name, req.query)),
  route('GET', 'drift-reports/:p', (ctx, _req, [id]) =>
    quality.driftReport(ctx.repo, positive(id, 'report id')),
  ),
  route('GET', 'serving', (ctx, req) => servingReport(ctx, req.query)),
];

export function errorResponse(err: unknown): UiResponse {
  if (err instanceof MloError) {
    return {
      status: err.httpStatus === 500 ? 500 : err.httpStatus,
      json: {
        error: { code: err.code, message: err.message, ...(err.hint && { hint: err.hint }) },
      },
    };
  }
  return {
    status: 500,
    json: { error: { code: 'INTERNAL', message: String((err as Error)?.message ?? err) } },
  };
}

/** Answer an /api/ui/ request; never throws. */
export async function handleApi(ctx: UiContext, req: UiRequest): Promise<UiResponse> {
  let methodMismatch = false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(req.path);
    if (!m) continue;
    if (r.method !== req.method && !(r.method === 'GET' && req.method === 'HEAD')) {
      methodMismatch = true;
      continue;
    }
    if (r.writes && ctx.readOnly) {
      return {
        status: 403,
        json: { error: { code: 'READ_ONLY', message: 'this UI is read-only' } },
      };
    }
    try {
      const params = m.slice(1).map((p) => decodeURIComponent(p));
      const out = await r.handler(ctx, req, params);
      if (out && typeof out === 'object' && 'status' in out && ('body' in out || 'file' in out)) {
        return out as UiResponse;
      }
      return { status: 200, json: out };
    } catch (err) {
      return errorResponse(err);
    }
  }
  return methodMismatch
    ? {
        status: 405,
        json: { error: { code: 'METHOD', message: `${req.method} is not allowed on ${req.path}` } },
      }
    : { status: 404, json: { error: { code: 'NOT_FOUND', message: `no endpoint ${req.path}` } } };
}
