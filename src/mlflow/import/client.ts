/**
 * A small client for an MLflow tracking server, as MLflow's own clients talk to it
 * (rest_utils.py): the URL's host plus `/api/2.0/mlflow/...`, Basic auth from
 * MLFLOW_TRACKING_USERNAME/PASSWORD or else a Bearer MLFLOW_TRACKING_TOKEN, retries
 * on 429/5xx and dropped connections. Every failure ends as one MloError line naming
 * the URL and what went wrong; answers are read with a size bound.
 */
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { MloError } from '../../errors.js';

const RETRIES = 3;
const BACKOFF_MS = 250;
const JSON_TIMEOUT_MS = 120_000;
const DOWNLOAD_TIMEOUT_MS = 30 * 60_000;
/** a page of runs or metric history is far below this; a server sending more is refused */
const MAX_JSON_BYTES = 64 << 20;

export interface TrackingClient {
  /** the server's URL without credentials, for messages */
  readonly base: string;
  get(endpoint: string, query: Record<string, string | undefined>): Promise<unknown>;
  post(endpoint: string, body: Record<string, unknown>): Promise<unknown>;
  /** GET a URL path under the server into `dest`; at most `maxBytes` when given. */
  download(path: string, dest: string, maxBytes?: number): Promise<number>;
}

function authHeader(env: NodeJS.ProcessEnv, url: URL): string | undefined {
  const user = env.MLFLOW_TRACKING_USERNAME ?? decodeURIComponent(url.username);
  const password = env.MLFLOW_TRACKING_PASSWORD ?? decodeURIComponent(url.password);
  if (user && password) return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  if (env.MLFLOW_TRACKING_TOKEN) return `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
  return undefined;
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim().slice(0, 300);

function causeOf(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  if (e.cause?.code === 'ECONNREFUSED') return 'connection refused';
  return oneLine(e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
}

/** The error document MLflow answers with, or the start of whatever else came. */
function describe(status: number, statusText: string, body: string): string {
  try {
    const doc = JSON.parse(body) as { error_code?: unknown; message?: unknown };
    if (typeof doc.error_code === 'string')
      return `${status} ${doc.error_code}: ${oneLine(typeof doc.message === 'string' ? doc.message : '')}`;
  } catch {
    // not MLflow's JSON: a proxy's page, a different server
  }
  return `${status} ${statusText}`.trim();
}

const retryable = (status: number): boolean => status === 429 || status >= 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBounded(res: Response, where: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (!res.body) return '';
  for await (const chunk of Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES)
      throw new MloError(
        'UNAVAILABLE',
        `MLflow server ${where}: answer larger than ${MAX_JSON_BYTES} bytes`,
      );
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function trackingClient(
  target: string,
  env: NodeJS.ProcessEnv = process.env,
): TrackingClient {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new MloError('USAGE', `${target}: not a valid URL`);
  }
  const auth = authHeader(env, url);
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  const base = url.toString().replace(/\/+$/, '');
  const headers: Record<string, string> = {
    'User-Agent': 'mlo',
    ...(auth && { Authorization: auth }),
  };

  /** One request with retries; returns a 2xx response or throws one line. */
  async function send(path: string, init: RequestInit, timeoutMs: number): Promise<Response> {
    const where = `${base}${path.split('?')[0]}`;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          ...init,
          headers: { ...headers, ...(init.headers as Record<string, string>) },
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        if (attempt < RETRIES) {
          await sleep(BACKOFF_MS * 2 ** (attempt - 1));
          continue;
        }
        throw new MloError('UNAVAILABLE', `MLflow server ${where}: ${causeOf(err)}`, {
          cause: err,
        });
      }
      if (res.ok) return res;
      const body = await readBounded(res, where).catch(() => '');
      if (retryable(res.status) && attempt < RETRIES) {
        await sleep(BACKOFF_MS * 2 ** (attempt - 1));
        continue;
      }
      const what = describe(res.status, res.statusText, body);
      if (res.status === 401 || res.status === 403)
        throw new MloError('UNAUTHORIZED', `MLflow server ${where}: ${what}`, {
          hint: 'set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD',
        });
      throw new MloError('UNAVAILABLE', `MLflow server ${where}: ${what}`, {
        details: { status: res.status },
      });
    }
  }

  async function json(path: string, init: RequestInit): Promise<unknown> {
    const res = await send(path, init, JSON_TIMEOUT_MS);
    const where = `${base}${path.split('?')[0]}`;
    const text = await readBounded(res, where);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new MloError('UNAVAILABLE', `MLflow server ${where}: the answer is not JSON`);
    }
  }

  return {
    base,
    get(endpoint, query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
      return json(`/api/2.0/mlflow/${endpoint}?${q.toString()}`, { method: 'GET' });
    },
    post(endpoint, body) {
      return json(`/api/2.0/mlflow/${endpoint}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    },
    async download(path, dest, maxBytes) {
      const res = await send(path, { method: 'GET' }, DOWNLOAD_TIMEOUT_MS);
      let size = 0;
      const where = `${base}${path.split('?')[0]}`;
      const body = res.body
        ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)
        : Readable.from([]);
      try {
        await pipeline(
          body,
          new Transform({
            transform(chunk: Buffer, _enc, done) {
              size += chunk.length;
              if (maxBytes !== undefined && size > maxBytes)
                done(
                  new MloError(
                    'UNAVAILABLE',
                    `MLflow server ${where}: sent more than the ${maxBytes} bytes it listed`,
                  ),
                );
              else done(null, chunk);
            },
          }),
          createWriteStream(dest),
        );
      } catch (err) {
        if (err instanceof MloError) throw err;
        throw new MloError('UNAVAILABLE', `MLflow server ${where}: ${causeOf(err)}`, {
          cause: err,
        });
      }
      return size;
    },
  };
}
