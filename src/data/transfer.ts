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
  const fetchAll = async (wantedObjects: { hash: string; size: number }[]): Promise<void> => {
    const bySize = new Map(wantedObjects.map((o) => [o.hash, o.size]));
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
    pointers.map((p) => ({ hash: p.hash, size: p.type === 'dir' ? Infinity : p.size })),
  );
  const children: { hash: string; size: number }[] = [];
  for (const p of pointers) {
    if (p.type === 'dir' && cache.has(p.hash)) {
      for (const e of cache.readManifest(p.hash)) children.push(e);
    }
  }
  await fetchAll(children);
  result.checkout = await checkout(repo, { cwd, paths: options.paths, force: options.force });
  return result;
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
  options: { jobs: number; onObject: (size: number) => void },
): Promise<void> {
  const batch = new ObjectBatch(cache, { allowPack: true, durable: true });
  const temps: [string, string][] = [];
  const tmpDir = cache.ensureTmp();
  const corrupt = (hash: string): MloError =>
    new MloError('INVALID', `remote "${remote.name}" holds a corrupt copy of object ${hash}`, {
      hint: 'push it again from a machine that has it intact',
    });
  try {
    await runPool(hashes, options.jobs, async (hash) => {
      if ((sizes.get(hash) ?? Infinity) <= PACKABLE_SIZE) {
        const data = await remote.read(hash);
        if (sha256(data) !== hash) throw corrupt(hash);
        batch.put(hash, data);
        options.onObject(data.length);
        return;
      }
      const tmp = tempPathFor('pull', tmpDir);
      await remote.get(hash, tmp);
      const got = hashFile(tmp);
      if (got.hash !== hash) {
        rmSync(tmp, { force: true });
        throw corrupt(hash);
      }
      temps.push([hash, tmp]);
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
