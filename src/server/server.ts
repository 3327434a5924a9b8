/**
 * `mlo server --store DIR`: the team's hub over a bare store. Binds 127.0.0.1 unless
 * told otherwise; TLS from a reverse proxy, or --tls-cert/--tls-key.
 */
import type { Server } from 'node:http';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { openBareRepo } from './bare.js';
import { listen, requestListener, type Mount, type Route, type ServerContext } from './http.js';
import { FailedAuthLimiter, type LimiterOptions } from './limiter.js';
import { ServerMetrics } from './metrics.js';
import { openServerObjects } from './objects-backend.js';
import type { ServerObjectStore } from './objects.js';
import { miscRoutes } from './routes/misc.js';
import { feedbackRoutes } from './routes/feedback.js';
import { mlflowMount } from './routes/mlflow.js';
import { objectRoutes } from './routes/objects.js';
import { predictionRoutes } from './routes/predictions.js';
import { registryRoutes } from './routes/registry.js';
import { syncRoutes } from './routes/sync.js';
import { uiLoginRoutes, uiMount } from './routes/ui.js';
import { TokenVerifier } from './tokens.js';
import { Watchers } from './watch.js';

export interface ServerOptions {
  /** the server store (mlo server init DIR) */
  store: string;
  /** default 127.0.0.1 */
  host?: string;
  /** default 5000; 0 picks a free port */
  port?: number;
  /** read endpoints answer requests without a token */
  allowAnonymousRead?: boolean;
  tls?: { cert: string; key: string };
  /** largest object upload (default 20 GiB) */
  maxObjectBytes?: number;
  limiter?: LimiterOptions;
  /** extra handlers to mount behind the same authentication (a UI, read scope) */
  mounts?: Mount[];
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  repo: Repo;
  /** where the objects are kept: the store's objects/ directory or s3://bucket/prefix */
  objects: string;
  server: Server;
  /** the route table (name, method, least scope): what docs and tests enumerate */
  routes: { name: string; method: string; scope: string }[];
  /** stop accepting, end waiting long polls, close the store */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const repo = openBareRepo(options.store);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let objects: ServerObjectStore;
  try {
    void repo.store; // opens and migrates before the port is taken
    objects = openServerObjects(repo);
  } catch (err) {
    repo.close();
    throw err;
  }
  try {
    await objects.check();
  } catch (err) {
    objects.close();
    repo.close();
    throw err;
  }
  const watchers = new Watchers(repo);
  const routes: Route[] = [
    ...miscRoutes,
    ...syncRoutes,
    ...predictionRoutes,
    ...feedbackRoutes(repo),
    ...objectRoutes(objects),
    ...registryRoutes(objects, watchers),
    ...uiLoginRoutes,
  ];
  const ui = uiMount();
  const mounts: Mount[] = [mlflowMount, ui, ...(options.mounts ?? [])];
  const ctx: ServerContext = {
    repo,
    verifier: new TokenVerifier(repo.store),
    limiter: new FailedAuthLimiter(options.limiter),
    metrics: new ServerMetrics([...routes.map((r) => r.name), ...mounts.map((m) => m.name)]),
    allowAnonymousRead: options.allowAnonymousRead ?? false,
    maxObjectBytes: options.maxObjectBytes ?? 20 * 2 ** 30,
    log,
    registryChanged: () => watchers.notify(),
  };
  const host = options.host ?? '127.0.0.1';
  let listening;
  try {
    listening = await listen(requestListener(ctx, routes, mounts), {
      host,
      port: options.port ?? 5000,
      tls: options.tls,
    });
  } catch (err) {
    watchers.close();
    ui.close();
    objects.close();
    repo.close();
    throw err;
  }
  const { server, url, port } = listening;
  let closed = false;
  return {
    url,
    port,
    host,
    repo,
    objects: objects.where,
    server,
    routes: routes.map((r) => ({ name: r.name, method: r.method, scope: r.scope })),
    close: async () => {
      if (closed) return;
      closed = true;
      watchers.close();
      ui.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // requests still running get a moment; then their connections go
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      objects.close();
      repo.close();
    },
  };
}

export function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MloError('USAGE', `--port ${port}: a port number 0-65535`);
  }
  return port;
}
