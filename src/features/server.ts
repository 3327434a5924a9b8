/**
 * `mlo features serve`: a feature server alone (Feast's `feast serve`), answering
 * POST /get-online-features from the online store, and GET /health. Binds loopback
 * unless told otherwise; with a token, every request but the health check needs it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpStatusOf, isMloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { JSON_TYPE, parseJsonBody, readBody, send, tokenChecker } from '../serve/http.js';
import { FEAST_ONLINE_PATH, getOnlineFeaturesFeast } from './feast.js';
import { OnlineFeatures } from './online-read.js';

export interface FeatureServerOptions {
  port?: number;
  host?: string;
  /** a redis URL instead of the definitions' online store */
  onlineStore?: string;
  maxBodyBytes?: number;
  /** bearer token every request but GET /health needs */
  token?: string;
}

export interface FeatureServer {
  url: string;
  version: number;
  close(): Promise<void>;
}

export async function startFeatureServer(
  repo: Repo,
  options: FeatureServerOptions = {},
): Promise<FeatureServer> {
  const features = await OnlineFeatures.open(repo, { onlineStore: options.onlineStore });
  const limit = options.maxBodyBytes ?? 1 << 20;
  const checkToken = options.token === undefined ? undefined : tokenChecker(options.token);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/health' && req.method === 'GET') {
      send(res, 200, JSON_TYPE, '{"status":"ok"}');
      return;
    }
    if (checkToken && !checkToken(req.headers.authorization)) {
      send(res, 401, JSON_TYPE, JSON.stringify({ error: 'missing or wrong bearer token' }), [
        'www-authenticate',
        'Bearer',
      ]);
      return;
    }
    if (path !== FEAST_ONLINE_PATH) {
      send(res, 404, JSON_TYPE, JSON.stringify({ error: `no route ${path}` }));
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, JSON_TYPE, JSON.stringify({ error: 'use POST' }), ['allow', 'POST']);
      return;
    }
    // Feast's own examples post with curl -d (form content type): the body is JSON regardless
    const body = parseJsonBody(await readBody(req, limit));
    const answer = await getOnlineFeaturesFeast(features, body);
    send(res, 200, JSON_TYPE, JSON.stringify(answer));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = httpStatusOf(err);
      const message = isMloError(err) ? err.message : 'internal error';
      send(
        res,
        status,
        JSON_TYPE,
        JSON.stringify({
          error: message,
          ...(isMloError(err) && err.hint ? { hint: err.hint } : {}),
        }),
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 6566, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    version: features.version,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await features.close();
    },
  };
}
