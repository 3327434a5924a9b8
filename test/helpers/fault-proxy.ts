/**
 * An HTTP proxy in front of a test server (s3rver) that counts requests and injects
 * faults into chosen ones: error statuses (500, 503, S3's SlowDown), a connection
 * reset half-way through a response or request body, or a hook that runs when a
 * request arrives (to kill a process at an exact point of a transfer).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  'status500' | 'status503' | 'slowdown' | 'reset-response-body' | 'reset-request-body' | 'hang';

export interface FaultRule {
  /** which requests: method, a test on the URL (path and query) and on the Range header */
  method?: string;
  url?: RegExp;
  range?: RegExp;
  /** skip this many matching requests before faulting */
  after?: number;
  /** fault this many matching requests (default 1) */
  times?: number;
  fault?: Fault;
  /** called when a matching request arrives (before it is faulted or forwarded) */
  onMatch?: () => void;
}

export interface LoggedRequest {
  method: string;
  url: string;
  /** the Range header, if any */
  range?: string;
  status?: number;
  fault?: Fault;
}

export interface FaultProxy {
  endpoint: string;
  port: number;
  log: LoggedRequest[];
  rules: FaultRule[];
  /** requests whose method and URL match */
  count(method: string, url?: RegExp): number;
  close(): Promise<void>;
}

const SLOWDOWN_XML =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
const INTERNAL_XML =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>';

export async function startFaultProxy(target: () => number): Promise<FaultProxy> {
  const log: LoggedRequest[] = [];
  const rules: FaultRule[] = [];
  const seen = new Map<FaultRule, number>();
  const sockets = new Set<Socket>();

  const pickFault = (req: IncomingMessage): FaultRule | undefined => {
    for (const rule of rules) {
      if (rule.method && rule.method !== req.method) continue;
      if (rule.url && !rule.url.test(req.url ?? '')) continue;
      if (rule.range && !rule.range.test(req.headers.range ?? '')) continue;
      const n = seen.get(rule) ?? 0;
      seen.set(rule, n + 1);
      const after = rule.after ?? 0;
      if (n >= after && n < after + (rule.times ?? 1)) return rule;
    }
    return undefined;
  };

  const server: Server = createServer((req, res) => {
    const entry: LoggedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      range: req.headers.range,
    };
    log.push(entry);
    const rule = pickFault(req);
    rule?.onMatch?.();
    const fault = rule?.fault;
    entry.fault = fault;
    if (fault === 'hang') return;
    if (fault === 'status500' || fault === 'status503' || fault === 'slowdown') {
      // read the body first, as a real server answering an error would
      req.resume();
      req.on('end', () => {
        entry.status = fault === 'status500' ? 500 : 503;
        res.writeHead(entry.status, { 'content-type': 'application/xml' });
        res.end(fault === 'slowdown' ? SLOWDOWN_XML : fault === 'status503' ? '' : INTERNAL_XML);
      });
      return;
    }
    if (fault === 'reset-request-body') {
      let got = 0;
      const want = Number(req.headers['content-length'] ?? 0) / 2;
      req.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= want) req.socket.destroy();
      });
      return;
    }
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: target(),
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        entry.status = up.statusCode;
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (fault === 'reset-response-body') {
          const length = Number(up.headers['content-length'] ?? 0);
          let sent = 0;
          up.on('data', (d: Buffer) => {
            if (sent + d.length >= length / 2) {
              res.write(d.subarray(0, Math.max(0, Math.floor(length / 2) - sent)));
              sent = length;
              up.destroy();
              // let the half body reach the client, then cut the connection
              setTimeout(() => res.socket?.destroy(), 20);
              return;
            }
            sent += d.length;
            res.write(d);
          });
          return;
        }
        up.pipe(res);
      },
    );
    // A dead upstream looks like a dead server to the client: the connection drops.
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    log,
    rules,
    count: (method, url) =>
      log.filter((r) => r.method === method && (!url || url.test(r.url))).length,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
