/**
 * The server's request pipeline, in the order that keeps unauthenticated traffic
 * cheap: match the route (a fixed table), refuse rate-limited addresses, check the
 * token and its scope, and only then read a body (with a size limit) and call the
 * handler. A refused request is answered without reading its body, and its
 * connection closed, so a client cannot make the server buffer anything.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { MloError, isMloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { readJsonBody } from './body.js';
import { UI_BASE, uiCookieToken } from './routes/ui.js';
import type { FailedAuthLimiter } from './limiter.js';
import type { ServerMetrics } from './metrics.js';
import { scopeAllows, type Identity, type TokenScope, type TokenVerifier } from './tokens.js';

export interface ServerContext {
  repo: Repo;
  verifier: TokenVerifier;
  limiter: FailedAuthLimiter;
  metrics: ServerMetrics;
  allowAnonymousRead: boolean;
  /** largest object a PUT may carry */
  maxObjectBytes: number;
  log: (line: string) => void;
  /** called after every request that may have changed the registry */
  registryChanged: () => void;
}

export interface Call {
  ctx: ServerContext;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** the route pattern's capture groups, URL-decoded */
  params: string[];
  identity: Identity;
  /** the parsed JSON body (routes with a JSON body) */
  body: unknown;
  /** fires when the client goes away (long polls stop waiting) */
  closed: AbortSignal;
}

export interface Reply {
  status?: number;
  json?: unknown;
  /** JSON already serialized */
  jsonText?: string;
  bytes?: Buffer;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** the handler wrote the response itself */
  sent?: boolean;
}

export type Scope = TokenScope | 'none';

export interface Route {
  /** the label of its metrics (from this fixed table only) */
  name: string;
  method: string;
  path: RegExp;
  /** the least scope a token needs ('none': no token at all) */
  scope: Scope;
  /** JSON body limit in bytes; 'raw' when the handler reads the body itself */
  body?: number | 'raw';
  /** writes that may move an alias or add a version: wake long polls after them */
  registryWrite?: boolean;
  handle(call: Call): Promise<Reply> | Reply;
}

/** A mounted protocol (MLflow): decides per request whether it is its path, and the scope. */
export interface Mount {
  name: string;
  scopeOf(method: string, path: string): Scope | undefined;
  handle(call: Call): Promise<Reply> | Reply;
}

interface Matched {
  name: string;
  scope: Scope;
  body?: number | 'raw';
  registryWrite?: boolean;
  params: string[];
  handle(call: Call): Promise<Reply> | Reply;
}

function match(
  routes: readonly Route[],
  mounts: readonly Mount[],
  method: string,
  path: string,
): Matched | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.path.exec(path);
    if (!m) continue;
    let params: string[];
    try {
      params = m.slice(1).map((p) => decodeURIComponent(p ?? ''));
    } catch {
      return undefined;
    }
    return { ...r, params };
  }
  for (const mount of mounts) {
    const scope = mount.scopeOf(method, path);
    if (scope !== undefined) {
      return {
        name: mount.name,
        scope,
        body: 'raw',
        params: [],
        handle: (call) => mount.handle(call),
        registryWrite: scope !== 'read',
      };
    }
  }
  return undefined;
}

const ANONYMOUS: Identity = { name: 'anonymous', scope: 'read', tokenId: null };

function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

/** Answer and close: used for every refusal that must not read the body. */
function refuse(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
    ...headers,
  });
  res.end(body);
}

function writeReply(res: ServerResponse, r: Reply): void {
  if (r.sent) return;
  const status = r.status ?? 200;
  let body: Buffer;
  let type = r.contentType;
  if (r.bytes) {
    body = r.bytes;
    type ??= 'application/octet-stream';
  } else if (r.text !== undefined) {
    body = Buffer.from(r.text);
    type ??= 'text/plain; charset=utf-8';
  } else if (r.jsonText !== undefined) {
    body = Buffer.from(r.jsonText);
    type ??= 'application/json';
  } else if (r.json !== undefined) {
    body = Buffer.from(JSON.stringify(r.json));
    type ??= 'application/json';
  } else {
    res.writeHead(status, r.headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': type, 'content-length': body.length, ...r.headers });
  res.end(body);
}

function errorReply(err: unknown, log: (line: string) => void): Reply {
  if (isMloError(err)) {
    return {
      status: err.httpStatus,
      json: {
        error: {
          code: err.code,
          message: err.message,
          ...(err.hint && { hint: err.hint }),
          ...(err.details && { details: err.details }),
        },
      },
    };
  }
  if ((err as { code?: string }).code === 'SQLITE_BUSY') {
    return {
      status: 503,
      json: { error: { code: 'UNAVAILABLE', message: 'the store is busy; try again' } },
      headers: { 'retry-after': '1' },
    };
  }
  log(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  return { status: 500, json: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

function bearer(
  req: IncomingMessage,
  method: string,
  route: Matched | undefined,
): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) {
    // a browser's page loads carry the UI's cookie instead; it never authorizes a write
    if (route?.name === 'ui' && (method === 'GET' || method === 'HEAD')) return uiCookieToken(req);
    return undefined;
  }
  return h.startsWith('Bearer ') ? h.slice(7).trim() : '';
}

/** A browser asking for a UI page with no token at all is sent to sign in. */
function wantsLogin(req: IncomingMessage, method: string, route: Matched | undefined): boolean {
  return (
    route?.name === 'ui' && method === 'GET' && (req.headers.accept ?? '').includes('text/html')
  );
}

export function requestListener(
  ctx: ServerContext,
  routes: readonly Route[],
  mounts: readonly Mount[],
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const t0 = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://server');
    } catch {
      return refuse(res, 400, 'INVALID', 'malformed request URL');
    }
    const route = match(routes, mounts, method, url.pathname);
    let identity: Identity | undefined;
    if (route?.scope === 'none') identity = ANONYMOUS;
    else {
      const address = clientAddress(req);
      const wait = ctx.limiter.retryAfter(address);
      if (wait > 0) {
        ctx.metrics.rateLimited++;
        return refuse(res, 429, 'RATE_LIMITED', 'too many failed authentications; wait', {
          'retry-after': String(wait),
        });
      }
      const token = bearer(req, method, route);
      if (
        token === undefined &&
        ctx.allowAnonymousRead &&
        (route === undefined || route.scope === 'read')
      ) {
        identity = ANONYMOUS;
      } else {
        identity = token ? ctx.verifier.verify(token) : undefined;
        if (!identity && token === undefined && wantsLogin(req, method, route)) {
          req.resume();
          res.writeHead(303, { location: `${UI_BASE}/login`, 'cache-control': 'no-store' });
          res.end();
          return;
        }
        if (!identity) {
          ctx.limiter.fail(address);
          ctx.metrics.authFailures++;
          return refuse(
            res,
            401,
            'UNAUTHORIZED',
            'a valid token is required (Authorization: Bearer <token>)',
            {
              'www-authenticate': 'Bearer',
            },
          );
        }
      }
    }
    // authenticated from here on: unknown paths are 404s
    if (!route) return refuse(res, 404, 'NOT_FOUND', `no ${method} endpoint at ${url.pathname}`);
    if (route.scope !== 'none' && !scopeAllows(identity.scope, route.scope)) {
      ctx.metrics.observe(route.name, 403, 0);
      return refuse(
        res,
        403,
        'FORBIDDEN',
        `${identity.name} has the ${identity.scope} scope; this needs ${route.scope}`,
      );
    }
    const closing = new AbortController();
    res.once('close', () => closing.abort());
    void (async () => {
      let reply: Reply;
      try {
        const body =
          typeof route.body === 'number' ? await readJsonBody(req, route.body) : undefined;
        if (route.body === undefined) req.resume();
        reply = await route.handle({
          ctx,
          req,
          res,
          url,
          params: route.params,
          identity,
          body,
          closed: closing.signal,
        });
      } catch (err) {
        reply = errorReply(err, ctx.log);
        if (isMloError(err) && err.code === 'TOO_LARGE') reply.headers = { connection: 'close' };
      }
      if (route.registryWrite) ctx.registryChanged();
      if (res.headersSent || res.destroyed) {
        if (!reply.sent && !res.writableEnded) res.end();
      } else {
        writeReply(res, reply);
      }
      ctx.metrics.observe(route.name, res.statusCode, (performance.now() - t0) / 1000);
    })().catch((err: unknown) => {
      ctx.log(`internal error: ${(err as Error)?.stack ?? String(err)}`);
      res.destroy();
    });
  };
}

export interface ListenOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
}

export async function listen(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  options: ListenOptions,
): Promise<{ server: Server; url: string; port: number }> {
  let server: Server;
  if (options.tls) {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(options.tls.cert);
      key = readFileSync(options.tls.key);
    } catch (err) {
      throw new MloError('USAGE', `--tls-cert/--tls-key: ${(err as Error).message}`);
    }
    server = createHttpsServer({ cert, key, keepAliveTimeout: 30_000 }, listener);
  } else {
    server = createHttpServer({ keepAliveTimeout: 30_000 }, listener);
  }
  // a slow client may take this long to send its headers, and its whole request
  server.headersTimeout = 30_000;
  server.requestTimeout = 15 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(new MloError('USAGE', `port ${options.port} on ${options.host} is in use`));
      else if (err.code === 'EACCES')
        reject(new MloError('USAGE', `no permission to listen on ${options.host}:${options.port}`));
      else reject(err);
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { server, url: `${options.tls ? 'https' : 'http'}://${host}:${port}`, port };
}
