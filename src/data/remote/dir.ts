/** A directory remote: the same <hh>/<rest> layout as the cache, on any mounted path. */
import { access, copyFile, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Remote } from './types.js';

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

  async put(hash: string, source: { path: string } | { data: Uint8Array }): Promise<void> {
    const dir = join(this.root, hash.slice(0, 2));
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    const tmp = join(dir, `.${hash.slice(2)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
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
