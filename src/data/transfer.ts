/**
 * `mlo push` and `mlo pull`: move only the objects the other side lacks. Files go
 * before the manifests that list them, so a remote never holds a directory
 * manifest without its files; a rerun after an interruption skips what arrived.
 */
import { rmSync, statSync } from 'node:fs';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { syncFileSystem, tempPathFor } from '../util/atomic.js';
import { runPool } from '../util/pool.js';
import type { ProgressFn } from '../util/progress.js';
import { checkout, type CheckoutResult } from './checkout.js';
import { cacheOf } from './context.js';
import { hashFile, sha256 } from './hash.js';
import { ObjectBatch, PACKABLE_SIZE } from './batch.js';
import type { Pointer } from './pointer.js';
import { loadSelectedPointers } from './pointers.js';
import { openRemote, type Remote } from './remote/index.js';
import { pinObjects } from './pins.js';
import { writingTo } from '../util/fs.js';
import type { ObjectCache } from './cache.js';

export interface TransferOptions {
  cwd?: string;
  paths?: string[];
  /** remote name (default: the configured default remote) */
  remote?: string;
  /** parallel transfers (default 8) */
  jobs?: number;
  onProgress?: ProgressFn;
}

export interface PushResult {
  remote: string;
  uploaded: number;
  skipped: number;
  bytes: number;
  /** objects the pointers need that this cache does not have */
  missingLocal: string[];
}

interface Needed {
  files: string[];
  manifests: string[];
  missing: string[];
}

function neededObjects(cache: ObjectCache, pointers: Pointer[]): Needed {
  const files = new Set<string>();
  const manifests = new Set<string>();
  const missing: string[] = [];
  for (const p of pointers) {
    if (p.type === 'file') {
      if (cache.has(p.hash)) files.add(p.hash);
      else missing.push(p.dataPath);
      continue;
    }
    if (!cache.has(p.hash)) {
      missing.push(p.dataPath);
      continue;
    }
    manifests.add(p.hash);
    for (const e of cache.readManifest(p.hash)) {
      if (cache.has(e.hash)) files.add(e.hash);
      else missing.push(`${p.dataPath}/${e.path}`);
    }
  }
  return { files: [...files], manifests: [...manifests], missing };
}

export async function push(repo: Repo, options: TransferOptions = {}): Promise<PushResult> {
  const remote = openRemote(repo, options.remote);
  // what killed pushes from this machine left on the remote
  await remote.sweepTemps?.();
  const cache = cacheOf(repo);
  const pointers = loadSelectedPointers(repo, options.cwd ?? process.cwd(), options.paths ?? []);
  const need = neededObjects(cache, pointers);
  const all = [...need.files, ...need.manifests];
  const present = await remote.has(all);
  const result: PushResult = {
    remote: remote.name,
    uploaded: 0,
    skipped: present.size,
    bytes: 0,
    missingLocal: need.missing,
  };
  const total = all.length - present.size;
  const upload = async (hash: string): Promise<void> => {
    const loc = cache.locate(hash);
    if (!loc) return;
    const source = loc.kind === 'loose' ? { path: loc.path } : { data: cache.read(hash) };
    await remote.put(hash, source);
    result.uploaded++;
    result.bytes += loc.kind === 'loose' ? statSync(loc.path).size : loc.size;
    options.onProgress?.({
      phase: `pushing to ${remote.name}`,
      done: result.uploaded,
      total,
      unit: 'objects',
    });
  };
  const jobs = options.jobs ?? 8;
  await runPool(
    need.files.filter((h) => !present.has(h)),
    jobs,
    upload,
  );
  await runPool(
    need.manifests.filter((h) => !present.has(h)),
    jobs,
    upload,
  );
  return result;
}

export interface PullResult {
  remote: string;
  downloaded: number;
  skipped: number;
  bytes: number;
  /** objects the remote does not have */
  missingRemote: string[];
  checkout: CheckoutResult;
}

export async function pull(
  repo: Repo,
  options: TransferOptions & { force?: boolean } = {},
): Promise<PullResult> {
  const remote = openRemote(repo, options.remote);
  const cache = cacheOf(repo);
  const cwd = options.cwd ?? process.cwd();
  const pointers = loadSelectedPointers(repo, cwd, options.paths ?? []);
  const result: PullResult = {
    remote: remote.name,
    downloaded: 0,
    skipped: 0,
    bytes: 0,
    missingRemote: [],
    checkout: { restored: [], unchanged: [], removed: [], missing: [] },
  };
  const jobs = options.jobs ?? 8;
  const fetchAll = async (wantedObjects: Wanted[]): Promise<void> => {
    const bySize = new Map(wantedObjects.map((o) => [o.hash, o.size]));
    const who = new Map(wantedObjects.map((o) => [o.hash, o.where]));
    // Pinned before we look: a concurrent gc must not take what checkout will need.
    pinObjects(repo, bySize.keys());
    const missing = cache.missing(bySize.keys());
    result.skipped += bySize.size - missing.length;
    if (missing.length === 0) return;
    const present = await remote.has(missing);
    for (const h of missing) if (!present.has(h)) result.missingRemote.push(h);
    await fetchObjects(
      cache,
      remote,
      missing.filter((h) => present.has(h)),
      bySize,
      who,
      {
        jobs,
        onObject: (size) => {
          result.downloaded++;
          result.bytes += size;
          options.onProgress?.({
            phase: `pulling from ${remote.name}`,
            done: result.downloaded,
            total: missing.length,
            unit: 'objects',
          });
        },
      },
    );
  };
  // Top level first (file objects and manifests), then the files the manifests list.
  // Manifest sizes are unknown up front: fetch them as large objects (never packed).
  await fetchAll(
    pointers.map((p) => ({
      hash: p.hash,
      size: p.type === 'dir' ? Infinity : p.size,
      where: p.pointerPath,
    })),
  );
  const children: Wanted[] = [];
  for (const p of pointers) {
    if (p.type === 'dir' && cache.has(p.hash)) {
      for (const e of cache.readManifest(p.hash))
        children.push({ ...e, where: `${p.dataPath}/${e.path} (in ${p.pointerPath})` });
    }
  }
  await fetchAll(children);
  result.checkout = await checkout(repo, { cwd, paths: options.paths, force: options.force });
  return result;
}

interface Wanted {
  hash: string;
  /** what the pointer or manifest says (Infinity: unknown, a manifest) */
  size: number;
  /** who wants it, for messages */
  where: string;
}

/**
 * Download objects into the cache. Every object is verified against its hash
 * before it becomes visible; small ones travel through memory into one pack (like
 * `mlo add`), large ones through temp files. All are made durable: this is the
 * only local copy.
 */
async function fetchObjects(
  cache: ObjectCache,
  remote: Remote,
  hashes: string[],
  sizes: Map<string, number>,
  who: Map<string, string>,
  options: { jobs: number; onObject: (size: number) => void },
): Promise<void> {
  const batch = new ObjectBatch(cache, { allowPack: true, durable: true });
  const temps: [string, string][] = [];
  const tmpDir = cache.ensureTmp();
  const corrupt = (hash: string): MloError =>
    new MloError('INVALID', `remote "${remote.name}" holds a corrupt copy of object ${hash}`, {
      hint: 'push it again from a machine that has it intact',
    });
  // A pointer is committed and may lie about the size: the object, whose hash was
  // just verified, is the truth; the pointer is refused before checkout uses it.
  const checkSize = (hash: string, actual: number): void => {
    const said = sizes.get(hash) ?? Infinity;
    if (said !== Infinity && said !== actual) {
      throw new MloError(
        'INVALID',
        `${who.get(hash) ?? hash}: says ${said} bytes, but its object ${hash.slice(0, 12)} holds ${actual}`,
        {
          hint: 'the pointer file is damaged or hostile: re-create it with `mlo add` from good data',
        },
      );
    }
  };
  try {
    await runPool(hashes, options.jobs, async (hash) => {
      if ((sizes.get(hash) ?? Infinity) <= PACKABLE_SIZE) {
        const data = await remote.read(hash);
        if (sha256(data) !== hash) throw corrupt(hash);
        checkSize(hash, data.length);
        batch.put(hash, data);
        options.onObject(data.length);
        return;
      }
      const tmp = tempPathFor('pull', tmpDir);
      temps.push([hash, tmp]);
      await writingTo(tmp, () => remote.get(hash, tmp));
      const got = hashFile(tmp);
      if (got.hash !== hash) throw corrupt(hash);
      checkSize(hash, got.size);
      options.onObject(got.size);
    });
    batch.finish();
    if (temps.length) syncFileSystem(tmpDir);
  } catch (err) {
    batch.abort();
    for (const [, tmp] of temps) rmSync(tmp, { force: true });
    throw err;
  }
  for (const [hash, tmp] of temps) cache.adoptTemp(hash, tmp);
}
