/**
 * The stage run-cache: for a stage's exact inputs (command, env, dependency hashes,
 * params, output paths) the outputs it produced. When outputs are missing but these
 * inputs ran before, they are restored from the cache instead of recomputed. Each
 * stage keeps its newest KEEP_PER_STAGE entries; their objects stay alive for gc.
 */
import type { Repo } from '../repo/index.js';
import { sha256 } from '../data/index.js';
import {
  addObjectRefs,
  deleteStageCache,
  getStageCache,
  putStageCache,
  removeObjectRefs,
  staleStageCacheKeys,
} from '../store/index.js';
import { objectsOf } from '../tracking/index.js';
import { canonical, type LockEntry, type StageLock } from './lock.js';

export const STAGE_CACHE_REF_KIND = 'stage-cache';
const KEEP_PER_STAGE = 20;

export interface CachedResult {
  key: string;
  outs: LockEntry[];
  metrics: LockEntry[];
  runId: string | null;
}

/** The identity of a stage's inputs. */
export function runCacheKey(
  entry: Pick<StageLock, 'cmd' | 'env' | 'deps' | 'params' | 'outs' | 'metrics'>,
): string {
  return sha256(
    canonical({
      cmd: entry.cmd,
      env: entry.env,
      deps: entry.deps.map((d) => [d.path, d.hash]).sort(),
      params: entry.params,
      outs: entry.outs.map((o) => o.path).sort(),
      metrics: entry.metrics.map((m) => m.path).sort(),
    }),
  );
}

export function lookupRunCache(repo: Repo, key: string): CachedResult | undefined {
  const row = getStageCache(repo.store, key);
  if (!row) return undefined;
  const data = JSON.parse(row.outs) as { outs: LockEntry[]; metrics: LockEntry[] };
  return { key, outs: data.outs, metrics: data.metrics, runId: row.run_id };
}

export function saveRunCache(
  repo: Repo,
  stage: string,
  key: string,
  result: { outs: LockEntry[]; metrics: LockEntry[]; runId?: string },
): void {
  putStageCache(repo.store, {
    key,
    stage,
    outs: JSON.stringify({ outs: result.outs, metrics: result.metrics }),
    run_id: result.runId ?? null,
    created_ms: Date.now(),
  });
  const hashes = [...result.outs, ...result.metrics].flatMap((e) => objectsOf(repo, e));
  addObjectRefs(
    repo.store,
    hashes.map((hash) => ({ kind: STAGE_CACHE_REF_KIND, owner: key, hash })),
  );
  const stale = staleStageCacheKeys(repo.store, stage, KEEP_PER_STAGE);
  if (stale.length) {
    deleteStageCache(repo.store, stale);
    for (const k of stale) removeObjectRefs(repo.store, STAGE_CACHE_REF_KIND, k);
  }
}
