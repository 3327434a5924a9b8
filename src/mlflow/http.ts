/**
 * The smallest node:http mount of the MLflow handler: parse the body, check the
 * bearer token, write the answer. `mlo server` and `mlo ui` mount handler.ts on their
 * own routers instead; this serves the in-run endpoint and tests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { MlflowContext } from './context.js';
import {
  createMlflowHandler,
  wantsStream,
  type MlflowRequest,
  type MlflowResponse,
} from './handler.js';

/** JSON bodies larger than this are refused (log-batch's 1,000 entities fit many times). */
const MAX_JSON_BYTES = 16 << 20;

export interface MlflowListenerOptions {
  /** when set, every request must carry `Authorization: Bearer <token>` */
  token?: string;
}

function send(res: ServerResponse, r: MlflowResponse): void {
  if (r.bytes) {
    res.writeHead(r.status, {
      'content-type': r.contentType ?? 'application/octet-stream',
      'content-length': r.bytes.length,
    });
    res.end(r.bytes);
    return;
  }
  const body = Buffer.from(JSON.stringify(r.json ?? {}));
  res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

function authorised(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

async function readJson(req: IncomingMessage): Promise<{ body?: unknown; error?: MlflowResponse }> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_JSON_BYTES) {
      return {
        error: {
          status: 400,
          json: { error_code: 'INVALID_PARAMETER_VALUE', message: 'request body too large' },
        },
      };
    }
    chunks.push(c);
  }
  if (n === 0) return {};
  try {
    return { body: JSON.parse(Buffer.concat(chunks, n).toString('utf8')) as unknown };
  } catch {
    return {
      error: {
        status: 400,
        json: { error_code: 'MALFORMED_REQUEST', message: 'the request body is not valid JSON' },
      },
    };
  }
}

export function mlflowRequestListener(
  ctx: MlflowContext,
  options: MlflowListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = createMlflowHandler(ctx);
  return (req, res) => {
    void (async () => {
      if (!authorised(req, options.token)) {
        req.resume();
        send(res, {
          status: 401,
          json: { error_code: 'UNAUTHENTICATED', message: 'a valid bearer token is required' },
        });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = (req.method ?? 'GET').toUpperCase();
      const request: MlflowRequest = { method, path: url.pathname, query: url.searchParams };
      if (wantsStream(method, url.pathname)) request.stream = req;
      else if (method !== 'GET' && method !== 'HEAD') {
        const { body, error } = await readJson(req);
        if (error) return send(res, error);
        request.body = body;
      } else req.resume();
      send(res, await handle(request));
    })().catch((err: unknown) => {
      if (!res.headersSent) {
        send(res, {
          status: 500,
          json: { error_code: 'INTERNAL_ERROR', message: String((err as Error)?.message ?? err) },
        });
      } else res.destroy();
    });
  };
}

export interface MlflowEndpoint {
  /** http://127.0.0.1:PORT */
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serve the MLflow API on host:port (default 127.0.0.1, a free port). */
export async function serveMlflow(
  ctx: MlflowContext,
  options: MlflowListenerOptions & { host?: string; port?: number } = {},
): Promise<MlflowEndpoint> {
  const server = createServer({ keepAliveTimeout: 30_000 }, mlflowRequestListener(ctx, options));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
