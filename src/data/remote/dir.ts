/**
 * A directory remote: the same <hh>/<rest> layout as the cache, on any mounted path.
 * Uploads are written to `<root>/.tmp/` under an owner-tagged name and renamed into
 * place, so a push killed half-way leaves its temps in one folder, where the next
 * push from this machine finds and removes them.
 */
import { access, copyFile, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sweepDeadTemps, tempPathFor } from '../../util/atomic.js';
import { writingTo } from '../../util/fs.js';
import type { Remote } from './types.js';

/** Another machine's temps (a shared mount) are removed only when this old. */
const FOREIGN_TEMP_GRACE_MS = 24 * 60 * 60 * 1000;

const CHECK_CONCURRENCY = 32;

export class DirectoryRemote implements Remote {
  readonly name: string;
  readonly url: string;
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

  async has(hashes: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < hashes.length) {
        const h = hashes[next++];
        try {
          await access(this.pathOf(h));
          found.add(h);
        } catch {
          // absent
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, hashes.length) }, worker));
    return found;
  }

  private get tmpDir(): string {
    return join(this.root, '.tmp');
  }

  /** Remove the temps of pushes from this machine that were killed. */
  async sweepTemps(): Promise<number> {
    return sweepDeadTemps(this.tmpDir, { graceMs: FOREIGN_TEMP_GRACE_MS });
  }

  async put(hash: string, source: { path: string } | { data: Uint8Array }): Promise<void> {
    const dir = join(this.root, hash.slice(0, 2));
    for (const d of [dir, this.tmpDir]) {
      if (this.madeDirs.has(d)) continue;
      await writingTo(d, () => mkdir(d, { recursive: true }));
      this.madeDirs.add(d);
    }
    const tmp = tempPathFor(hash.slice(2), this.tmpDir);
    try {
      await writingTo(tmp, async () => {
        if ('path' in source) {
          await copyFile(source.path, tmp);
          const fh = await open(tmp, 'r');
          await fh.sync().finally(() => fh.close());
        } else {
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
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(hash: string, dest: string): Promise<void> {
    await copyFile(this.pathOf(hash), dest);
  }

  async read(hash: string): Promise<Uint8Array> {
    return readFile(this.pathOf(hash));
  }
}
