/**
 * `mlo gc --remote NAME`: delete the objects on a remote that nothing keeps: no
 * given revision (pointer files and mlo.lock), no registry version, run or stage
 * cache entry. A dry run unless asked; objects younger than a grace period are kept
 * (a teammate's push whose commit this clone has not seen yet).
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { cacheOf } from './context.js';
import { connectRemote, deleteFromRemote, listRemote } from './remote/index.js';
import { neededObjects } from './remote/plan.js';
import { listReferences, type Reference } from './references.js';

export interface RemoteGcOptions {
  remote?: string;
  /** also keep what pointer files and mlo.lock reference at these git revisions */
  revs?: string[];
  /** ... and in every commit reachable from any ref */
  allCommits?: boolean;
  /** delete for real (default: only report) */
  yes?: boolean;
  /** keep unreferenced objects younger than this (default one day) */
  graceMs?: number;
  jobs?: number;
}

export interface RemoteGcResult {
  remote: string;
  dryRun: boolean;
  /** objects deleted (or that would be) */
  removed: number;
  removedBytes: number;
  /** referenced objects on the remote */
  kept: number;
  /** unreferenced objects kept because they are younger than the grace period */
  recent: number;
  objects: string[];
  requests: Record<string, number>;
}

export const DEFAULT_REMOTE_GC_GRACE_MS = 24 * 60 * 60 * 1000;

export async function gcRemote(repo: Repo, options: RemoteGcOptions = {}): Promise<RemoteGcResult> {
  // the workspace, the store (registry, runs, stage cache) and every revision asked for
  const keep: Reference[] = listReferences(repo, { allCommits: options.allCommits });
  for (const rev of options.revs ?? [])
    keep.push(...listReferences(repo, { rev, kinds: ['pointer', 'lock'] }));
  const { remote, stateDir } = connectRemote(repo, options.remote, { jobs: options.jobs });
  try {
    // Outputs declared `cache: false` are kept too: gc never guesses.
    const needs = await neededObjects(
      cacheOf(repo),
      keep.map((r) => ({ ...r, cached: true })),
      { remote },
    );
    if (needs.unknownManifests.length) {
      const m = needs.unknownManifests[0];
      throw new MloError(
        'CONFLICT',
        `cannot tell which files ${m.where} keeps: its directory manifest ${m.hash.slice(0, 12)} is neither in the cache nor on remote "${remote.name}"; nothing deleted`,
        { hint: 'fetch or push that directory first, or drop the revision that references it' },
      );
    }
    const listing = await listRemote(remote, stateDir);
    const grace = options.graceMs ?? DEFAULT_REMOTE_GC_GRACE_MS;
    const now = Date.now();
    const result: RemoteGcResult = {
      remote: remote.name,
      dryRun: !options.yes,
      removed: 0,
      removedBytes: 0,
      kept: 0,
      recent: 0,
      objects: [],
      requests: remote.requests,
    };
    for (const [hash, o] of listing) {
      if (needs.objects.has(hash)) {
        result.kept++;
        continue;
      }
      if (o.mtimeMs === undefined || now - o.mtimeMs < grace) {
        result.recent++;
        continue;
      }
      result.removed++;
      result.removedBytes += o.size;
      result.objects.push(hash);
    }
    if (options.yes) await deleteFromRemote(remote, stateDir, result.objects);
    return result;
  } finally {
    remote.close();
  }
}
