/**
 * `mlo serve`: an HTTP server in front of registered ONNX model versions, speaking
 * mlo's /predict, the Open Inference Protocol (KServe V2) and MLflow's scoring
 * protocol, with canary routing, a shadow model, hot reload on alias moves, a
 * prediction log, Prometheus metrics and a graceful shutdown.
 *
 * Every request ends in exactly one answer: bad input is a 4xx with a one-line
 * reason, a failing model run a 500, and nothing a client sends can throw past the
 * handler.
 */
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import pkg from '../../package.json' with { type: 'json' };
import { MloError, isMloError } from '../errors.js';
import { parseCsvText, type CsvText } from '../io/index.js';
import {
  resolveModel,
  watchModelRef,
  type ModelVersion,
  type ModelWatch,
} from '../registry/index.js';
import { cacheOf } from '../data/index.js';
import type { Repo } from '../repo/index.js';
import type { PredictionRoute } from '../store/index.js';
import {
  checkJsonContentType,
  JSON_TYPE,
  parseJsonBody,
  readBody,
  send,
  tokenChecker,
} from './http.js';
import { enrichBody } from './features-hook.js';
import { openLogSink } from './log-sink.js';
import { createMetrics, type ModelMetrics, type ServeMetrics } from './metrics.js';
import {
  resolveOptions,
  type ResolvedOptions,
  type ServeEvent,
  type ServeOptions,
} from './options.js';
import { PredictionLog, type LogTotals } from './prediction-log.js';
import { spoolDirOf, SpoolWriter } from './spool.js';
import { mlflowProtocol } from './protocols/mlflow.js';
import { mloProtocol } from './protocols/mlo.js';
import { JsonText, type BodyKind, type Parsed, type Protocol } from './protocols/types.js';
import { v2ModelMetadata, v2Protocol } from './protocols/v2.js';
import { FEEDBACK_PATH, parseV2ModelPath, routeLabel } from './routes.js';
import { goesToCanary, requestIdOf } from './routing.js';
import {
  acquire,
  checkModelInput,
  loadServedModel,
  modelInput,
  release,
  retire,
  warmUp,
  type ServedModel,
} from './served-model.js';
import { Shadow } from './shadow.js';
import { TrafficCounter } from './traffic.js';
import { Rollout, StepStats } from './rollout/index.js';
import { rolloutHooks } from './rollout/hooks.js';

export interface ServedModelInfo {
  route: PredictionRoute;
  name: string;
  version: number;
  /** the reference it follows (an alias move reloads it) */
  ref: string;
  features: string[] | null;
  /** share of requests (canary), 100 - canary (main), 0 (shadow) */
  percent: number;
  /** where it computes */
  runner: 'inline' | 'workers';
  loadSeconds: number;
}

export interface ShutdownSummary {
  /** requests answered while the server ran */
  requests: number;
  /** requests that were in flight when shutdown began and were answered */
  finishedInFlight: number;
  log: LogTotals | null;
}

export interface Server {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** what is being served now (changes on hot reload) */
  models(): ServedModelInfo[];
  /** where the prediction log writes: its own thread, or the HTTP thread (running from source) */
  readonly logWriter: 'thread' | 'inline' | null;
  /** requests being handled now */
  readonly inflight: number;
  /**
   * Stop accepting connections, answer every request already received, flush the
   * prediction log, release the models. Safe to call more than once.
   */
  close(options?: { timeoutMs?: number }): Promise<ShutdownSummary>;
}

interface Slot {
  route: PredictionRoute;
  ref: string;
  served: ServedModel;
  watch?: ModelWatch;
  reloading: Promise<void>;
}

/** Per-request state the handlers share. */
interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  start: number;
  route: string;
  model: string;
  version: string;
  requestId: string | undefined;
  protocol: Protocol<Parsed> | undefined;
  /** the answering model's metrics, once a model holds the request */
  metrics: ModelMetrics | undefined;
  /** the served model that took the request (counted in serve_traffic) */
  served?: ServedModel;
}

const PROBES = new Set(['/ping', '/health', '/v2/health/live', '/v2/health/ready']);

/** Warnings that can repeat per request are reported once, then at most every 10 s with a count. */
function throttled(emit: (e: ServeEvent) => void): (e: ServeEvent) => void {
  const last = new Map<string, { at: number; skipped: number }>();
  return (e) => {
    const key = e.kind;
    const now = Date.now();
    const seen = last.get(key);
    if (seen && now - seen.at < 10_000) {
      seen.skipped++;
      return;
    }
    const skipped = seen?.skipped ?? 0;
    last.set(key, { at: now, skipped: 0 });
    emit(skipped > 0 ? { ...e, message: `${e.message} (and ${skipped} more like it)` } : e);
  };
}

export async function startServer(repo: Repo, options: ServeOptions): Promise<Server> {
  const o: ResolvedOptions = resolveOptions(options);
  const emit = options.onEvent ?? (() => undefined);
  const warnOften = throttled(emit);
  let inflight = 0;
  const metrics: ServeMetrics = await createMetrics(() => inflight);
  /** each loaded model's metrics, label children resolved at load */
  const modelMetrics = new WeakMap<ServedModel, ModelMetrics>();
  const limits = { maxRows: o.maxRows };
  const ownedModels: ServedModel[] = [];

  const load = async (model: ModelVersion, route: PredictionRoute): Promise<ServedModel> => {
    // a model whose inputs the configured features do not reach is not served
    if (route !== 'shadow') o.features?.fillFor(model.features, `${model.name}@${model.version}`);
    const m = metrics.forModel(route, model.name, model.version);
    const served = await loadServedModel(repo, model, {
      route,
      threads: route === 'shadow' ? 1 : o.threads,
      // the shadow's latency is nobody's: big batches, cheapest runs
      maxBatch: route === 'shadow' ? 512 : o.maxBatch,
      maxDelayMs: route === 'shadow' ? 10 : o.maxDelayMs,
      onRun: m.ran,
      onWait: m.waited,
      onWorkerCrash: (label, message) =>
        warnOften({
          level: 'warn',
          kind: 'worker-crash',
          message: `a model worker of ${label} stopped (${message}); replacing it`,
        }),
    });
    try {
      await warmUp(served);
    } catch (err) {
      // a shadow that cannot run is reported and counted, never a reason not to serve
      if (route !== 'shadow') {
        await served.runner.close();
        throw err;
      }
      emit({
        level: 'warn',
        kind: 'shadow-error',
        message: `the shadow ${served.label} failed a test run (its failures are counted in /metrics, never returned): ${(err as MloError).cause instanceof Error ? ((err as MloError).cause as Error).message : (err as Error).message}`,
      });
    }
    metrics.modelLoaded(route, model.name, model.version, served.loadSeconds);
    modelMetrics.set(served, m);
    return served;
  };

  const makeSlot = async (route: PredictionRoute, ref: string): Promise<Slot> => {
    const served = await load(resolveModel(repo, ref), route);
    ownedModels.push(served);
    return { route, ref, served, reloading: Promise.resolve() };
  };

  const slots: Slot[] = [];
  let log: PredictionLog | null = null;
  let shadow: Shadow | null = null;
  try {
    slots.push(await makeSlot('main', o.model));
    if (o.canary) slots.push(await makeSlot('canary', o.canary.ref));
    if (o.shadow) slots.push(await makeSlot('shadow', o.shadow));
    if (o.logPredictions || o.shadow) {
      const spool = new SpoolWriter(spoolDirOf(repo.store.path));
      log = new PredictionLog(await openLogSink(repo.store.path), spool, {
        capacityRows: o.logQueueRows,
        onDepth: (rows) => metrics.logQueue(rows),
        onWritten: (rows) => metrics.logWritten(rows),
        onSpooled: (rows, pending) => {
          metrics.logSpooled(rows, pending);
          if (rows > 0) {
            warnOften({
              level: 'info',
              kind: 'log-spooled',
              message: `prediction log: the writer is behind; ${pending} row(s) wait in .mlo/spool and are written when it catches up`,
            });
          }
        },
        onDropped: (rows, message) => {
          metrics.logDropped(rows);
          warnOften({
            level: 'warn',
            kind: 'log-dropped',
            message: `prediction log: lost ${rows} row(s): ${message}`,
          });
        },
        onRecovered: (rows) =>
          emit({
            level: 'info',
            kind: 'log-recovered',
            message: `prediction log: wrote ${rows} row(s) an earlier server had left in .mlo/spool`,
          }),
        onTrouble: (message) =>
          warnOften({ level: 'warn', kind: 'log-trouble', message: `prediction log: ${message}` }),
      });
    }
  } catch (err) {
    await Promise.all(ownedModels.map((m) => m.runner.close()));
    await log?.close();
    throw err;
  }
  // counted where the production record is kept: with the prediction log
  const traffic = log
    ? new TrafficCounter(repo.store, (message) =>
        warnOften({ level: 'warn', kind: 'traffic-trouble', message }),
      )
    : null;
  const main = slots[0];
  const canary = slots.find((s) => s.route === 'canary');
  // the canary's share: fixed (--canary REF:PCT), or moved by a rollout
  let canaryPercent = o.canary?.percent ?? 0;
  let stepStats = { main: new StepStats(), canary: new StepStats() };
  const rollout =
    o.rollout && canary
      ? new Rollout(
          {
            steps: o.rollout.steps,
            everyMs: o.rollout.everyMs,
            guards: o.rollout.parsed,
            minRequests: o.rollout.minRequests ?? 20,
          },
          rolloutHooks(repo, o, main, canary, {
            setPercent: (p) => (canaryPercent = p),
            stats: () => stepStats,
            newStep: () => (stepStats = { main: stepStats.main, canary: new StepStats() }),
            emit,
          }),
        )
      : null;
  const shadowSlot = slots.find((s) => s.route === 'shadow');
  if (shadowSlot) {
    const sh = new Shadow(shadowSlot.served, {
      onResult(s, requestId, x, out, agree, latencyMs) {
        modelMetrics.get(s)?.shadowed(out.nRows, agree, latencyMs / 1000);
        log?.record(s.logAs, requestId, Date.now(), latencyMs, x, out);
      },
      onError(s, rows, message) {
        modelMetrics.get(s)?.shadowFailed(rows);
        warnOften({
          level: 'warn',
          kind: 'shadow-error',
          message: `shadow ${s.label} failed: ${message}`,
        });
      },
      onDropped(rows) {
        metrics.shadowDropped(rows);
        warnOften({
          level: 'warn',
          kind: 'shadow-dropped',
          message: `shadow queue full: ${rows} row(s) not shadowed`,
        });
      },
    });
    for (const s of slots) {
      if (s.route !== 'shadow') sh.check(s.served);
    }
    shadow = sh;
  }

  const checkToken = o.token === undefined ? undefined : tokenChecker(o.token);
  let closing = false;
  let answered = 0;
  let onIdle: (() => void) | undefined;

  /** The version that answers this request: the canary's share by request id, else main. */
  const pick = (requestId: string): ServedModel =>
    canary && goesToCanary(requestId, canaryPercent) ? canary.served : main.served;

  const finish = (ctx: Ctx, status: number): void => {
    answered++;
    const seconds = (performance.now() - ctx.start) / 1000;
    const m = ctx.served?.logAs;
    if (m) traffic?.count(m.model, m.version, m.route, status, Date.now());
    if (m && rollout && m.route !== 'shadow') stepStats[m.route].count(status, seconds * 1000);
    // only answered predictions count as model latency (fast 4xx would flatter it)
    if (status === 200 && ctx.metrics !== undefined) ctx.metrics.answered(ctx.route, seconds);
    else metrics.request(ctx.route, ctx.model, ctx.version, status);
    o.onAccess?.({
      time: new Date().toISOString(),
      method: ctx.req.method ?? '',
      // the template, not the raw path: what clients send is theirs to choose
      path: ctx.route,
      status,
      latency_ms: Math.round(seconds * 1e6) / 1e3,
      model: m?.model ?? null,
      version: m?.version ?? null,
      route: m?.route ?? null,
      request_id: ctx.requestId ?? null,
    });
  };

  const respond = (
    ctx: Ctx,
    status: number,
    type: string,
    body: string | Buffer,
    headers: (string | number)[] = [],
  ): void => {
    if (ctx.requestId !== undefined) headers.push('x-request-id', ctx.requestId);
    if (closing) headers.push('connection', 'close');
    send(ctx.res, status, type, body, headers);
    finish(ctx, status);
  };

  const respondJson = (
    ctx: Ctx,
    status: number,
    value: unknown,
    headers?: (string | number)[],
  ): void =>
    respond(
      ctx,
      status,
      JSON_TYPE,
      value instanceof JsonText ? value.text : JSON.stringify(value),
      headers,
    );

  const fail = (ctx: Ctx, err: unknown): void => {
    const mlo = isMloError(err)
      ? err
      : new MloError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
    if (!isMloError(err) && (ctx.req.destroyed || ctx.res.destroyed)) {
      // the client went away mid-request: nobody to answer, nothing to report
      finish(ctx, 499);
      return;
    }
    const special = mlo.details?.status;
    const status = typeof special === 'number' ? special : mlo.httpStatus;
    if (status >= 500) {
      warnOften({
        level: 'warn',
        kind: 'internal-error',
        message: `${ctx.req.method} ${ctx.route}: ${mlo.message}`,
      });
    }
    const body = ctx.protocol
      ? ctx.protocol.errorBody(mlo, status)
      : { error: mlo.message, ...(mlo.hint ? { hint: mlo.hint } : {}) };
    const headers: (string | number)[] = [];
    if (status === 401) headers.push('www-authenticate', 'Bearer');
    if (status === 413) headers.push('connection', 'close');
    if (status === 405) headers.push('allow', String(mlo.details?.allow));
    if (ctx.res.headersSent) {
      ctx.res.destroy();
      return;
    }
    respondJson(ctx, status, body, headers);
  };

  const predict = async (
    ctx: Ctx,
    protocol: Protocol<Parsed>,
    target?: () => ServedModel,
  ): Promise<void> => {
    ctx.protocol = protocol;
    const { req } = ctx;
    if (req.method !== 'POST') throw methodNotAllowed(req, 'POST');
    const requestId = requestIdOf(req.headers['x-request-id']);
    ctx.requestId = requestId;
    let kind: BodyKind = 'json';
    if (protocol.bodyKind) kind = protocol.bodyKind(req.headers['content-type']);
    else checkJsonContentType(req);
    const raw = await readBody(req, o.maxBodyBytes);
    const body =
      kind === 'csv'
        ? parseCsvText(raw, {
            source: 'the CSV body',
            maxRows: o.maxRows,
            tooManyRowsHint: 'split the request, or start the server with a higher --max-rows',
          })
        : parseJsonBody(raw);
    const served = acquire(target ? target() : pick(requestId));
    try {
      ctx.served = served;
      ctx.model = served.model.name;
      ctx.version = String(served.model.version);
      ctx.metrics = modelMetrics.get(served);
      // online features fill named JSON rows; a CSV body is taken as sent
      if (o.features && kind !== 'csv') await enrichBody(o.features, body, served, requestId);
      const parsed =
        kind === 'csv'
          ? protocol.parseCsv!(body as CsvText, served, limits)
          : protocol.parse(body, served, limits);
      const { values, rows } = parsed.matrix;
      checkModelInput(served, values, rows);
      let out;
      try {
        out = await served.batcher.submit(modelInput(served, values), rows);
      } catch (err) {
        throw new MloError('INTERNAL', `${served.label}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      respondJson(ctx, 200, protocol.render(out, served, parsed, requestId), [
        'x-model-name',
        served.model.name,
        'x-model-version',
        served.model.version,
      ]);
      log?.record(served.logAs, requestId, Date.now(), performance.now() - ctx.start, values, out);
      shadow?.submit(served, requestId, values, out);
    } finally {
      release(served);
    }
  };

  const servedModels = (): ServedModel[] =>
    slots.filter((s) => s.route !== 'shadow').map((s) => s.served);

  /** `/v2/models/NAME[/versions/V][/ready|/infer]` */
  const v2Model = async (ctx: Ctx, path: string): Promise<void> => {
    ctx.protocol = v2Protocol;
    const parsed = parseV2ModelPath(path);
    if (!parsed) throw new MloError('NOT_FOUND', `no route ${path}`);
    const { name, version, action } = parsed;
    const candidates = servedModels().filter((m) => m.model.name === name);
    if (candidates.length === 0) {
      throw new MloError('NOT_FOUND', `model "${name}" is not served here`, {
        hint: `served: ${[...new Set(servedModels().map((m) => m.model.name))].join(', ')}`,
      });
    }
    const exact =
      version === undefined ? undefined : candidates.find((m) => m.model.version === version);
    if (version !== undefined && !exact) {
      throw new MloError('NOT_FOUND', `version ${version} of ${name} is not served here`, {
        hint: `served versions: ${candidates.map((m) => m.model.version).join(', ')}`,
      });
    }
    if (action === 'infer') {
      // the main model's name is routed (the canary takes its share, whatever its
      // name); a version, or the canary's own name, pins one model
      const target =
        exact !== undefined
          ? () => exact
          : main.served.model.name === name
            ? undefined
            : () => candidates[0];
      return predict(ctx, v2Protocol, target);
    }
    if (ctx.req.method !== 'GET' && ctx.req.method !== 'HEAD')
      throw methodNotAllowed(ctx.req, 'GET');
    const m = exact ?? candidates[0];
    ctx.model = m.model.name;
    ctx.version = String(m.model.version);
    if (action === 'ready') return respondJson(ctx, 200, { name, ready: !closing });
    const versions = exact ? [exact.model.version] : candidates.map((c) => c.model.version);
    respondJson(ctx, 200, v2ModelMetadata(m, versions));
  };

  const describe = (): ServedModelInfo[] =>
    slots.map((s) => ({
      route: s.route,
      name: s.served.model.name,
      version: s.served.model.version,
      ref: s.ref,
      features: s.served.model.features,
      percent: s.route === 'canary' ? canaryPercent : s.route === 'main' ? 100 - canaryPercent : 0,
      runner: s.served.runner.kind,
      loadSeconds: s.served.loadSeconds,
    }));

  const get = (ctx: Ctx): void => {
    if (ctx.req.method !== 'GET' && ctx.req.method !== 'HEAD')
      throw methodNotAllowed(ctx.req, 'GET');
  };

  /** Labels for logged predictions (the handler comes from the caller: serve knows no labels). */
  const feedback = async (ctx: Ctx): Promise<void> => {
    if (!o.feedback || !log) {
      throw new MloError('NOT_FOUND', 'this server takes no labels', {
        hint: 'start mlo serve with --log-predictions: labels join the predictions it logs',
      });
    }
    if (ctx.req.method !== 'POST') throw methodNotAllowed(ctx.req, 'POST');
    checkJsonContentType(ctx.req);
    const body = parseJsonBody(await readBody(ctx.req, o.maxBodyBytes));
    // labels for rows still queued for the log writer join when they are written
    const answer = o.feedback({ method: 'POST', body });
    respondJson(ctx, answer.status, answer.json);
  };

  const route = async (ctx: Ctx): Promise<void> => {
    const url = ctx.req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    ctx.route = routeLabel(path);
    if (checkToken && !PROBES.has(path) && !checkToken(ctx.req.headers.authorization)) {
      throw new MloError('UNAUTHORIZED', 'missing or wrong bearer token', {
        hint: 'send Authorization: Bearer <token>',
      });
    }
    switch (path) {
      case '/predict':
        return predict(ctx, mloProtocol);
      case '/invocations':
        return predict(ctx, mlflowProtocol);
      case '/get-online-features':
        if (!o.features) break;
        if (ctx.req.method !== 'POST') throw methodNotAllowed(ctx.req, 'POST');
        // Feast's clients post JSON with any content type (curl -d)
        return respondJson(
          ctx,
          200,
          await o.features.getOnlineFeatures(
            parseJsonBody(await readBody(ctx.req, o.maxBodyBytes)),
          ),
        );
      case '/ping':
      case '/health':
        get(ctx);
        return respond(ctx, 200, 'text/plain; charset=utf-8', '\n');
      case FEEDBACK_PATH:
        return feedback(ctx);
      case '/version':
        get(ctx);
        return respond(ctx, 200, 'text/plain; charset=utf-8', pkg.version);
      case '/metrics':
        get(ctx);
        return respond(ctx, 200, metrics.contentType, await metrics.render());
      case '/v2/health/live':
        get(ctx);
        return respondJson(ctx, 200, { live: true });
      case '/v2/health/ready':
        get(ctx);
        return respondJson(ctx, closing ? 503 : 200, { ready: !closing });
      case '/v2':
        get(ctx);
        return respondJson(ctx, 200, { name: 'mlo', version: pkg.version, extensions: [] });
      case '/':
        get(ctx);
        return respondJson(ctx, 200, {
          name: 'mlo',
          version: pkg.version,
          models: describe(),
          endpoints: [
            'POST /predict',
            'POST /invocations',
            'POST /v2/models/{name}/infer',
            'GET /v2/models/{name}',
            'GET /v2/models/{name}/ready',
            'GET /v2/health/live',
            'GET /v2/health/ready',
            'GET /ping',
            'GET /health',
            'GET /version',
            'GET /metrics',
            ...(o.features ? ['POST /get-online-features'] : []),
            ...(o.feedback && log ? ['POST /feedback'] : []),
          ],
        });
      default:
        if (path.startsWith('/v2/models/')) return v2Model(ctx, path);
    }
    throw new MloError('NOT_FOUND', `no route ${ctx.req.method ?? ''} ${path}`, {
      hint: 'GET / lists the endpoints',
    });
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    inflight++;
    const ctx: Ctx = {
      req,
      res,
      start: performance.now(),
      route: '',
      model: '',
      version: '',
      requestId: undefined,
      protocol: undefined,
      metrics: undefined,
    };
    route(ctx)
      .catch((err: unknown) => fail(ctx, err))
      .catch(() => res.destroy())
      .finally(() => {
        inflight--;
        if (inflight === 0) onIdle?.();
      });
  };

  const server: HttpServer = createServer(onRequest);
  // above common load balancer idle timeouts (60 s), so the balancer closes first
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new MloError('USAGE', `port ${o.port} on ${o.host} is already in use`, {
              hint: 'choose another with --port',
            })
          : err.code === 'EACCES'
            ? new MloError('USAGE', `no permission to listen on ${o.host}:${o.port}`, {
                hint: 'ports below 1024 need privileges',
              })
            : new MloError('INVALID', `cannot listen on ${o.host}:${o.port}: ${err.message}`),
      );
    });
    server.listen(o.port, o.host, () => resolve());
  }).catch(async (err: unknown) => {
    await Promise.all(ownedModels.map((m) => m.runner.close()));
    await log?.close();
    throw err;
  });
  server.on('error', (err) =>
    emit({ level: 'warn', kind: 'internal-error', message: `server: ${err.message}` }),
  );

  // hot reload: follow each reference; in-flight requests finish on the model they hold
  for (const slot of slots) {
    slot.watch = watchModelRef(repo, slot.ref, {
      intervalMs: o.reloadIntervalMs,
      // a version whose ONNX file has not arrived yet (a replica pulls it after the
      // alias move) is picked up once it has; other formats fail to load and say why
      ready: (m) => (m.format !== undefined && m.format !== 'onnx') || cacheOf(repo).has(m.hash),
      onChange: (next, prev) => {
        slot.reloading = slot.reloading.then(async () => {
          if (closing) return;
          try {
            const fresh = await load(next, slot.route);
            if (closing) {
              await fresh.runner.close();
              return;
            }
            const old = slot.served;
            slot.served = fresh;
            if (shadow) {
              if (slot.route === 'shadow') shadow.current = fresh;
              else {
                try {
                  shadow.check(fresh);
                } catch (err) {
                  emit({ level: 'warn', kind: 'shadow-error', message: (err as Error).message });
                }
              }
            }
            metrics.modelUnloaded(slot.route, old.model.name, old.model.version);
            emit({
              level: 'info',
              kind: 'reload',
              message: `${slot.ref} moved: ${prev.name}@${prev.version} → ${next.name}@${next.version} (${slot.route})`,
            });
            void retire(old);
          } catch (err) {
            emit({
              level: 'warn',
              kind: 'reload-failed',
              message: `${slot.ref} moved to ${next.name}@${next.version} but it cannot be served (${(err as Error).message}); still serving ${prev.name}@${prev.version}`,
            });
          }
        });
      },
      onError: (err) =>
        warnOften({
          level: 'warn',
          kind: 'reload-failed',
          message: `${slot.ref}: ${(err as Error).message}; still serving ${slot.served.label}`,
        }),
    });
  }

  const address = server.address() as AddressInfo;
  await rollout?.start();
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<ShutdownSummary> | undefined;

  return {
    url: `http://${hostForUrl}:${address.port}`,
    host: address.address,
    port: address.port,
    models: describe,
    logWriter: log ? log.writer : null,
    get inflight() {
      return inflight;
    },
    close(closeOptions = {}) {
      closed ??= (async () => {
        closing = true;
        const timeoutMs = closeOptions.timeoutMs ?? 10_000;
        const pendingAtClose = inflight;
        const answeredAtClose = answered;
        for (const s of slots) s.watch?.stop();
        rollout?.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inflight > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              server.closeAllConnections();
              resolve();
            }, timeoutMs);
            timer.unref();
            onIdle = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        // answered sockets close themselves (their last answer said connection: close);
        // whatever is left after a grace period is cut
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), 1000);
        grace.unref();
        await stopped;
        clearTimeout(grace);
        await Promise.all(slots.map((s) => s.reloading));
        await shadow?.drain(Math.min(timeoutMs, 5000));
        // the spool gets what is left of the time; the rest waits on disk for the next reader
        const logTotals = log ? await log.close(Date.now() + Math.max(timeoutMs, 1000)) : null;
        traffic?.close();
        await Promise.all(slots.map((s) => retire(s.served)));
        return {
          requests: answered,
          finishedInFlight: Math.min(pendingAtClose, answered - answeredAtClose),
          log: logTotals,
        };
      })();
      return closed;
    },
  };
}

function methodNotAllowed(req: IncomingMessage, allowed: string): MloError {
  return new MloError('USAGE', `${req.method ?? ''} is not allowed here; use ${allowed}`, {
    details: { status: 405, allow: allowed },
  });
}
