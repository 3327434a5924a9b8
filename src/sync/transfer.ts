/**
 * `mlo push` and `mlo pull` as a team uses them: to a server remote, the data
 * objects of tracked paths move as they do to any remote, and the records (runs,
 * evaluations, baselines, validation and drift results; pulled: the registry and the
 * prediction log too) move with them. To a directory or S3 remote, objects only.
 */
import {
  pull as pullData,
  push as pushData,
  type PullResult,
  type PushResult,
  type TransferOptions,
} from '../data/index.js';
import type { Repo } from '../repo/index.js';
import { pullRecords, type PullRecordsResult } from './pull.js';
import { pushRecords, type PushRecordsResult } from './push.js';
import { isServerUrl, serverTarget } from './target.js';

function serverRemote(repo: Repo, name: string | undefined): string | undefined {
  const chosen = name ?? repo.config.core?.remote;
  const url = chosen === undefined ? undefined : repo.config.remotes?.[chosen]?.url;
  return url !== undefined && isServerUrl(url) ? chosen : undefined;
}

export type TeamPushResult = PushResult & { records?: PushRecordsResult };
export type TeamPullResult = PullResult & { records?: PullRecordsResult };

export async function pushAll(repo: Repo, options: TransferOptions = {}): Promise<TeamPushResult> {
  const server = serverRemote(repo, options.remote);
  const data = await pushData(repo, options);
  if (server === undefined) return data;
  const records = await pushRecords(repo, serverTarget(repo, server), {
    onProgress: options.onProgress,
    jobs: options.jobs,
  });
  return { ...data, records };
}

export async function pullAll(
  repo: Repo,
  options: TransferOptions & { force?: boolean; predictions?: boolean } = {},
): Promise<TeamPullResult> {
  const server = serverRemote(repo, options.remote);
  // records first: they name the model files, and their pull is what a teammate waits for
  const records =
    server === undefined
      ? undefined
      : await pullRecords(repo, serverTarget(repo, server), {
          onProgress: options.onProgress,
          jobs: options.jobs,
          predictions: options.predictions,
        });
  const data = await pullData(repo, options);
  return records ? { ...data, records } : data;
}
