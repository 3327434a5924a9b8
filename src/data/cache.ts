/**
 * The content-addressed cache: .mlo/cache/<hh>/<rest-of-sha256> for loose objects,
 * .mlo/cache/packs/ for packed small objects. Every object reaches its final name
 * by rename from a temp file, so a killed process never leaves a partial object.
 */
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  lstatSync,
  statSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../errors.js';
import { sweepDeadTemps, tempPathFor, writeFileAtomic } from '../util/atomic.js';
import { writingTo } from '../util/fs.js';
import type { LinkType } from '../repo/index.js';
import { linked } from '../repo/state-links.js';
import { PackSet, PackWriter } from './pack.js';
import { decodeManifest, type ManifestEntry } from './manifest.js';
import { copyAndHash } from './ingest.js';

export type ObjectLocation =
  { kind: 'loose'; path: string } | { kind: 'packed'; pack: string; offset: number; size: number };

export class ObjectCache {
  readonly dir: string;
  readonly tmpDir: string;
  readonly packs: PackSet;
  private readonly madeDirs = new Set<string>();
  private readonly manifests = new Map<string, ManifestEntry[]>();
  private loose: Set<string> | undefined;
  private tmpReady = false;

  constructor(dir: string, tmpDir: string) {
    this.dir = dir;
    this.tmpDir = tmpDir;
    this.packs = new PackSet(join(dir, 'packs'));
  }

  get packDir(): string {
    return join(this.dir, 'packs');
  }

  loosePath(hash: string): string {
    return join(this.dir, hash.slice(0, 2), hash.slice(2));
  }

  hasLoose(hash: string): boolean {
    return existsSync(this.loosePath(hash));
  }

  has(hash: string): boolean {
    return this.hasLoose(hash) || this.packs.locate(hash) !== undefined;
  }

  /**
   * Every loose object, listed once: for a batch that checks thousands of objects,
   * reading 256 directories beats one failed stat() per object.
   */
  looseSet(): Set<string> {
    this.loose ??= new Set(this.looseHashes());
    return this.loose;
  }

  /** The hashes of `hashes` that are not in the cache (bulk form of `has`). */
  missing(hashes: Iterable<string>): string[] {
    const packed = this.packs.list.length ? this.packs.hashSet() : undefined;
    const out: string[] = [];
    for (const h of hashes) if (!packed?.has(h) && !this.hasLoose(h)) out.push(h);
    return out;
  }

  /** Bulk form of `hasIntact`: entries absent, or loose with the wrong size. */
  notIntact<T extends { hash: string; size: number }>(entries: readonly T[]): T[] {
    if (entries.length === 0) return [];
    const packed = this.packs.list.length ? this.packs.hashSet() : undefined;
    const out: T[] = [];
    for (const e of entries) {
      if (packed?.has(e.hash)) continue;
      if (statSync(this.loosePath(e.hash), { throwIfNoEntry: false })?.size !== e.size) out.push(e);
    }
    return out;
  }

  /**
   * Present with the expected size. Objects written without fsync can be truncated
   * by a power loss; a size check (one stat) catches that before we trust them.
   */
  hasIntact(hash: string, size: number): boolean {
    const st = statSync(this.loosePath(hash), { throwIfNoEntry: false });
    if (st) return st.size === size;
    return this.packs.locate(hash)?.entry.size === size;
  }

  /** The object's size, or undefined when it is not in the cache. */
  sizeOf(hash: string): number | undefined {
    const st = statSync(this.loosePath(hash), { throwIfNoEntry: false });
    return st ? st.size : this.packs.locate(hash)?.entry.size;
  }

  locate(hash: string): ObjectLocation | undefined {
    const path = this.loosePath(hash);
    if (existsSync(path)) return { kind: 'loose', path };
    const found = this.packs.locate(hash);
    return found && { kind: 'packed', pack: found.pack.name, ...found.entry };
  }

  private ensureFanout(hash: string): void {
    const sub = hash.slice(0, 2);
    if (this.madeDirs.has(sub)) return;
    const dir = join(this.dir, sub);
    mkdirSync(dir, { recursive: true });
    // a committed link in place of a fan-out folder would take this object, and every
    // one after it with the same first byte, outside the repository (state-links.ts)
    if (lstatSync(dir).isSymbolicLink()) throw linked(dir, `.mlo/cache/${sub}`);
    this.madeDirs.add(sub);
  }

  /**
   * The temp directory, created on first use. That first use is this process's first
   * write to the cache: it removes what killed commands left behind (temps and pack
   * temps whose owner is dead), so a retry after a kill starts with the space back.
   */
  ensureTmp(): string {
    if (!this.tmpReady) {
      mkdirSync(this.tmpDir, { recursive: true });
      sweepDeadTemps(this.tmpDir);
      sweepDeadTemps(this.packDir);
      this.tmpReady = true;
    }
    return this.tmpDir;
  }

  /**
   * Forget what this process has seen of the cache (pack indexes, the loose listing):
   * after pinning objects against gc, presence must be checked afresh.
   */
  refresh(): void {
    this.packs.reset();
    this.loose = undefined;
  }

  /** Store bytes as a loose object (atomic); no-op when present. */
  putBuffer(hash: string, data: Uint8Array, options: { fsync?: boolean } = {}): void {
    if (this.hasIntact(hash, data.length)) return;
    this.loose?.add(hash);
    this.ensureFanout(hash);
    writeFileAtomic(this.loosePath(hash), data, {
      fsync: options.fsync,
      mode: 0o444,
      tmpDir: this.ensureTmp(),
    });
  }

  /** Move a finished temp file (same file system) into place as `hash`. */
  adoptTemp(hash: string, tmp: string): void {
    this.loose?.add(hash);
    const existing = statSync(this.loosePath(hash), { throwIfNoEntry: false });
    if (existing && existing.size === statSync(tmp).size) {
      rmSync(tmp, { force: true });
      return;
    }
    this.ensureFanout(hash);
    chmodSync(tmp, 0o444);
    renameSync(tmp, this.loosePath(hash));
  }

  /**
   * Hash a workspace file and store it: the kernel copies it (a reflink where the
   * file system can) while this thread hashes the copy (ingest.ts).
   */
  async ingestFile(
    src: string,
    options: { onBytes?: (n: number) => void; durable?: boolean } = {},
  ): Promise<{ hash: string; size: number }> {
    const tmp = tempPathFor('obj', this.ensureTmp());
    try {
      const { hash, size } = await copyAndHash(src, tmp, options);
      this.adoptTemp(hash, tmp);
      return { hash, size };
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /** The whole object in memory: for manifests and small files. */
  read(hash: string): Buffer {
    try {
      return readFileSync(this.loosePath(hash));
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    const packed = this.packs.locate(hash);
    if (packed === undefined) throw objectMissing(hash);
    return packed.pack.read(packed.entry);
  }

  /** A directory manifest, decoded once per process (status reads the same one twice). */
  readManifest(hash: string): ManifestEntry[] {
    let entries = this.manifests.get(hash);
    if (!entries) {
      entries = decodeManifest(this.read(hash), hash);
      this.manifests.set(hash, entries);
    }
    return entries;
  }

  /** Unpack an object to a loose file when a link to it is needed. */
  ensureLoose(hash: string): string {
    const path = this.loosePath(hash);
    if (existsSync(path)) return path;
    const data = this.read(hash);
    this.putBuffer(hash, data);
    return path;
  }

  /**
   * Materialise an object at `dest` (which must not exist: callers pass a temp name
   * and rename it over the real target). Returns false when the object is missing.
   */
  materialize(
    hash: string,
    dest: string,
    link: LinkType,
    options: { fsync?: boolean } = {},
  ): boolean {
    if (link === 'hardlink' || link === 'symlink') {
      if (!this.has(hash)) return false;
      const obj = this.ensureLoose(hash);
      chmodSync(obj, 0o444);
      if (link === 'hardlink') linkSync(obj, dest);
      else symlinkSync(obj, dest);
      return true;
    }
    const loc = this.locate(hash);
    if (loc === undefined) return false;
    if (loc.kind === 'loose') {
      copyFileSync(loc.path, dest, link === 'reflink' ? constants.COPYFILE_FICLONE : 0);
      // Objects are read-only in the cache; workspace copies belong to the user.
      chmodSync(dest, 0o644);
      if (options.fsync !== false) fsyncPath(dest);
    } else {
      const data = this.read(hash);
      writingTo(dest, () => {
        const fd = openSync(dest, 'wx', 0o644);
        try {
          let off = 0;
          while (off < data.length) off += writeSync(fd, data, off, data.length - off);
          if (options.fsync !== false) fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      });
    }
    return true;
  }

  /** Every loose object hash (walks the fan-out directories). */
  *looseHashes(): Generator<string> {
    if (!existsSync(this.dir)) return;
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      const sub = entry.name;
      // a link is not a fan-out folder: what it leads to is not this cache's to list
      // (or for gc to delete)
      if (!entry.isDirectory() || sub.length !== 2 || !/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const rest of readdirSync(join(this.dir, sub))) {
        if (rest.length === 62 && !rest.startsWith('.')) yield sub + rest;
      }
    }
  }

  newPackWriter(): PackWriter {
    return new PackWriter(this.packDir);
  }

  close(): void {
    this.packs.reset();
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function objectMissing(hash: string): Error {
  const err = new Error(`object ${hash} is not in the cache`);
  (err as NodeJS.ErrnoException).code = 'ENOENT';
  return err;
}
