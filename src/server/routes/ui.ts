/**
 * `mlo ui` on the hub, at /ui/: the same handler `mlo ui` serves over a checkout,
 * here over the server's store and behind its tokens. A browser cannot attach a
 * bearer header to a page load, so /ui/login trades a pasted token for a cookie:
 * HttpOnly (no script reads it), SameSite=Strict and Path=/ui (no other site's page,
 * and no API path, ever sends it). The pipeline honours that cookie only for GET and
 * HEAD under /ui, and the UI is mounted read-only, so a cookie can show the team's
 * runs but never change anything.
 */
import type { IncomingMessage } from 'node:http';
import { createUiHandler, crossOrigin, uiRequestListener, type UiHandler } from '../../ui/index.js';
import type { Mount, Reply, Route, ServerContext } from '../http.js';

export const UI_BASE = '/ui';
export const UI_COOKIE = 'mlo_token';
const LOGIN_BODY_BYTES = 4096;
/** a session lasts a working week; the token itself may be revoked sooner */
const COOKIE_MAX_AGE_S = 7 * 24 * 3600;

export function isUiPath(path: string): boolean {
  return path === UI_BASE || path.startsWith(`${UI_BASE}/`);
}

/** The UI mount; its handler (and change feed) starts on the first request. */
export function uiMount(): Mount & { close(): void } {
  let handler: UiHandler | undefined;
  let listener: ReturnType<typeof uiRequestListener> | undefined;
  return {
    name: 'ui',
    scopeOf(method, path) {
      // read-only: what would write (the promotion preview) is not mounted here
      if (!isUiPath(path) || (method !== 'GET' && method !== 'HEAD')) return undefined;
      return 'read';
    },
    async handle(call) {
      if (!listener) {
        handler = createUiHandler({ repo: call.ctx.repo, readOnly: true, mlflow: false });
        // the pipeline has checked the token; any Host may name a team server
        listener = uiRequestListener(handler, { basePath: UI_BASE, allowedHosts: 'any' });
      }
      await listener(call.req, call.res);
      return { sent: true };
    },
    close() {
      handler?.close();
    },
  };
}

/** The token a browser holds for the UI, from its cookie header. */
export function uiCookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === UI_COOKIE) {
      return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return undefined;
}

function loginPage(message?: string): string {
  const note = message ? `<p class="err">${message}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlo — sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}
input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}button{margin-top:.75rem;padding:.5rem 1rem;font:inherit}
.err{color:#b00020}</style></head>
<body><h1>mlo</h1><p>Paste a token of this server (<code>mlo server token create --name NAME --scope read</code>).</p>
${note}<form method="post" action="login"><label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form></body></html>
`;
}

const HTML = 'text/html; charset=utf-8';
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-frame-options': 'DENY',
};

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  let n = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > LOGIN_BODY_BYTES) return undefined;
    chunks.push(c);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function cookie(value: string, maxAge: number, secure: boolean): string {
  return (
    `${UI_COOKIE}=${encodeURIComponent(value)}; Path=${UI_BASE}; HttpOnly; SameSite=Strict; ` +
    `Max-Age=${maxAge}${secure ? '; Secure' : ''}`
  );
}

function isTls(req: IncomingMessage): boolean {
  return Boolean((req.socket as { encrypted?: boolean }).encrypted);
}

function failedLogin(ctx: ServerContext, address: string): void {
  ctx.limiter.fail(address);
  ctx.metrics.authFailures++;
}

/** Sign in and out: the only UI paths that take no token. */
export const uiLoginRoutes: Route[] = [
  {
    name: 'ui_login_page',
    method: 'GET',
    path: /^\/ui\/login$/,
    scope: 'none',
    handle: () => ({ text: loginPage(), contentType: HTML, headers: PAGE_HEADERS }),
  },
  {
    name: 'ui_login',
    method: 'POST',
    path: /^\/ui\/login$/,
    scope: 'none',
    body: 'raw',
    handle: async (call): Promise<Reply> => {
      const address = call.req.socket.remoteAddress ?? '';
      const wait = call.ctx.limiter.retryAfter(address);
      if (wait > 0) {
        call.req.resume();
        call.ctx.metrics.rateLimited++;
        return {
          status: 429,
          text: loginPage('Too many failed sign-ins from this address; wait and try again.'),
          contentType: HTML,
          headers: { ...PAGE_HEADERS, 'retry-after': String(wait), connection: 'close' },
        };
      }
      if (crossOrigin(call.req)) {
        call.req.resume();
        return { status: 403, text: 'sign in from this server’s own page\n' };
      }
      const form = await readForm(call.req);
      const token = form?.get('token')?.trim() ?? '';
      const identity = token ? call.ctx.verifier.verify(token) : undefined;
      if (!identity) {
        failedLogin(call.ctx, address);
        return {
          status: 401,
          text: loginPage('That token is not valid here.'),
          contentType: HTML,
          headers: PAGE_HEADERS,
        };
      }
      return {
        status: 303,
        headers: {
          location: `${UI_BASE}/`,
          'set-cookie': cookie(token, COOKIE_MAX_AGE_S, isTls(call.req)),
          'cache-control': 'no-store',
        },
      };
    },
  },
  {
    name: 'ui_logout',
    method: 'GET',
    path: /^\/ui\/logout$/,
    scope: 'none',
    handle: (call) => ({
      status: 303,
      headers: {
        location: `${UI_BASE}/login`,
        'set-cookie': cookie('', 0, isTls(call.req)),
        'cache-control': 'no-store',
      },
    }),
  },
];
