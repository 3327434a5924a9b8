/**
 * The server's objects, served to clients through the object endpoints that the
 * http(s) remote speaks. They live in the store's content-addressed directory
 * (objects/, the cache layout) or in an S3 remote named by the store's config.yaml
 * (objects-s3.ts). Either way an object is received into a temp file and checked
 * against its name (the SHA-256) before it appears, and it is durable before the
 * upload is acknowledged, so an acknowledged object survives a kill.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { cacheOf, HASH_RE, type ObjectCache } from '../data/index.js';
import { MloError, errnoCode } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { tempPathFor, writeFileAtomic } from '../util/atomic.js';
import { receiveToFile } from './body.js';

export { HASH_RE };
const FANOUT_RE = /^[0-9a-f]{2}$/;
const TAIL_RE = /^[0-9a-f]{62}$/;
const EPOCH_FILE = 'objects-epoch';

/** An object's bytes to send: a stream (or a buffer, for a small packed one) and its size. */
export interface OpenedObject {
  size: number;
  body: Readable | Buffer;
}

/** Where a server keeps its objects; the routes use only this. */
export interface ServerObjectStore {
  /** for the start-up line and errors: a directory path or s3://bucket/prefix */
  readonly where: string;
  /** Which of `objects` are here whole (one present with another size is a remnant). */
  has(objects: readonly { hash: string; size?: number }[]): Promise<string[]>;
  /** An object's bytes, or undefined when it is not here. */
  open(hash: string): Promise<OpenedObject | undefined>;
  /** Receive an object's bytes; INVALID (nothing kept) unless they hash to its name. */
  receive(
    req: IncomingMessage,
    hash: string,
    limit: number,
  ): Promise<{ size: number; fresh: boolean }>;
  /** The objects under one fan-out prefix (or all): [hash, size, mtime ms]. */
  list(fanout?: string): Promise<[string, number, number][]>;
  /** Run `use` on a local file holding the object (checked against its hash); NOT_FOUND when absent. */
  withLocalFile<T>(hash: string, use: (path: string) => Promise<T>): Promise<T>;
  readEpoch(): Promise<string>;
  writeEpoch(epoch: string): Promise<void>;
  /**
   * Delete objects (remote gc by an admin); returns how many were here. A new epoch
   * is written first, whatever the client did: a remembered index of what this
   * server holds must never survive a deletion, or a later push would skip
   * uploading an object that is gone.
   */
  delete(hashes: readonly string[]): Promise<number>;
  /** Fail with a clear error now when the objects cannot be reached (before the port is taken). */
  check(): Promise<void>;
  close(): void;
}

/** The objects in the store's own directory, DIR/objects (the default). */
export class DirServerObjects implements ServerObjectStore {
  readonly cache: ObjectCache;
  readonly where: string;
  constructor(private readonly repo: Repo) {
    this.cache = cacheOf(repo);
    this.where = this.cache.dir;
  }

  has(objects: readonly { hash: string; size?: number }[]): Promise<string[]> {
    return Promise.resolve(this.hasSync(objects));
  }

  private hasSync(objects: readonly { hash: string; size?: number }[]): string[] {
    const packed = this.cache.packs.list.length ? this.cache.packs.hashSet() : undefined;
    const out: string[] = [];
    for (const o of objects) {
      if (packed?.has(o.hash)) out.push(o.hash);
      else {
        const st = statSync(this.cache.loosePath(o.hash), { throwIfNoEntry: false });
        if (st && (o.size === undefined || st.size === o.size)) out.push(o.hash);
      }
    }
    return out;
  }

  open(hash: string): Promise<OpenedObject | undefined> {
    const path = this.cache.loosePath(hash);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st) return Promise.resolve({ size: st.size, body: createReadStream(path) });
    const packed = this.cache.packs.locate(hash);
    if (!packed) return Promise.resolve(undefined);
    return Promise.resolve({ size: packed.entry.size, body: packed.pack.read(packed.entry) });
  }

  async receive(
    req: IncomingMessage,
    hash: string,
    limit: number,
  ): Promise<{ size: number; fresh: boolean }> {
    const tmp = tempPathFor('put', this.cache.ensureTmp());
    const got = await receiveToFile(req, tmp, limit);
    if (got.hash !== hash) {
      rmSync(tmp, { force: true });
      throw new MloError(
        'INVALID',
        `object ${hash.slice(0, 12)}: the bytes received hash to ${got.hash.slice(0, 12)}`,
      );
    }
    const fresh = !this.cache.hasIntact(hash, got.size);
    this.cache.adoptTemp(hash, tmp);
    return { size: got.size, fresh };
  }

  list(fanout?: string): Promise<[string, number, number][]> {
    return Promise.resolve(this.listSync(fanout));
  }

  withLocalFile<T>(hash: string, use: (path: string) => Promise<T>): Promise<T> {
    return use(this.cache.ensureLoose(hash));
  }

  private listSync(fanout?: string): [string, number, number][] {
    const out: [string, number, number][] = [];
    const dir = this.cache.dir;
    const fanouts =
      fanout !== undefined
        ? [fanout]
        : readdirSync(dir, { withFileTypes: true })
            .filter((e) => e.isDirectory() && FANOUT_RE.test(e.name))
            .map((e) => e.name)
            .sort();
    for (const f of fanouts) {
      let names: string[];
      try {
        names = readdirSync(join(dir, f));
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw err;
      }
      for (const n of names) {
        if (!TAIL_RE.test(n)) continue;
        const st = statSync(join(dir, f, n), { throwIfNoEntry: false });
        if (st) out.push([f + n, st.size, Math.round(st.mtimeMs)]);
      }
    }
    for (const pack of this.cache.packs.list) {
      for (let i = 0; i < pack.count; i++) {
        const e = pack.entryAt(i);
        if (fanout === undefined || e.hash.startsWith(fanout)) out.push([e.hash, e.size, 0]);
      }
    }
    return out;
  }

  readEpoch(): Promise<string> {
    const file = join(this.repo.root, EPOCH_FILE);
    return Promise.resolve(existsSync(file) ? readFileSync(file, 'utf8').trim() : '');
  }

  async writeEpoch(epoch: string): Promise<void> {
    checkEpoch(epoch);
    await mkdir(this.repo.root, { recursive: true });
    // a temp name of its own: requests in this one process may write it at once
    writeFileAtomic(join(this.repo.root, EPOCH_FILE), `${epoch}\n`);
  }

  /** Loose objects only: packed ones stay until a repack. */
  delete(hashes: readonly string[]): Promise<number> {
    return Promise.resolve(this.deleteSync(hashes));
  }

  private deleteSync(hashes: readonly string[]): number {
    const doomed = hashes.filter((h) => existsSync(this.cache.loosePath(h)));
    if (doomed.length === 0) return 0;
    writeFileAtomic(join(this.repo.root, EPOCH_FILE), `${newEpoch()}\n`);
    let n = 0;
    for (const h of doomed) {
      const p = this.cache.loosePath(h);
      if (existsSync(p)) {
        rmSync(p, { force: true });
        n++;
      }
    }
    return n;
  }

  check(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}

export function checkEpoch(epoch: string): void {
  if (!/^[0-9a-f]{8,64}$/.test(epoch))
    throw new MloError('INVALID', 'an epoch is 8 to 64 hex digits');
}

export function newEpoch(): string {
  return randomBytes(12).toString('hex');
}
