/**
 * A directory remote: the same <hh>/<rest> layout as the cache, on any mounted path.
 * Uploads are written to `<root>/.tmp/` under an owner-tagged name, hashed as they
 * are copied, and renamed into place only when the hash is the object's name, so a
 * push killed half-way leaves its temps in one folder, where the next push from
 * this machine finds and removes them.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../errors.js';
import { sweepDeadTemps, tempPathFor } from '../../util/atomic.js';
import { writingTo } from '../../util/fs.js';
import { sha256 } from '../hash.js';
import { copyAndHash } from '../ingest.js';
import { corruptLocal, corruptRemote, objectAbsent } from './s3-common.js';
import type { PutSource, Remote, RemoteObject, TransferHooks } from './types.js';

/** Another machine's temps (a shared mount) are removed only when this old. */
const FOREIGN_TEMP_GRACE_MS = 24 * 60 * 60 * 1000;

const CHECK_CONCURRENCY = 32;
/** Above this many objects to check, reading the fan-out folders beats a stat each. */
const LIST_FROM = 512;
const EPOCH_FILE = 'mlo-epoch';
const FANOUT_RE = /^[0-9a-f]{2}$/;
const TAIL_RE = /^[0-9a-f]{62}$/;

export class DirectoryRemote implements Remote {
  readonly name: string;
  readonly url: string;
  readonly requests: Record<string, number> = {};
  readonly retries = 0;
  private readonly root: string;
  private readonly madeDirs = new Set<string>();

  constructor(name: string, url: string, root: string) {
    this.name = name;
    this.url = url;
    this.root = root;
  }

  private pathOf(hash: string): string {
    return join(this.root, hash.slice(0, 2), hash.slice(2));
  }

  private count(kind: string): void {
    this.requests[kind] = (this.requests[kind] ?? 0) + 1;
  }

  async has(objects: readonly { hash: string; size?: number }[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (objects.length > LIST_FROM) {
      // Objects reach their names by rename, whole: a name in a listing is a copy.
      const byFanout = new Map<string, string[]>();
      for (const o of objects) {
        const f = o.hash.slice(0, 2);
        const list = byFanout.get(f);
        if (list) list.push(o.hash);
        else byFanout.set(f, [o.hash]);
      }
      for (const [fanout, hashes] of byFanout) {
        this.count('list');
        const names = new Set(await readdir(join(this.root, fanout)).catch(() => [] as string[]));
        for (const h of hashes) if (names.has(h.slice(2))) found.add(h);
      }
      return found;
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < objects.length) {
        const o = objects[next++];
        this.count('stat');
        const st = await stat(this.pathOf(o.hash)).catch(() => undefined);
        if (st && (o.size === undefined || st.size === o.size)) found.add(o.hash);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, objects.length) }, worker));
    return found;
  }

  async *list(options: { fanouts?: readonly string[] } = {}): AsyncIterable<RemoteObject> {
    let fanouts = options.fanouts;
    if (fanouts === undefined) {
      this.count('list');
      const top = await readdir(this.root).catch((err: unknown) => {
        if (errnoCode(err) === 'ENOENT') return [] as string[];
        throw err;
      });
      fanouts = top.filter((d) => FANOUT_RE.test(d)).sort();
    }
    for (const fanout of fanouts) {
      this.count('list');
      const names = await readdir(join(this.root, fanout)).catch(() => [] as string[]);
      const tails = names.filter((n) => TAIL_RE.test(n));
      const stats = await Promise.all(
        tails.map((t) => stat(join(this.root, fanout, t)).catch(() => undefined)),
      );
      for (let i = 0; i < tails.length; i++) {
        const st = stats[i];
        if (st) yield { hash: fanout + tails[i], size: st.size, mtimeMs: st.mtimeMs };
      }
    }
  }

  private get tmpDir(): string {
    return join(this.root, '.tmp');
  }

  /** Remove the temps of pushes from this machine that were killed. */
  async sweepTemps(): Promise<number> {
    return sweepDeadTemps(this.tmpDir, { graceMs: FOREIGN_TEMP_GRACE_MS });
  }

  /**
   * Copy into an owner-tagged temp, hashing in the same pass, and rename it into
   * place only when the hash is the object's name.
   */
  async put(
    hash: string,
    size: number,
    source: PutSource,
    hooks: TransferHooks = {},
  ): Promise<void> {
    const dir = join(this.root, hash.slice(0, 2));
    for (const d of [dir, this.tmpDir]) {
      if (this.madeDirs.has(d)) continue;
      await writingTo(d, () => mkdir(d, { recursive: true }));
      this.madeDirs.add(d);
    }
    const tmp = tempPathFor(hash.slice(2), this.tmpDir);
    this.count('put');
    try {
      await writingTo(tmp, async () => {
        if ('path' in source) {
          const got = await copyAndHash(source.path, tmp, { durable: true });
          if (got.hash !== hash || got.size !== size) throw corruptLocal(hash);
        } else {
          if (source.data.length !== size || sha256(source.data) !== hash) throw corruptLocal(hash);
          const fh = await open(tmp, 'wx', 0o444);
          try {
            await fh.writeFile(source.data);
            await fh.sync();
          } finally {
            await fh.close();
          }
        }
        await rename(tmp, this.pathOf(hash));
      });
      hooks.onBytes?.(size);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(
    hash: string,
    dest: string,
    hooks: TransferHooks & { size?: number } = {},
  ): Promise<{ size: number }> {
    this.count('get');
    let got: { hash: string; size: number };
    try {
      got = await copyAndHash(this.pathOf(hash), dest, { onBytes: hooks.onBytes });
    } catch (err) {
      await rm(dest, { force: true });
      if (errnoCode(err) === 'ENOENT') throw objectAbsent(this.name, hash);
      throw err;
    }
    if (got.hash !== hash) {
      await rm(dest, { force: true });
      throw corruptRemote(this.name, hash);
    }
    return { size: got.size };
  }

  async read(hash: string): Promise<Uint8Array> {
    this.count('get');
    try {
      return await readFile(this.pathOf(hash));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw objectAbsent(this.name, hash);
      throw err;
    }
  }

  async delete(hashes: readonly string[]): Promise<void> {
    for (const h of hashes) {
      this.count('delete');
      await rm(this.pathOf(h), { force: true });
    }
  }

  async readEpoch(): Promise<string> {
    try {
      return (await readFile(join(this.root, EPOCH_FILE), 'utf8')).trim();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return '';
      throw err;
    }
  }

  async writeEpoch(epoch: string): Promise<void> {
    await writingTo(this.tmpDir, () => mkdir(this.tmpDir, { recursive: true }));
    const tmp = tempPathFor(EPOCH_FILE, this.tmpDir);
    await writingTo(tmp, async () => {
      await writeFile(tmp, `${epoch}\n`);
      await rename(tmp, join(this.root, EPOCH_FILE));
    });
  }

  close(): void {}
}
