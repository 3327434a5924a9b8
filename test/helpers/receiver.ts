/**
 * A real HTTP receiver on 127.0.0.1 for alert tests: records every request and answers
 * as scripted per path (a queue of answers, then a default), like Slack, Teams,
 * PagerDuty or a webhook would.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** the next answers for a path (then its default) */
  script(path: string, answers: Answer[]): void;
  /** the answer once the script is used up (default 200 "ok") */
  setDefault(path: string, answer: Answer): void;
  on(path: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const scripts = new Map<string, Answer[]>();
  const defaults = new Map<string, Answer>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      const path = req.url ?? '/';
      received.push({
        method: req.method ?? '',
        path,
        headers: req.headers,
        body,
        json,
        at: Date.now(),
      });
      const answer = scripts.get(path)?.shift() ??
        defaults.get(path) ?? { status: 200, body: 'ok' };
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  try {
    onTestFinished(close);
  } catch {
    // outside a test: the caller closes it
  }
  return {
    url,
    received,
    script: (path, answers) => scripts.set(path, [...answers]),
    setDefault: (path, answer) => defaults.set(path, answer),
    on: (path) => received.filter((r) => r.path === path),
    close,
  };
}
