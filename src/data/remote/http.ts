/**
 * An mlo server as a remote (`mlo remote add team http://host:5000`): the transport
 * every request to a server goes through (bearer token, retries where a retry cannot
 * do harm, one UNAVAILABLE error naming the remote when it cannot be reached), and
 * the object endpoints as a Remote, so push and pull move objects to a server the
 * way they do to a directory. Records travel through src/sync on the same transport.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { MloError, type MloErrorCode } from '../../errors.js';
import { hashFile, sha256 } from '../hash.js';
import { corruptLocal } from './s3-common.js';
import type { PutSource, Remote, RemoteObject, TransferHooks } from './types.js';

/** The variable a server remote's token is read from first (then the remote's `token` setting). */
export const TOKEN_ENV = 'MLO_TOKEN';

export interface ServerTarget {
  /** the remote's name, or the URL when there is no repository to name one in */
  name: string;
  /** http(s)://host:port, without a trailing slash */
  url: string;
  token?: string;
}

export interface ClientOptions {
  /** attempts for requests that are safe to repeat (default 4) */
  attempts?: number;
  /** per-request timeout (default 120 s; long polls pass their own) */
  timeoutMs?: number;
}

/** Whether a request may be sent again after a failure mid-way. */
export type Retry = 'idempotent' | 'connect-only';

export interface RequestOptions {
  body?: unknown;
  /** raw bytes to send instead of JSON */
  raw?: Uint8Array;
  /** a file to send as the body, read anew for each attempt (memory stays bounded) */
  file?: string;
  headers?: Record<string, string>;
  retry?: Retry;
  timeoutMs?: number;
  /** statuses that are answers, not errors (304 for long polls) */
  accept?: number[];
}

const STATUS_CODES: Record<number, MloErrorCode> = {
  400: 'INVALID',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA',
  422: 'CHECK_FAILED',
};

const KNOWN: ReadonlySet<string> = new Set([
  'USAGE',
  'INVALID',
  'NOT_FOUND',
  'UNSUPPORTED',
  'CONFLICT',
  'CHECK_FAILED',
  'TOO_LARGE',
  'UNSUPPORTED_MEDIA',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'UNAVAILABLE',
]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class HttpTransport {
  readonly requests: Record<string, number> = {};
  retries = 0;
  private readonly attempts: number;
  private readonly timeoutMs: number;

  constructor(
    readonly target: ServerTarget,
    options: ClientOptions = {},
  ) {
    this.attempts = options.attempts ?? 4;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  get name(): string {
    return this.target.name;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...(this.target.token && { authorization: `Bearer ${this.target.token}` }),
      ...extra,
    };
  }

  /** One request, retried (with backoff) when that is safe; the Response of the last attempt. */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    const kind = `${method} ${path.split('?')[0].replace(/[0-9a-f]{64}/, ':hash')}`;
    const retry = o.retry ?? (method === 'GET' ? 'idempotent' : 'connect-only');
    const fixed: RequestInit['body'] =
      (o.raw as Uint8Array<ArrayBuffer> | undefined) ??
      (o.body === undefined ? undefined : JSON.stringify(o.body));
    const headers = this.headers({
      ...(o.body !== undefined && { 'content-type': 'application/json' }),
      ...o.headers,
    });
    let lastErr: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      this.requests[kind] = (this.requests[kind] ?? 0) + 1;
      let res: Response;
      try {
        const url = `${this.target.url}${path}`;
        const timeoutMs = o.timeoutMs ?? this.timeoutMs;
        res =
          o.file === undefined
            ? await fetch(url, {
                method,
                headers,
                body: fixed,
                signal: AbortSignal.timeout(timeoutMs),
              })
            : await sendFile(url, method, headers, o.file, timeoutMs);
      } catch (err) {
        lastErr = err;
        // nothing reached the server, or a repeat is harmless
        if (attempt < this.attempts && (retry === 'idempotent' || refusedConnection(err))) {
          this.retries++;
          await sleep(backoff(attempt));
          continue;
        }
        throw this.unreachable(err);
      }
      if (o.accept?.includes(res.status) || res.ok) return res;
      const transient =
        res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504;
      if (transient && retry === 'idempotent' && attempt < this.attempts) {
        await res.arrayBuffer().catch(() => undefined);
        this.retries++;
        const after = Number(res.headers.get('retry-after'));
        await sleep(
          Number.isFinite(after) && after > 0 ? Math.min(after, 10) * 1000 : backoff(attempt),
        );
        continue;
      }
      throw await this.httpError(res);
    }
    throw this.unreachable(lastErr);
  }

  async json<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, o);
    if (res.status === 304 || res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch {
      throw new MloError(
        'INVALID',
        `${this.name}: the answer to ${method} ${path.split('?')[0]} is not JSON`,
        { hint: `is ${this.target.url} an mlo server?` },
      );
    }
  }

  /**
   * Upload one object (checked against its hash by the server before it appears). A
   * file is streamed: objects can be many GiB, and none is held in memory whole.
   */
  async putObject(hash: string, source: { path: string } | { data: Uint8Array }): Promise<void> {
    await this.request('PUT', `/api/objects/${hash}`, {
      ...('data' in source ? { raw: source.data } : { file: source.path }),
      headers: { 'content-type': 'application/octet-stream' },
      retry: 'idempotent',
    });
  }

  /** Download one object into `dest` (a new file), checked against its hash. */
  async getObject(
    hash: string,
    dest: string,
    onBytes?: (n: number) => void,
  ): Promise<{ size: number }> {
    const res = await this.request('GET', `/api/objects/${hash}`);
    const h = createHash('sha256');
    let size = 0;
    const fh = await open(dest, 'wx', 0o444);
    try {
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          h.update(chunk);
          size += chunk.length;
          await fh.write(chunk);
          onBytes?.(chunk.length);
        }
      }
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(dest, { force: true });
      throw err;
    }
    await fh.close();
    if (h.digest('hex') !== hash) {
      await rm(dest, { force: true });
      throw new MloError(
        'INVALID',
        `${this.name}: object ${hash.slice(0, 12)} arrived corrupt (hash mismatch)`,
      );
    }
    return { size };
  }

  async readObject(hash: string): Promise<Uint8Array> {
    const res = await this.request('GET', `/api/objects/${hash}`);
    const data = new Uint8Array(await res.arrayBuffer());
    if (createHash('sha256').update(data).digest('hex') !== hash) {
      throw new MloError(
        'INVALID',
        `${this.name}: object ${hash.slice(0, 12)} arrived corrupt (hash mismatch)`,
      );
    }
    return data;
  }

  private unreachable(err: unknown): MloError {
    if (err instanceof MloError) return err;
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    const why =
      (err as Error)?.name === 'TimeoutError'
        ? 'no answer in time'
        : (cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err));
    return new MloError('UNAVAILABLE', `cannot reach ${this.name} (${this.target.url}): ${why}`, {
      hint: 'is the server running and the URL right? `mlo remote list` shows it',
      cause: err,
    });
  }

  private async httpError(res: Response): Promise<MloError> {
    let code: MloErrorCode =
      STATUS_CODES[res.status] ?? (res.status >= 500 ? 'UNAVAILABLE' : 'INVALID');
    let message = `${res.status} ${res.statusText}`;
    let hint: string | undefined;
    try {
      const body = (await res.json()) as {
        error?: { code?: string; message?: string; hint?: string };
      };
      if (body.error?.message) message = body.error.message;
      if (body.error?.code && KNOWN.has(body.error.code)) code = body.error.code as MloErrorCode;
      hint = body.error?.hint;
    } catch {
      // not an mlo error document
    }
    if (res.status === 401) {
      hint = `give ${this.name} a token: export MLO_TOKEN=<token>, or \`mlo remote modify ${this.name} token <token> --local\``;
    }
    return new MloError(code, `${this.name}: ${message}`, { hint });
  }
}

/**
 * Send a file as a request body with node:http(s), answered as a fetch Response. fetch
 * in Node 20 keeps every chunk of a streamed body until the request ends, so a 400 MiB
 * upload held 400 MiB; piping the file into the request keeps a few pieces in flight.
 * Transport errors carry their code in `cause`, as fetch's do.
 */
async function sendFile(
  url: string,
  method: string,
  headers: Record<string, string>,
  file: string,
  timeoutMs: number,
): Promise<Response> {
  const size = (await stat(file)).size;
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const failed = (err: Error): Error =>
    Object.assign(new Error(err.message), { name: err.name, cause: err });
  return new Promise<Response>((resolve, reject) => {
    const req = send(
      target,
      { method, headers: { ...headers, 'content-length': String(size) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(failed(err)));
        res.on('end', () => {
          const status = res.statusCode ?? 502;
          const answer = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) answer.set(k, Array.isArray(v) ? v.join(', ') : v);
          }
          const empty = status === 204 || status === 304;
          resolve(
            new Response(empty ? null : Buffer.concat(chunks), {
              status,
              statusText: res.statusMessage,
              headers: answer,
            }),
          );
        });
      },
    );
    req.on('timeout', () => {
      const err = new Error('no answer in time');
      err.name = 'TimeoutError';
      req.destroy(err);
    });
    req.on('error', (err) => reject(failed(err)));
    pipeline(createReadStream(file), req).catch((err: Error) => reject(failed(err)));
  });
}

function refusedConnection(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } })?.cause?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

function backoff(attempt: number): number {
  return Math.min(200 * 2 ** (attempt - 1), 3000) + Math.floor(Math.random() * 100);
}

const HAS_BATCH = 10_000;
/** Objects up to this size are read whole and sent in one buffer; larger ones stream. */
const IN_MEMORY_BYTES = 8 << 20;

/**
 * The object endpoints of a server as a Remote. The server keeps the same epoch
 * contract as the other kinds: it writes a new epoch whenever it deletes objects
 * (src/server/objects.ts), so a client's remembered index never outlives a gc.
 */
export class HttpRemote extends HttpTransport implements Remote {
  get url(): string {
    return this.target.url;
  }

  async has(objects: readonly { hash: string; size?: number }[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (let i = 0; i < objects.length; i += HAS_BATCH) {
      const r = await this.json<{ present: string[] }>('POST', '/api/objects/has', {
        body: {
          objects: objects
            .slice(i, i + HAS_BATCH)
            .map((o) => (o.size === undefined ? { hash: o.hash } : { hash: o.hash, size: o.size })),
        },
        retry: 'idempotent',
      });
      for (const h of r.present) present.add(h);
    }
    return present;
  }

  async *list(options: { fanouts?: readonly string[] } = {}): AsyncIterable<RemoteObject> {
    for (const fanout of options.fanouts ?? [undefined]) {
      const q = fanout === undefined ? '' : `?fanout=${fanout}`;
      const r = await this.json<{ objects: [string, number, number][] }>('GET', `/api/objects${q}`);
      for (const [hash, size, mtimeMs] of r.objects) {
        yield mtimeMs ? { hash, size, mtimeMs } : { hash, size };
      }
    }
  }

  async put(
    hash: string,
    size: number,
    source: PutSource,
    hooks: TransferHooks = {},
  ): Promise<void> {
    // the server checks the hash too; checking here names the local copy as the culprit
    if ('data' in source) {
      if (source.data.length !== size || sha256(source.data) !== hash) throw corruptLocal(hash);
    } else if (size <= IN_MEMORY_BYTES) {
      const data = await readFile(source.path);
      if (data.length !== size || sha256(data) !== hash) throw corruptLocal(hash);
      await this.putObject(hash, { data });
      hooks.onBytes?.(size);
      return;
    } else {
      // hashed in pieces first, then streamed: two reads, but never the whole file in memory
      const got = (await stat(source.path)).size === size ? hashFile(source.path) : undefined;
      if (got?.size !== size || got.hash !== hash) throw corruptLocal(hash);
    }
    await this.putObject(hash, source);
    hooks.onBytes?.(size);
  }

  get(
    hash: string,
    dest: string,
    options: TransferHooks & { size?: number } = {},
  ): Promise<{ size: number }> {
    return this.getObject(hash, dest, options.onBytes);
  }

  read(hash: string): Promise<Uint8Array> {
    return this.readObject(hash);
  }

  /** Needs a token with the admin scope (`mlo gc --remote` on a server remote). */
  async delete(hashes: readonly string[]): Promise<void> {
    for (let i = 0; i < hashes.length; i += HAS_BATCH) {
      await this.json('POST', '/api/objects/delete', {
        body: { hashes: hashes.slice(i, i + HAS_BATCH) },
        retry: 'idempotent',
      });
    }
  }

  async readEpoch(): Promise<string> {
    return (await this.json<{ epoch: string }>('GET', '/api/objects-epoch')).epoch;
  }

  async writeEpoch(epoch: string): Promise<void> {
    await this.json('PUT', '/api/objects-epoch', { body: { epoch }, retry: 'idempotent' });
  }

  close(): void {}
}
