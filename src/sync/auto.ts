/**
 * `tracking: {push: team}` in mlo.yaml: after `mlo exec` and `mlo repro`, what they
 * recorded is pushed at once. A server that cannot be reached is not an error for
 * the run: its records stay queued (the change log past the push cursor) and the
 * next push, automatic or by hand, sends them.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { loadTeamConfig } from './config.js';
import { pendingPushCount, pushRecords } from './push.js';
import { serverTarget } from './target.js';

export interface AutoPushResult {
  remote: string;
  /** records the server wrote */
  pushed: number;
  /** records still queued for it */
  queued: number;
  /** why the push did not complete */
  error?: string;
}

export async function pushIfConfigured(repo: Repo): Promise<AutoPushResult | undefined> {
  const remote = loadTeamConfig(repo.root).pushRunsTo;
  if (remote === undefined) return undefined;
  const target = serverTarget(repo, remote);
  try {
    const r = await pushRecords(repo, target);
    return { remote, pushed: r.applied, queued: r.left };
  } catch (err) {
    if (!(err instanceof MloError)) throw err;
    return { remote, pushed: 0, queued: pendingPushCount(repo, target), error: err.message };
  }
}
