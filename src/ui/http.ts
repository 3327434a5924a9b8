/**
 * The node:http mount of the UI handler, as `mlo ui` serves it: JSON bodies parsed,
 * files streamed, server-sent events kept open, and two checks a page on another
 * site could otherwise get past a server on loopback: the Host header must name this
 * server (a rebinding DNS name reaches 127.0.0.1 under a foreign Host), and a request
 * that writes must not come from another origin (a cross-site form or fetch).
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { MloError, errnoCode } from '../errors.js';
import { wantsStream } from '../mlflow/index.js';
import { createUiHandler, type UiHandler, type UiHandlerOptions } from './handler.js';
import type { UiRequest, UiResponse } from './types.js';

const MAX_JSON_BYTES = 16 << 20;

export interface UiListenerOptions {
  /**
   * Host header names accepted (without port), or 'any'. Default: loopback names only
   * (127.0.0.1, localhost, ::1), which is right for a server bound to loopback.
   */
  allowedHosts?: readonly string[] | 'any';
  /** the path the UI is mounted at (default '/'); requests outside it get 404 */
  basePath?: string;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1', '[::1]'];

function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(header.trim().toLowerCase());
  return m ? m[1] : null;
}

function sendJson(res: ServerResponse, status: number, json: unknown): void {
  const body = Buffer.from(JSON.stringify(json));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function send(req: IncomingMessage, res: ServerResponse, r: UiResponse): void {
  const head = req.method === 'HEAD';
  if (r.events) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const stop = r.events((event, data) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    });
    const end = (): void => stop();
    req.once('close', end);
    res.once('close', end);
    return;
  }
  if (r.json !== undefined && r.body === undefined && r.file === undefined) {
    if (head) {
      res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8' });
      res.end();
    } else sendJson(res, r.status, r.json);
    return;
  }
  if (r.file) {
    const size = statSync(r.file).size;
    res.writeHead(r.status, { ...r.headers, 'content-length': size });
    if (head) {
      res.end();
      return;
    }
    createReadStream(r.file)
      .on('error', () => res.destroy())
      .pipe(res);
    return;
  }
  const body = typeof r.body === 'string' ? Buffer.from(r.body) : (r.body ?? Buffer.alloc(0));
  res.writeHead(r.status, { ...r.headers, 'content-length': body.length });
  res.end(head ? undefined : body);
}

async function readJson(req: IncomingMessage): Promise<{ body?: unknown; error?: string }> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_JSON_BYTES) return { error: 'request body too large' };
    chunks.push(c);
  }
  if (n === 0) return {};
  try {
    return { body: JSON.parse(Buffer.concat(chunks, n).toString('utf8')) as unknown };
  } catch {
    return { error: 'the request body is not valid JSON' };
  }
}

/** Whether a writing request comes from a page of another origin. */
export function crossOrigin(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  if (origin === 'null') return true;
  try {
    return new URL(origin).host.toLowerCase() !== (req.headers.host ?? '').toLowerCase();
  } catch {
    return true;
  }
}

export function uiRequestListener(
  handler: UiHandler,
  options: UiListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const allowed =
    options.allowedHosts === 'any' ? 'any' : new Set(options.allowedHosts ?? LOOPBACK_NAMES);
  const base = (options.basePath ?? '/').replace(/\/+$/, '');
  // resolves once the answer is under way (an event stream stays open after it)
  return (req, res) =>
    (async () => {
      const method = (req.method ?? 'GET').toUpperCase();
      if (allowed !== 'any') {
        const host = hostName(req.headers.host);
        if (host === null || !allowed.has(host)) {
          req.resume();
          return sendJson(res, 403, {
            error: { code: 'HOST', message: 'this server answers only to its own address' },
          });
        }
      }
      if (method !== 'GET' && method !== 'HEAD' && crossOrigin(req)) {
        req.resume();
        return sendJson(res, 403, {
          error: { code: 'CROSS_ORIGIN', message: 'requests that write must come from this UI' },
        });
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      let path = url.pathname;
      if (base) {
        if (path === base && (method === 'GET' || method === 'HEAD')) {
          // the page's relative URLs (assets, api/ui/...) resolve below `base/` only
          req.resume();
          res.writeHead(308, { location: `${base}/${url.search}` });
          res.end();
          return;
        }
        if (path !== base && !path.startsWith(`${base}/`)) {
          req.resume();
          return sendJson(res, 404, {
            error: { code: 'NOT_FOUND', message: `no endpoint ${path}` },
          });
        }
        path = path.slice(base.length) || '/';
      }
      const request: UiRequest = { method, path, query: url.searchParams };
      if (wantsStream(method, path)) request.stream = req;
      else if (method !== 'GET' && method !== 'HEAD') {
        const { body, error } = await readJson(req);
        if (error) return sendJson(res, 400, { error: { code: 'INVALID', message: error } });
        request.body = body;
      } else req.resume();
      send(req, res, await handler(request));
    })().catch((err: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, {
          error: { code: 'INTERNAL', message: String((err as Error)?.message ?? err) },
        });
      } else res.destroy();
    });
}

export interface UiServer {
  /** http://HOST:PORT/ */
  url: string;
  server: Server;
  handler: UiHandler;
  close(): Promise<void>;
}

export interface ServeUiOptions extends Omit<UiHandlerOptions, 'repo'> {
  /** default 127.0.0.1 */
  host?: string;
  /** default 5252; 0 picks a free port */
  port?: number;
}

export const DEFAULT_UI_PORT = 5252;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Serve the UI for a repository until close(). */
export async function serveUi(
  repo: UiHandlerOptions['repo'],
  options: ServeUiOptions = {},
): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  const handler = createUiHandler({ ...options, repo });
  // bound beyond loopback the operator chose the names it is reached by
  const listener = uiRequestListener(handler, {
    allowedHosts: isLoopback(host) ? undefined : 'any',
  });
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    void listener(req, res);
  });
  const port = options.port ?? DEFAULT_UI_PORT;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (err) {
    handler.close();
    const code = errnoCode(err);
    if (code === 'EADDRINUSE')
      throw new MloError('USAGE', `--port ${port}: another program is listening there`, {
        hint: 'choose another with --port, or --port 0 for any free one',
      });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new MloError('USAGE', `--host ${host}: not an address of this machine`);
    throw err;
  }
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${bound}/`,
    server,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        handler.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
