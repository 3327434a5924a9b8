/**
 * Writing many objects at once (a directory add, a pull): small objects go into one
 * pack, larger ones become loose objects whose temp files are made durable with a
 * single file-system sync before they are renamed into place.
 */
import { closeSync, existsSync, fsyncSync, openSync, writeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempPathFor, syncFileSystem } from '../util/atomic.js';
import { writingTo } from '../util/fs.js';
import type { ObjectCache } from './cache.js';
import type { PackWriter } from './pack.js';

/** Objects up to this size may be packed. */
export const PACKABLE_SIZE = 64 << 10;
/** Fewer new small objects than this stay loose: small batches keep the cache browsable. */
const PACK_THRESHOLD = 64;
/** After this many membership checks, switch to bulk listings. */
const BULK_FROM = 2048;

/** What a batch made visible: the packs it published and the loose objects it adopted. */
export interface Published {
  packs: string[];
  loose: string[];
}

export class ObjectBatch {
  private readonly cache: ObjectCache;
  private readonly allowPack: boolean;
  private readonly durable: boolean;
  private readonly seen = new Set<string>();
  private queued: [string, Uint8Array][] = [];
  private pack: PackWriter | undefined;
  private readonly temps: [string, string][] = [];
  private checked = 0;
  written = 0;
  /** what finish() published, plus what another thread's batch published for the same work */
  readonly published: Published = { packs: [], loose: [] };

  /**
   * @param options.durable make objects durable (fsync/syncfs) before they become
   *   visible; `mlo add` skips it because the workspace still holds the original.
   */
  constructor(cache: ObjectCache, options: { allowPack: boolean; durable?: boolean }) {
    this.cache = cache;
    this.allowPack = options.allowPack;
    this.durable = options.durable ?? true;
  }

  /**
   * About `count` objects are coming: when that is enough to switch to bulk
   * listings anyway, switch now rather than after BULK_FROM stat calls.
   */
  expect(count: number): void {
    if (count >= BULK_FROM) this.checked = Math.max(this.checked, BULK_FROM);
  }

  /**
   * true when the object is queued in this batch or stored. Big batches test
   * membership against listings (pack indexes, loose directories) instead of a
   * stat per object; truncated loose objects are then caught by the caller's
   * `notIntact` pass.
   */
  known(hash: string, size: number): boolean {
    if (this.seen.has(hash)) return true;
    if (++this.checked < BULK_FROM) return this.cache.hasIntact(hash, size);
    return this.cache.packs.hashSet().has(hash) || this.cache.looseSet().has(hash);
  }

  /**
   * Whether this batch wrote (or queued) the object. Its caller may skip checking it
   * only while stillPublished() holds: a gc may take it before the caller's pin.
   */
  wrote(hash: string): boolean {
    return this.seen.has(hash);
  }

  /**
   * Everything published is still in the cache. A gc that ran between a publication
   * and the writer's pin saw these objects unreferenced and may have deleted a loose
   * one or a whole pack (repacking only copies what is referenced or pinned); the
   * writer must then check every object again (pins.ts, step 2).
   */
  stillPublished(): boolean {
    return (
      this.published.packs.every((name) => existsSync(join(this.cache.packDir, `${name}.idx`))) &&
      this.published.loose.every((hash) => this.cache.hasLoose(hash))
    );
  }

  /** Store `data` under `hash`; it is copied or written before this returns (reusable). */
  put(hash: string, data: Uint8Array): void {
    if (this.known(hash, data.length)) return;
    this.seen.add(hash);
    this.written++;
    if (this.allowPack && data.length <= PACKABLE_SIZE) {
      if (this.pack) {
        this.pack.add(hash, data);
        return;
      }
      // a copy: Buffer's slice() would be a view of the caller's reused bytes
      this.queued.push([hash, new Uint8Array(data)]);
      if (this.queued.length >= PACK_THRESHOLD) {
        this.pack = this.cache.newPackWriter();
        for (const [h, d] of this.queued) this.pack.add(h, d);
        this.queued = [];
      }
      return;
    }
    this.writeLooseTemp(hash, data);
  }

  private writeLooseTemp(hash: string, data: Uint8Array): void {
    const tmp = tempPathFor('obj', this.cache.ensureTmp());
    writingTo(tmp, () => {
      const fd = openSync(tmp, 'wx', 0o444);
      try {
        let off = 0;
        while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      } finally {
        closeSync(fd);
      }
    });
    this.temps.push([hash, tmp]);
  }

  /** Make everything durable and visible. */
  finish(): void {
    for (const [h, d] of this.queued) this.writeLooseTemp(h, d);
    this.queued = [];
    const name = this.pack?.finish({ durable: this.durable });
    if (name !== undefined) this.published.packs.push(name);
    this.pack = undefined;
    if (this.temps.length > 0) {
      // One syncfs instead of an fsync (a journal commit) per object.
      if (this.durable && !syncFileSystem(this.cache.tmpDir)) {
        for (const [, tmp] of this.temps) fsyncFile(tmp);
      }
      for (const [hash, tmp] of this.temps) {
        this.cache.adoptTemp(hash, tmp);
        this.published.loose.push(hash);
      }
      this.temps.length = 0;
    }
    this.cache.packs.reset();
  }

  abort(): void {
    this.pack?.abort();
    for (const [, tmp] of this.temps) rmSync(tmp, { force: true });
  }
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
