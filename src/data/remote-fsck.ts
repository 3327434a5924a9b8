/**
 * `mlo fsck --remote NAME`: every object the repository references is on the
 * remote whole. Lists the remote (presence, size), then downloads each referenced
 * object and checks its sha256, unless `shallow`.
 */
import { rmSync } from 'node:fs';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { tempPathFor } from '../util/atomic.js';
import { runPool } from '../util/pool.js';
import type { ProgressFn } from '../util/progress.js';
import { cacheOf } from './context.js';
import { sha256 } from './hash.js';
import { connectRemote, listRemote } from './remote/index.js';
import { describeNeed, neededObjects } from './remote/plan.js';
import { listReferences } from './references.js';
import type { FsckProblem } from './fsck.js';

export interface RemoteFsckOptions {
  remote?: string;
  /** presence and size only: download nothing */
  shallow?: boolean;
  jobs?: number;
  onProgress?: ProgressFn;
}

export interface RemoteFsckResult {
  remote: string;
  checked: number;
  problems: FsckProblem[];
  ok: boolean;
  requests: Record<string, number>;
}

/** Objects up to this size are verified in memory; larger ones through a temp file. */
const IN_MEMORY = 8 << 20;

export async function fsckRemote(
  repo: Repo,
  options: RemoteFsckOptions = {},
): Promise<RemoteFsckResult> {
  const refs = listReferences(repo);
  const { remote, stateDir, jobs } = connectRemote(repo, options.remote, { jobs: options.jobs });
  try {
    const cache = cacheOf(repo);
    const needs = await neededObjects(cache, refs, { remote });
    const problems: FsckProblem[] = [];
    for (const m of needs.unknownManifests)
      problems.push({ hash: m.hash, where: m.where, problem: 'missing' });
    const listing = await listRemote(remote, stateDir);
    const unknown = new Set(needs.unknownManifests.map((m) => m.hash));
    const present: { hash: string; size: number; where: string }[] = [];
    for (const o of needs.objects.values()) {
      if (unknown.has(o.hash)) continue;
      const there = listing.get(o.hash);
      if (!there) problems.push({ hash: o.hash, where: describeNeed(o), problem: 'missing' });
      else if (o.size !== undefined && there.size !== o.size)
        problems.push({ hash: o.hash, where: describeNeed(o), problem: 'corrupt' });
      else present.push({ hash: o.hash, size: there.size, where: describeNeed(o) });
    }
    let checked = needs.objects.size;
    if (!options.shallow) {
      checked = 0;
      const tmpDir = cache.ensureTmp();
      await runPool(present, jobs, async (o) => {
        try {
          if (o.size <= IN_MEMORY) {
            if (sha256(await remote.read(o.hash)) !== o.hash)
              problems.push({ hash: o.hash, where: o.where, problem: 'corrupt' });
          } else {
            const tmp = tempPathFor('fsck', tmpDir);
            try {
              await remote.get(o.hash, tmp, { size: o.size });
            } finally {
              rmSync(tmp, { force: true });
            }
          }
        } catch (err) {
          if (!(err instanceof MloError) || (err.code !== 'INVALID' && err.code !== 'NOT_FOUND'))
            throw err;
          problems.push({
            hash: o.hash,
            where: o.where,
            problem: err.code === 'INVALID' ? 'corrupt' : 'missing',
          });
        }
        checked++;
        options.onProgress?.({
          phase: `verifying ${remote.name}`,
          done: checked,
          total: present.length,
          unit: 'objects',
        });
      });
    }
    return {
      remote: remote.name,
      checked,
      problems,
      ok: problems.length === 0,
      requests: remote.requests,
    };
  } finally {
    remote.close();
  }
}
