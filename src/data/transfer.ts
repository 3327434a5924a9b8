/**
 * `mlo push` and `mlo pull`: move only the objects the other side lacks. Files go
 * before the manifests that list them, so a remote never holds a directory
 * manifest without its files; a rerun after an interruption skips what arrived.
 */
import type { Repo } from '../repo/index.js';
import type { ProgressFn } from '../util/progress.js';
import { checkout, type CheckoutResult } from './checkout.js';
import { cacheOf } from './context.js';
import type { Pointer } from './pointer.js';
import { loadSelectedPointers } from './pointers.js';
import { connectRemote, fetchObjects, pushObjects, type WantedObject } from './remote/index.js';
import type { ObjectCache } from './cache.js';

export interface TransferOptions {
  cwd?: string;
  paths?: string[];
  /** remote name (default: the configured default remote) */
  remote?: string;
  /** parallel transfers (default: the remote's `jobs`, else 8 for a directory, 16 for S3) */
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
  /** requests sent, by kind */
  requests: Record<string, number>;
  retries: number;
  seconds: number;
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
  const { remote, stateDir, jobs } = connectRemote(repo, options.remote, { jobs: options.jobs });
  try {
    const cache = cacheOf(repo);
    const pointers = loadSelectedPointers(repo, options.cwd ?? process.cwd(), options.paths ?? []);
    const need = neededObjects(cache, pointers);
    const stats = await pushObjects(
      remote,
      cache,
      stateDir,
      { waves: [need.files.map((hash) => ({ hash })), need.manifests.map((hash) => ({ hash }))] },
      { jobs, onProgress: options.onProgress },
    );
    return {
      remote: remote.name,
      uploaded: stats.transferred,
      skipped: stats.skipped,
      bytes: stats.bytes,
      missingLocal: need.missing,
      requests: stats.requests,
      retries: stats.retries,
      seconds: stats.seconds,
    };
  } finally {
    remote.close();
  }
}

export interface PullResult {
  remote: string;
  downloaded: number;
  skipped: number;
  bytes: number;
  /** objects the remote does not have */
  missingRemote: string[];
  checkout: CheckoutResult;
  requests: Record<string, number>;
  retries: number;
}

export async function pull(
  repo: Repo,
  options: TransferOptions & { force?: boolean } = {},
): Promise<PullResult> {
  const { remote, jobs } = connectRemote(repo, options.remote, { jobs: options.jobs });
  try {
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
      requests: remote.requests,
      retries: 0,
    };
    const fetchAll = async (wanted: WantedObject[]): Promise<void> => {
      const stats = await fetchObjects(remote, cache, wanted, {
        jobs,
        onProgress: options.onProgress,
      });
      result.downloaded += stats.transferred;
      result.skipped += stats.skipped;
      result.bytes += stats.bytes;
      result.missingRemote.push(...stats.missing);
    };
    // Top level first (file objects and manifests), then the files the manifests list.
    // Manifest sizes are unknown up front: they come down as large objects (never packed).
    await fetchAll(
      pointers.map((p) => ({ hash: p.hash, size: p.type === 'dir' ? undefined : p.size })),
    );
    const children: WantedObject[] = [];
    for (const p of pointers) {
      if (p.type === 'dir' && cache.has(p.hash)) {
        for (const e of cache.readManifest(p.hash)) children.push(e);
      }
    }
    await fetchAll(children);
    result.retries = remote.retries;
    result.checkout = await checkout(repo, { cwd, paths: options.paths, force: options.force });
    return result;
  } finally {
    remote.close();
  }
}
