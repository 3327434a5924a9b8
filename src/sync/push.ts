/**
 * `mlo push` to a server: the records this store created since the last push (its
 * change log past the remote's cursor) with the objects they name. A run logged to
 * again after a push changes again, so it is sent again; a record the server already
 * holds unchanged is skipped there. The cursor moves only past what the server
 * acknowledged: a push cut short (server down, kill -9) is finished by the next one,
 * which is also how runs queue while the server is unreachable.
 */
import {
  baselineModelOrigin,
  getSyncState,
  readRecord,
  readSyncLog,
  runRecordObjects,
  setSyncState,
  storeOrigin,
  versionByGid,
  type RecordKind,
  type RunRecordData,
  type SyncRecord,
} from '../store/index.js';
import type { Repo } from '../repo/index.js';
import type { ProgressFn } from '../util/progress.js';
import { ServerClient, type ServerTarget } from './client.js';
import { PUSH_KINDS, recordDigest, type PushItemResult, type PushResponse } from './feed.js';
import { sendObjects, type ObjectRef } from './objects.js';
import { stateScope } from './target.js';

export interface PushRecordsOptions {
  onProgress?: ProgressFn;
  jobs?: number;
}

export interface PushRecordsResult {
  remote: string;
  /** records the server wrote */
  applied: number;
  /** records the server already held as they are */
  unchanged: number;
  /** records the server refused, with its reasons */
  refused: PushItemResult[];
  /** own records not sent: results about model versions only this clone's registry has */
  kept: number;
  objects: { sent: number; skipped: number; missingLocal: string[] };
  /** records still to push after this one (0 when it completed) */
  left: number;
}

/** Changes read per round; a round's records are sent in requests of at most REQUEST_BYTES. */
const ROUND = 500;
const REQUEST_BYTES = 8 << 20;

/** How many changes are waiting to be pushed to `target`. */
export function pendingPushCount(repo: Repo, target: ServerTarget): number {
  const cursor = Number(getSyncState(repo.store, stateScope(target), 'pushed') ?? 0);
  // one cursor for every kind: a push always carries them all, in change order
  const list = PUSH_KINDS.map((k) => `'${k}'`).join(', ');
  return repo.store.db
    .prepare(`SELECT count(*) FROM sync_log WHERE seq > ? AND kind IN (${list})`)
    .pluck()
    .get(cursor) as number;
}

export async function pushRecords(
  repo: Repo,
  target: ServerTarget,
  options: PushRecordsOptions = {},
): Promise<PushRecordsResult> {
  const store = repo.store;
  const client = new ServerClient(target);
  const scope = stateScope(target);
  const self = storeOrigin(store);
  const result: PushRecordsResult = {
    remote: target.name,
    applied: 0,
    unchanged: 0,
    refused: [],
    kept: 0,
    objects: { sent: 0, skipped: 0, missingLocal: [] },
    left: 0,
  };
  const total = pendingPushCount(repo, target);
  let done = 0;
  let cursor = Number(getSyncState(store, scope, 'pushed') ?? 0);
  for (;;) {
    const rows = readSyncLog(store, cursor, ROUND, PUSH_KINDS);
    if (rows.length === 0) break;
    const records: (SyncRecord & { digest?: string })[] = [];
    const objects: ObjectRef[] = [];
    for (const row of rows) {
      const rec = readRecord(store, row.kind as RecordKind, row.key);
      // copies of other stores' records are theirs to push
      if (!rec.deleted && rec.origin !== self) continue;
      if (!rec.deleted && !carried(repo, rec)) {
        result.kept++;
        continue;
      }
      if (rec.deleted) records.push({ ...rec, origin: self });
      else {
        records.push({ ...rec, digest: recordDigest(rec.data) });
        if (rec.kind === 'run')
          objects.push(...runRecordObjects(rec.data as unknown as RunRecordData));
      }
    }
    if (objects.length) {
      const o = await sendObjects(repo, client, objects, { jobs: options.jobs });
      result.objects.sent += o.sent;
      result.objects.skipped += o.skipped;
      result.objects.missingLocal.push(...o.missingLocal);
    }
    for (const chunk of requests(records)) {
      const r = await client.json<PushResponse>('POST', '/api/sync/push', {
        body: { origin: self, records: chunk },
        // a push is idempotent: the server skips what it already holds
        retry: 'idempotent',
      });
      result.applied += r.applied;
      result.unchanged += r.unchanged;
      result.refused.push(...r.refused);
    }
    cursor = rows[rows.length - 1].seq;
    setSyncState(store, scope, 'pushed', String(cursor));
    done += rows.length;
    options.onProgress?.({
      phase: `pushing to ${target.name}`,
      done,
      total: Math.max(total, done),
      unit: 'items',
    });
  }
  result.left = pendingPushCount(repo, target);
  return result;
}

/**
 * Whether a record this store created goes to the server: not results about model
 * versions only this clone has (its local registry), which mean nothing there.
 */
function carried(repo: Repo, rec: SyncRecord): boolean {
  if (rec.kind === 'evaluation') {
    const gid = (rec.data as { version?: { gid?: string } }).version?.gid;
    return gid !== undefined && versionByGid(repo.store, gid)?.origin != null;
  }
  if (rec.kind === 'baseline' && (rec.data as { model?: unknown }).model) {
    return baselineModelOrigin(repo.store, rec.key) != null;
  }
  return true;
}

/** Split records into requests of at most REQUEST_BYTES of JSON (one big run goes alone). */
function* requests<T>(records: T[]): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const r of records) {
    const n = JSON.stringify(r).length;
    if (batch.length && bytes + n > REQUEST_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(r);
    bytes += n;
  }
  if (batch.length) yield batch;
}
