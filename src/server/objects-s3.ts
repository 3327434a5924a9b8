/**
 * A server's objects in an S3 remote (`mlo server init DIR --objects s3://...`): the
 * same keys a repository's S3 remote uses (<prefix>/<hh>/<rest>, <prefix>/mlo-epoch),
 * so the bucket is also a plain mlo S3 remote. Uploads land in a temp file in the
 * store, are checked against their hash, and reach S3 before they are acknowledged;
 * downloads stream from S3 without holding an object in memory.
 *
 * Objects that other parts of the server write straight into the store's directory
 * (the MLflow artifact API) stay there and are still answered for, after S3.
 */
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { S3Remote } from '../data/remote/s3.js';
import { isNotFound } from '../data/remote/s3-common.js';
import { DEFAULT_RETRY } from '../data/remote/retry.js';
import { MloError } from '../errors.js';
import { tempPathFor } from '../util/atomic.js';
import { receiveToFile } from './body.js';
import {
  checkEpoch,
  newEpoch,
  type DirServerObjects,
  type OpenedObject,
  type ServerObjectStore,
} from './objects.js';

/** At start-up an unreachable store is reported in seconds, not after a minute of retries. */
const PROBE_RETRY = { ...DEFAULT_RETRY, attempts: 3 };

export class S3ServerObjects implements ServerObjectStore {
  readonly where: string;

  constructor(
    private readonly remote: S3Remote,
    /** the store's own directory: temps, and objects written there directly */
    private readonly local: DirServerObjects,
  ) {
    this.where = remote.url;
  }

  /** Each entry on its own, as the directory answers (a hash asked twice with two sizes is one of them). */
  async has(objects: readonly { hash: string; size?: number }[]): Promise<string[]> {
    const sizes = new Map<string, Set<number | undefined>>();
    for (const o of objects) {
      const s = sizes.get(o.hash) ?? new Set();
      sizes.set(o.hash, s.add(o.size));
    }
    // the remote answers per hash; the rare hash asked with several sizes is looked up alone
    const plain = objects.filter((o) => sizes.get(o.hash)!.size === 1);
    const found = await this.remote.has(plain);
    const actual = new Map<string, number | undefined>();
    try {
      await Promise.all(
        [...sizes]
          .filter(([, s]) => s.size > 1)
          .map(async ([hash]) => actual.set(hash, await this.remote.headSize(hash))),
      );
    } catch (err) {
      throw this.remote.fail(err, 'checking which objects it holds');
    }
    const inS3 = (o: { hash: string; size?: number }): boolean => {
      if (!actual.has(o.hash)) return found.has(o.hash);
      const size = actual.get(o.hash);
      return size !== undefined && (o.size === undefined || o.size === size);
    };
    const here = await Promise.all(
      objects.map(async (o) => inS3(o) || (await this.local.has([o])).length > 0),
    );
    return objects.filter((_, i) => here[i]).map((o) => o.hash);
  }

  async open(hash: string): Promise<OpenedObject | undefined> {
    const { bucket } = this.remote.location;
    try {
      return await this.remote.request('get', async ({ sdk, client }) => {
        const out = await client.send(
          new sdk.GetObjectCommand({ Bucket: bucket, Key: this.remote.keyOf(hash) }),
        );
        // the SDK's body in Node is the response stream itself: piped on, never buffered
        return { size: out.ContentLength ?? 0, body: out.Body as Readable };
      });
    } catch (err) {
      if (isNotFound(err)) return this.local.open(hash);
      throw this.remote.fail(err, `downloading ${hash.slice(0, 12)}`);
    }
  }

  async receive(
    req: IncomingMessage,
    hash: string,
    limit: number,
  ): Promise<{ size: number; fresh: boolean }> {
    const tmp = tempPathFor('put', this.local.cache.ensureTmp());
    // no fsync: the copy that counts is S3's, made before the upload is acknowledged
    const got = await receiveToFile(req, tmp, limit, { sync: false });
    try {
      if (got.hash !== hash) {
        throw new MloError(
          'INVALID',
          `object ${hash.slice(0, 12)}: the bytes received hash to ${got.hash.slice(0, 12)}`,
        );
      }
      // Not asked first whether S3 has it: the client asked the server just before,
      // and a HEAD per upload would cost more than the rare object sent twice.
      // put checks the bytes against the hash again as it reads them.
      await this.remote.put(hash, got.size, { path: tmp });
      return { size: got.size, fresh: true };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async list(fanout?: string): Promise<[string, number, number][]> {
    const out: [string, number, number][] = [];
    for await (const o of this.remote.list(fanout === undefined ? {} : { fanouts: [fanout] })) {
      out.push([o.hash, o.size, Math.round(o.mtimeMs ?? 0)]);
    }
    return out;
  }

  async withLocalFile<T>(hash: string, use: (path: string) => Promise<T>): Promise<T> {
    if ((await this.local.has([{ hash }])).length) return this.local.withLocalFile(hash, use);
    const tmp = tempPathFor('get', this.local.cache.ensureTmp());
    try {
      await this.remote.get(hash, tmp); // checked against the hash
      return await use(tmp);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  readEpoch(): Promise<string> {
    return this.remote.readEpoch();
  }

  async writeEpoch(epoch: string): Promise<void> {
    checkEpoch(epoch);
    await this.remote.writeEpoch(epoch);
  }

  async delete(hashes: readonly string[]): Promise<number> {
    const present = await this.remote.has(hashes.map((hash) => ({ hash })));
    const doomed = hashes.filter((h) => present.has(h));
    if (doomed.length === 0) return 0;
    await this.remote.writeEpoch(newEpoch());
    await this.remote.delete(doomed);
    return doomed.length;
  }

  async check(): Promise<void> {
    const saved = this.remote.retryPolicy;
    this.remote.retryPolicy = PROBE_RETRY;
    try {
      await this.remote.readEpoch();
    } catch (err) {
      if (!(err instanceof MloError)) throw err;
      throw new MloError(err.code, `the server's objects are unreachable: ${err.message}`, {
        cause: err,
        hint: "check the endpoint and bucket in the store's config.yaml (remotes.objects), the network, and the AWS_* credentials in the server's environment",
      });
    } finally {
      this.remote.retryPolicy = saved;
    }
  }

  close(): void {
    this.remote.close();
  }
}
