/**
 * The server's objects: its store's content-addressed directory (objects/, the cache
 * layout), served to clients through the object endpoints that the http(s) remote
 * speaks. An object is received into a temp file, checked against its name (the
 * SHA-256) and fsync'd before it appears, so an acknowledged object survives a kill.
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

export class ServerObjects {
  readonly cache: ObjectCache;
  constructor(private readonly repo: Repo) {
    this.cache = cacheOf(repo);
  }

  /** Which of `objects` are here whole (a loose object of another size is a remnant). */
  has(objects: readonly { hash: string; size?: number }[]): string[] {
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

  /** An object's bytes as a stream with its size, or undefined when it is not here. */
  open(hash: string): { size: number; stream: () => Readable | Buffer } | undefined {
    const path = this.cache.loosePath(hash);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st) return { size: st.size, stream: () => createReadStream(path) };
    const packed = this.cache.packs.locate(hash);
    if (!packed) return undefined;
    return { size: packed.entry.size, stream: () => packed.pack.read(packed.entry) };
  }

  /** Receive an object's bytes; INVALID (nothing kept) unless they hash to its name. */
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

  /** The objects under one fan-out folder (or every folder): [hash, size, mtime ms]. */
  list(fanout?: string): [string, number, number][] {
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

  readEpoch(): string {
    const file = join(this.repo.root, EPOCH_FILE);
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  }

  async writeEpoch(epoch: string): Promise<void> {
    if (!/^[0-9a-f]{8,64}$/.test(epoch))
      throw new MloError('INVALID', 'an epoch is 8 to 64 hex digits');
    await mkdir(this.repo.root, { recursive: true });
    // a temp name of its own: requests in this one process may write it at once
    writeFileAtomic(join(this.repo.root, EPOCH_FILE), `${epoch}\n`);
  }

  /**
   * Delete loose objects (remote gc by an admin); packed ones stay until a repack.
   * A new epoch is written first, whatever the client did: a remembered index of
   * what this server holds must never survive a deletion, or a later push would
   * skip uploading an object that is gone.
   */
  delete(hashes: readonly string[]): number {
    const doomed = hashes.filter((h) => existsSync(this.cache.loosePath(h)));
    if (doomed.length === 0) return 0;
    writeFileAtomic(join(this.repo.root, EPOCH_FILE), `${randomBytes(12).toString('hex')}\n`);
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
}
