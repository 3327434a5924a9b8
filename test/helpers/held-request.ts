/**
 * An HTTP request whose body is held back: the headers and all but the last byte go
 * out at once, so the server has taken the request and cannot answer it until the
 * test calls finish(). Graceful-shutdown tests use it to have requests that are in
 * flight for certain, however loaded the machine, instead of racing a slow model.
 */
import { request as httpRequest } from 'node:http';

export interface Held {
  /** sends the last byte; resolves with the answer */
  finish(): Promise<{ status: number; body: unknown }>;
}

export function heldRequest(url: string, body: unknown): Held {
  const data = Buffer.from(JSON.stringify(body));
  const req = httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': data.length },
  });
  const answer = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      res.on('error', reject);
    });
  });
  // an unhandled rejection before finish() is awaited would fail the run, not the test
  answer.catch(() => {});
  req.flushHeaders();
  req.write(data.subarray(0, data.length - 1));
  return {
    finish() {
      req.end(data.subarray(data.length - 1));
      return answer;
    },
  };
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
