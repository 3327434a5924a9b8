/**
 * An S3 remote: s3://bucket/prefix on AWS S3 or any S3-compatible store (MinIO,
 * Cloudflare R2, Google Cloud Storage's XML API). Objects sit at
 * <prefix>/<hh>/<rest-of-sha256>, the layout of the cache and of a directory remote,
 * so either can be copied to the other with any S3 tool.
 *
 * This file holds the requests and their retries; s3-transfer.ts holds the large
 * object paths (multipart upload, ranged download) that resume after a kill.
 */
import { readFile } from 'node:fs/promises';
import { MloError } from '../../errors.js';
import type { RemoteConfig } from '../../repo/index.js';
import { sha256 } from '../hash.js';
import { Limiter } from './limit.js';
import { classifyError, withRetry, type RetryPolicy } from './retry.js';
import { connectS3, type S3Connection } from './s3-client.js';
import {
  corruptLocal,
  incompleteBody,
  isNotFound,
  MULTIPART_THRESHOLD,
  objectAbsent,
  type S3Location,
} from './s3-common.js';
import { downloadObject, uploadMultipart, abortStaleUploads, type S3Io } from './s3-transfer.js';
import type { PutSource, Remote, RemoteObject, RemoteOpenOptions, TransferHooks } from './types.js';

type SseMode = 'AES256' | 'aws:kms' | 'aws:kms:dsse';

const BUCKET_RE = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

export function parseS3Url(name: string, url: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  const bucket = m?.[1] ?? '';
  if (!BUCKET_RE.test(bucket)) {
    throw new MloError('USAGE', `remote "${name}": "${url}" is not s3://bucket/prefix`, {
      hint: 'a bucket name has 3-63 lower-case letters, digits, dots, dashes or underscores',
    });
  }
  const prefix = (m?.[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((p) => p === '.' || p === '..')) {
    throw new MloError('USAGE', `remote "${name}": the prefix of "${url}" has a "." or ".." part`);
  }
  return { bucket, prefix };
}

/** Below this many objects to check, a HEAD each beats listing. */
const HEAD_MAX = 16;
const EPOCH_KEY = 'mlo-epoch';
const HASH_TAIL_RE = /^[0-9a-f]{62}$/;
const FANOUTS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class S3Remote implements Remote, S3Io {
  readonly name: string;
  readonly url: string;
  readonly location: S3Location;
  readonly requests: Record<string, number> = {};
  readonly limiter: Limiter;
  readonly partBuffers: Limiter;
  readonly stateDir: string;
  readonly tmpDir: string;
  retries = 0;
  retryPolicy: RetryPolicy | undefined;
  private connecting: Promise<S3Connection> | undefined;
  private conn: S3Connection | undefined;
  /** false once the store refused DeleteObjects (GCS has no multi-object delete) */
  private bulkDelete = true;

  constructor(
    name: string,
    private readonly conf: RemoteConfig,
    options: RemoteOpenOptions,
  ) {
    this.name = name;
    this.url = conf.url;
    this.location = parseS3Url(name, conf.url);
    this.limiter = new Limiter(options.jobs);
    // every request slot busy with a part, and two parts being read ahead
    this.partBuffers = new Limiter(options.jobs + 2);
    this.stateDir = options.stateDir;
    this.tmpDir = options.tmpDir;
    this.jobs = options.jobs;
  }

  readonly jobs: number;

  connection(): Promise<S3Connection> {
    this.connecting ??= connectS3(this.conf, this.jobs).then((c) => (this.conn = c));
    return this.connecting;
  }

  keyOf(hash: string): string {
    const rel = `${hash.slice(0, 2)}/${hash.slice(2)}`;
    return this.location.prefix ? `${this.location.prefix}/${rel}` : rel;
  }

  private get keyPrefix(): string {
    return this.location.prefix ? `${this.location.prefix}/` : '';
  }

  /** Server-side encryption parameters for the requests that create objects. */
  get encryption(): { ServerSideEncryption?: SseMode; SSEKMSKeyId?: string } {
    if (!this.conf.sse) return {};
    return { ServerSideEncryption: this.conf.sse, SSEKMSKeyId: this.conf.sse_kms_key_id };
  }

  /**
   * Send one request with retries, holding a slot for each attempt (never while
   * waiting to retry). `consume` reads the response body inside the attempt, so a
   * connection reset mid-body is retried like any other transient failure.
   */
  async request<R>(kind: string, attempt: (conn: S3Connection) => Promise<R>): Promise<R> {
    const conn = this.conn ?? (await this.connection());
    return withRetry(
      () =>
        this.limiter.run(() => {
          this.requests[kind] = (this.requests[kind] ?? 0) + 1;
          return attempt(conn);
        }),
      { policy: this.retryPolicy, onRetry: () => this.retries++ },
    );
  }

  /** The MloError a failed request ends in: names the remote, the cause and what to do. */
  fail(err: unknown, what: string): Error {
    if (err instanceof MloError) return err;
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const where = `remote "${this.name}" (${this.url})`;
    const detail = `${e.name ?? 'Error'}${status ? ` ${status}` : ''}: ${e.message ?? String(err)}`;
    if (e.name === 'CredentialsProviderError' || /credential/i.test(e.name ?? '')) {
      return new MloError('UNAUTHORIZED', `${where}: no AWS credentials found`, {
        cause: err,
        hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or `mlo remote modify --local NAME access_key_id ...` (see docs/remotes.md)',
      });
    }
    if (
      status === 403 ||
      ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken'].includes(
        e.name ?? '',
      )
    ) {
      return new MloError('UNAUTHORIZED', `${where}: ${what}: access denied (${detail})`, {
        cause: err,
        hint: 'check the credentials, and that they may read, write and list the bucket',
      });
    }
    if (e.name === 'NoSuchBucket') {
      return new MloError(
        'NOT_FOUND',
        `${where}: bucket "${this.location.bucket}" does not exist`,
        {
          cause: err,
        },
      );
    }
    if (classifyError(err) !== 'fatal') {
      return new MloError('UNAVAILABLE', `${where}: ${what} kept failing (${detail})`, {
        cause: err,
        hint: 'run the command again: objects that arrived whole are not sent again',
      });
    }
    if (e instanceof TypeError || e instanceof RangeError) return err as Error;
    return new MloError('UNAVAILABLE', `${where}: ${what} failed (${detail})`, { cause: err });
  }

  async has(objects: readonly { hash: string; size?: number }[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (objects.length === 0) return found;
    try {
      let rest = objects;
      if (objects.length > HEAD_MAX) {
        // One page of the whole listing: a small remote is answered by it entirely;
        // a large one shows how dense its fan-out prefixes are.
        const page = await this.listPage(this.keyPrefix, undefined);
        const seen = new Map(page.objects.map((o) => [o.hash, o.size]));
        const covered = new Set(page.objects.map((o) => o.hash.slice(0, 2)));
        const lastFanout = page.objects.at(-1)?.hash.slice(0, 2);
        const complete = (h: string): boolean =>
          !page.truncated || (lastFanout !== undefined && h.slice(0, 2) < lastFanout);
        const unresolved: { hash: string; size?: number }[] = [];
        for (const o of objects) {
          const size = seen.get(o.hash);
          if (size !== undefined && (o.size === undefined || o.size === size)) found.add(o.hash);
          else if (!complete(o.hash)) unresolved.push(o);
        }
        if (!page.truncated || unresolved.length === 0) return found;
        // Keys per fan-out prefix, from the part the page covered.
        const perFanout = page.objects.length / Math.max(1, covered.size);
        const fanouts = [...new Set(unresolved.map((o) => o.hash.slice(0, 2)))];
        const listCost = fanouts.length * Math.ceil(Math.max(1, perFanout) / 1000);
        if (listCost < unresolved.length) {
          for await (const o of this.list({ fanouts })) seen.set(o.hash, o.size);
          for (const o of unresolved) {
            const size = seen.get(o.hash);
            if (size !== undefined && (o.size === undefined || o.size === size)) found.add(o.hash);
          }
          return found;
        }
        rest = unresolved;
      }
      await Promise.all(
        rest.map(async (o) => {
          const size = await this.headSize(o.hash);
          if (size !== undefined && (o.size === undefined || o.size === size)) found.add(o.hash);
        }),
      );
      return found;
    } catch (err) {
      throw this.fail(err, 'checking which objects it holds');
    }
  }

  /** The object's size, or undefined when it is absent. */
  async headSize(hash: string): Promise<number | undefined> {
    try {
      return await this.request('head', async ({ sdk, client }) => {
        const out = await client.send(
          new sdk.HeadObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(hash) }),
        );
        return out.ContentLength ?? 0;
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async listPage(
    prefix: string,
    token: string | undefined,
    startAfter?: string,
  ): Promise<{ objects: RemoteObject[]; truncated: boolean; next?: string }> {
    return this.request('list', async ({ sdk, client }) => {
      const out = await client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.location.bucket,
          Prefix: prefix,
          ContinuationToken: token,
          StartAfter: token ? undefined : startAfter,
        }),
      );
      const objects: RemoteObject[] = [];
      const base = this.keyPrefix.length;
      for (const c of out.Contents ?? []) {
        const key = c.Key ?? '';
        // <hh>/<62 hex>: anything else under the prefix is not an object of mlo's
        if (key.length !== base + 65 || key[base + 2] !== '/') continue;
        const hash = key.slice(base, base + 2) + key.slice(base + 3);
        if (!/^[0-9a-f]{2}$/.test(hash.slice(0, 2)) || !HASH_TAIL_RE.test(hash.slice(2))) continue;
        objects.push({ hash, size: c.Size ?? 0, mtimeMs: c.LastModified?.getTime() });
      }
      return {
        objects,
        truncated: out.IsTruncated === true,
        next: out.NextContinuationToken,
      };
    });
  }

  private async listFanout(fanout: string): Promise<RemoteObject[]> {
    const all: RemoteObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.listPage(`${this.keyPrefix}${fanout}/`, token);
      all.push(...page.objects);
      token = page.truncated ? page.next : undefined;
    } while (token);
    return all;
  }

  async *list(options: { fanouts?: readonly string[] } = {}): AsyncIterable<RemoteObject> {
    try {
      let fanouts = options.fanouts ?? FANOUTS;
      if (options.fanouts === undefined) {
        // A small remote lists in one request; a large one in parallel by fan-out.
        const first = await this.listPage(this.keyPrefix, undefined);
        yield* first.objects;
        if (!first.truncated) return;
        const last = first.objects.at(-1)?.hash.slice(0, 2) ?? '00';
        const lastKey = first.objects.length ? this.keyOf(first.objects.at(-1)!.hash) : undefined;
        // finish the fan-out the page stopped in, then every later one
        let token: string | undefined;
        do {
          const page = await this.listPage(`${this.keyPrefix}${last}/`, token, lastKey);
          yield* page.objects;
          token = page.truncated ? page.next : undefined;
        } while (token);
        fanouts = FANOUTS.filter((f) => f > last);
      }
      // Fan-outs in parallel (the limiter bounds requests), yielded as they finish.
      const pending = new Map<string, Promise<[string, RemoteObject[]]>>();
      let next = 0;
      const width = Math.max(1, this.jobs);
      while (next < fanouts.length || pending.size) {
        while (pending.size < width && next < fanouts.length) {
          const f = fanouts[next++];
          pending.set(
            f,
            this.listFanout(f).then((objs) => [f, objs]),
          );
        }
        const [f, objs] = await Promise.race(pending.values());
        pending.delete(f);
        yield* objs;
      }
    } catch (err) {
      throw this.fail(err, 'listing objects');
    }
  }

  async put(
    hash: string,
    size: number,
    source: PutSource,
    hooks: TransferHooks = {},
  ): Promise<void> {
    try {
      if ('path' in source && size > MULTIPART_THRESHOLD) {
        await uploadMultipart(this, hash, size, source.path, hooks);
        return;
      }
      const data = 'data' in source ? source.data : await readFile(source.path);
      if (data.length !== size || sha256(data) !== hash) throw corruptLocal(hash);
      await this.request('put', async ({ sdk, client }) => {
        await client.send(
          new sdk.PutObjectCommand({
            Bucket: this.location.bucket,
            Key: this.keyOf(hash),
            Body: data,
            ContentLength: data.length,
            ...this.encryption,
          }),
        );
      });
      hooks.onBytes?.(size);
    } catch (err) {
      throw this.fail(err, `uploading ${hash.slice(0, 12)}`);
    }
  }

  async get(
    hash: string,
    dest: string,
    options: TransferHooks & { size?: number } = {},
  ): Promise<{ size: number }> {
    try {
      return await downloadObject(this, hash, dest, options);
    } catch (err) {
      if (isNotFound(err)) throw objectAbsent(this.name, hash);
      throw this.fail(err, `downloading ${hash.slice(0, 12)}`);
    }
  }

  async read(hash: string): Promise<Uint8Array> {
    try {
      return await this.request('get', async ({ sdk, client }) => {
        const out = await client.send(
          new sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(hash) }),
        );
        const body = await out.Body!.transformToByteArray();
        if (out.ContentLength !== undefined && body.length !== out.ContentLength)
          throw incompleteBody();
        return body;
      });
    } catch (err) {
      if (isNotFound(err)) throw objectAbsent(this.name, hash);
      throw this.fail(err, `downloading ${hash.slice(0, 12)}`);
    }
  }

  async delete(hashes: readonly string[]): Promise<void> {
    try {
      const batches: string[][] = [];
      for (let i = 0; i < hashes.length; i += 1000) batches.push(hashes.slice(i, i + 1000));
      await Promise.all(batches.map((b) => this.deleteBatch(b)));
    } catch (err) {
      throw this.fail(err, 'deleting objects');
    }
  }

  private async deleteBatch(hashes: string[]): Promise<void> {
    if (this.bulkDelete) {
      try {
        await this.request('delete', async ({ sdk, client }) => {
          const out = await client.send(
            new sdk.DeleteObjectsCommand({
              Bucket: this.location.bucket,
              Delete: { Objects: hashes.map((h) => ({ Key: this.keyOf(h) })), Quiet: true },
            }),
          );
          const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
          if (failed.length) {
            const err = new Error(`${failed.length} object(s) not deleted: ${failed[0].Code}`);
            err.name = failed[0].Code ?? 'DeleteFailed';
            throw err;
          }
        });
        return;
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        const status = e.$metadata?.httpStatusCode;
        // GCS's XML API and some gateways have no multi-object delete: one by one then
        if (!(status === 501 || status === 400 || status === 405 || e.name === 'NotImplemented'))
          throw err;
        this.bulkDelete = false;
      }
    }
    await Promise.all(
      hashes.map((h) =>
        this.request('delete', async ({ sdk, client }) => {
          await client.send(
            new sdk.DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(h) }),
          );
        }),
      ),
    );
  }

  async readEpoch(): Promise<string> {
    try {
      return await this.request('get', async ({ sdk, client }) => {
        const out = await client.send(
          new sdk.GetObjectCommand({
            Bucket: this.location.bucket,
            Key: this.keyPrefix + EPOCH_KEY,
          }),
        );
        return (await out.Body!.transformToString()).trim();
      });
    } catch (err) {
      if (isNotFound(err)) return '';
      throw this.fail(err, 'reading its epoch');
    }
  }

  async writeEpoch(epoch: string): Promise<void> {
    try {
      await this.request('put', async ({ sdk, client }) => {
        await client.send(
          new sdk.PutObjectCommand({
            Bucket: this.location.bucket,
            Key: this.keyPrefix + EPOCH_KEY,
            Body: `${epoch}\n`,
            ...this.encryption,
          }),
        );
      });
    } catch (err) {
      throw this.fail(err, 'writing its epoch');
    }
  }

  async cleanup(keep: ReadonlySet<string>): Promise<void> {
    try {
      await abortStaleUploads(this, keep);
    } catch (err) {
      throw this.fail(err, 'aborting unfinished uploads');
    }
  }

  close(): void {
    this.conn?.client.destroy();
  }
}
