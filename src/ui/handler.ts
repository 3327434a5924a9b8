/**
 * `mlo ui` as one transport-independent function: the JSON API (/api/ui/...), the
 * live change feed (/api/ui/events), MLflow's REST API (its own paths), and the
 * built front end for every other GET. `mlo ui` mounts it on node:http (http.ts);
 * `mlo server` mounts the same function behind its authentication.
 */
import { createMlflowHandler, isMlflowPath } from '../mlflow/index.js';
import type { Repo } from '../repo/index.js';
import { errorResponse, handleApi } from './api.js';
import { createUiContext } from './context.js';
import { createChangeFeed } from './live.js';
import { defaultStaticDir, serveStatic } from './static.js';
import type { UiRequest, UiResponse } from './types.js';

export interface UiHandlerOptions {
  repo: Repo;
  /** refuse what writes: the promotion preview and MLflow's writing endpoints */
  readOnly?: boolean;
  /** who acts in audits (MLflow registry edits); default: MLO_USER, git's user, the OS user */
  who?: string;
  /** also answer MLflow's REST API (default true) */
  mlflow?: boolean;
  /** the built front end (default: dist/ui of this package) */
  staticDir?: string;
  /** how often the change feed looks at the store (ms, default 500) */
  liveIntervalMs?: number;
}

export interface UiHandler {
  (req: UiRequest): Promise<UiResponse>;
  /** stop the change feed (open event streams end) */
  close(): void;
}

/** MLflow endpoints that only read, for a read-only mount. */
const MLFLOW_READS = /\/(?:runs|experiments|logged-models)\/search$|\/get-latest-versions$/;

export function isUiApiPath(path: string): boolean {
  return path === '/api/ui' || path.startsWith('/api/ui/');
}

export function createUiHandler(options: UiHandlerOptions): UiHandler {
  const ctx = createUiContext(options);
  const staticDir = options.staticDir ?? defaultStaticDir();
  const live = createChangeFeed(options.repo.store, { intervalMs: options.liveIntervalMs });
  const mlflow =
    options.mlflow === false
      ? undefined
      : createMlflowHandler({ repo: options.repo, who: options.who });

  const handle = async (req: UiRequest): Promise<UiResponse> => {
    try {
      if (req.path === '/api/ui/events' && req.method === 'GET') {
        return {
          status: 200,
          headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
          events: live.feed,
        };
      }
      if (isUiApiPath(req.path)) return await handleApi(ctx, req);
      if (mlflow && isMlflowPath(req.path)) {
        if (ctx.readOnly && req.method !== 'GET' && !MLFLOW_READS.test(req.path)) {
          return {
            status: 403,
            json: { error_code: 'PERMISSION_DENIED', message: 'this server is read-only' },
          };
        }
        const r = await mlflow(req);
        return r.bytes
          ? {
              status: r.status,
              headers: {
                'content-type': r.contentType ?? 'application/octet-stream',
                'x-content-type-options': 'nosniff',
                'content-security-policy': "default-src 'none'; sandbox",
              },
              body: r.bytes,
            }
          : { status: r.status, json: r.json ?? {} };
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        const file = serveStatic(staticDir, req.path);
        if (file) return file;
      }
      return {
        status: 404,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: `not found: ${req.path}\n`,
      };
    } catch (err) {
      return errorResponse(err);
    }
  };
  return Object.assign(handle, { close: () => live.close() });
}
