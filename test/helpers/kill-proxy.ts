/**
 * An HTTP proxy in front of a test server that can kill it at a chosen request: the
 * request is forwarded whole, and the server is killed with SIGKILL before its answer
 * reaches the client. The server may or may not have committed that request; the
 * client never learns which, exactly as when a machine dies mid-request.
 */
import { createServer, request, type Server } from 'node:http';

export interface KillProxy {
  url: string;
  /** requests seen, by "METHOD path" */
  seen: string[];
  close(): Promise<void>;
}

export async function startKillProxy(
  target: string,
  /**
   * called for each request: 'received' kills the server as soon as the request is
   * forwarded whole (it may not have committed it), 'answered' once its answer starts
   * (it committed it, and the client never hears so)
   */
  killAt: (method: string, path: string, n: number) => 'received' | 'answered' | undefined,
  kill: () => Promise<void>,
): Promise<KillProxy> {
  const seen: string[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const n = seen.push(`${req.method} ${req.url}`);
    const doom = killAt(req.method ?? 'GET', req.url ?? '/', n);
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upRes) => {
        if (doom === 'answered') {
          // the server answered (or is about to): it dies before the client hears it
          upRes.resume();
          void kill().then(() => res.destroy());
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    if (doom === 'received') {
      up.on('finish', () => void kill().then(() => res.destroy()));
    }
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
