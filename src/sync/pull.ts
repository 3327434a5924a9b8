/**
 * `mlo pull` from a server: the team's records changed since this store's cursor,
 * page by page (each page and its cursor in one transaction, so a pull cut short
 * resumes where it stopped), then the prediction log past its own cursor, then the
 * ground-truth labels past theirs (joined here as local labels are), then the model
 * files of the versions that arrived. Copies are read-only here; this store's
 * own records coming back are skipped. A record whose dependency has not arrived yet
 * (an evaluation before its model version) waits, and is applied when it does.
 */
import { cacheOf } from '../data/index.js';
import { MloError } from '../errors.js';
import { mergeLabelRows } from '../monitor/feedback/index.js';
import type { Repo } from '../repo/index.js';
import {
  applyRecord,
  clearSyncState,
  deleteSyncState,
  getSyncState,
  insertSyncedPredictionRows,
  listSyncState,
  setSyncState,
  storeOrigin,
  type ApplyOutcome,
  type LabelFeedRow,
  type StagedLabel,
  type Store,
  type SyncedPredictionRow,
  type SyncRecord,
} from '../store/index.js';
import type { ProgressFn } from '../util/progress.js';
import { ServerClient, type ServerTarget } from './client.js';
import { fetchObjects } from './objects.js';
import { stateScope } from './target.js';

export interface PullRecordsOptions {
  /** bring the prediction log and its labels too (default true) */
  predictions?: boolean;
  /** download the model files of versions that arrived (default true) */
  models?: boolean;
  /** records per page */
  pageSize?: number;
  onProgress?: ProgressFn;
  jobs?: number;
}

export interface PullRecordsResult {
  remote: string;
  /** records written or updated here */
  applied: number;
  /** records this store holds already, or created itself */
  unchanged: number;
  /** records that wait for one they depend on */
  pending: number;
  refused: { kind: string; key: string; reason: string }[];
  /** prediction-log rows added */
  predictions: number;
  /** ground-truth labels added (or changed) here; of the labels pulled, those joined to a logged prediction */
  labels: { added: number; joined: number };
  models: { fetched: number; bytes: number; missing: string[] };
  /** the server's change cursor reached */
  cursor: number;
}

interface FeedPage {
  origin: string;
  next: number;
  more: boolean;
  remaining: number | null;
  records: (SyncRecord & { seq: number })[];
}

interface LabelPage {
  next: number;
  more: boolean;
  last: number;
  rows: LabelFeedRow[];
}

interface PredictionPage {
  origin: string;
  next: number;
  more: boolean;
  last: number;
  rows: [number, ...SyncedPredictionRow][];
}

const PENDING = 'pending:';

export async function pullRecords(
  repo: Repo,
  target: ServerTarget,
  options: PullRecordsOptions = {},
): Promise<PullRecordsResult> {
  const store = repo.store;
  const client = new ServerClient(target);
  const scope = stateScope(target);
  const self = storeOrigin(store);
  const info = await client.json<{ origin: string }>('GET', '/api/server/info');
  if (info.origin === self) {
    throw new MloError('USAGE', `${target.name} is this store itself`);
  }
  // another server answering at this URL (a restore, a new hub): start over
  const known = getSyncState(store, scope, 'origin');
  if (known !== info.origin) {
    store.db.transaction(() => {
      clearSyncState(store, scope);
      setSyncState(store, scope, 'origin', info.origin);
    })();
  }
  const result: PullRecordsResult = {
    remote: target.name,
    applied: 0,
    unchanged: 0,
    pending: 0,
    refused: [],
    predictions: 0,
    labels: { added: 0, joined: 0 },
    models: { fetched: 0, bytes: 0, missing: [] },
    cursor: 0,
  };
  /** model files of the versions that arrived; directory manifests (MLflow models) apart */
  const versions = new Set<string>();
  const manifests = new Set<string>();
  let cursor = Number(getSyncState(store, scope, 'pulled') ?? 0);
  let total: number | null = null;
  let done = 0;
  const limit = options.pageSize ?? 1000;
  const fetchPage = (since: number, first: boolean): Promise<FeedPage> =>
    client.json<FeedPage>(
      'GET',
      `/api/sync/changes?since=${since}&limit=${limit}${first ? '&count=1' : ''}`,
    );
  let coming = fetchPage(cursor, true);
  for (let first = true; ; first = false) {
    const page = await coming;
    // the server reads the next page while this one is written here; where it starts
    // is the server's cursor, whatever happens to this page
    if (page.more) {
      coming = fetchPage(page.next, false);
      coming.catch(() => undefined); // awaited next time round, unless this page fails
    }
    if (first) total = page.remaining;
    store.db
      .transaction(() => {
        for (const rec of page.records) {
          const outcome = rec.origin === self ? skippedOwn : applyCopy(store, scope, rec);
          count(result, rec, outcome);
          if (outcome.status === 'applied' && rec.kind === 'version' && rec.data) {
            const d = rec.data as { hash: string; format?: string };
            versions.add(d.hash);
            if (d.format === 'mlflow') manifests.add(d.hash);
          }
        }
        retryPending(store, scope, result);
        setSyncState(store, scope, 'pulled', String(page.next));
      })
      .immediate();
    cursor = page.next;
    done += page.records.length;
    options.onProgress?.({
      phase: `pulling records from ${target.name}`,
      done,
      total: Math.max(total ?? done, done),
      unit: 'items',
    });
    if (!page.more) break;
  }
  result.cursor = cursor;
  result.pending = listSyncState(store, scope, PENDING).length;
  if (options.predictions !== false) {
    result.predictions = await pullPredictions(
      store,
      client,
      scope,
      info.origin,
      options.onProgress,
    );
    result.labels = await pullLabels(repo, client, scope, options.onProgress);
  }
  if (options.models !== false && versions.size > 0) {
    result.models = await fetchObjects(repo, client, [...versions], { jobs: options.jobs });
    // an MLflow model directory: its files after its manifest
    const cache = cacheOf(repo);
    const files = [...manifests]
      .filter((h) => cache.has(h))
      .flatMap((h) => cache.readManifest(h).map((e) => e.hash));
    if (files.length) {
      const more = await fetchObjects(repo, client, files, { jobs: options.jobs });
      result.models.fetched += more.fetched;
      result.models.bytes += more.bytes;
      result.models.missing.push(...more.missing);
    }
  }
  return result;
}

const skippedOwn: ApplyOutcome = { status: 'skipped', reason: 'created in this store' };

/** One savepoint per record (a malformed one is undone alone); the wrapper made once per store. */
const applyInSavepoint = new WeakMap<Store, (rec: SyncRecord) => ApplyOutcome>();

function applyCopy(store: Store, scope: string, rec: SyncRecord): ApplyOutcome {
  let outcome: ApplyOutcome;
  let apply = applyInSavepoint.get(store);
  if (!apply) {
    apply = store.db.transaction((r: SyncRecord) =>
      applyRecord(store, r, { origin: r.origin, mode: 'pull' }),
    );
    applyInSavepoint.set(store, apply);
  }
  try {
    outcome = apply(rec);
  } catch (err) {
    outcome = { status: 'refused', reason: `malformed ${rec.kind}: ${(err as Error).message}` };
  }
  const key = `${PENDING}${rec.kind}:${rec.key}`;
  if (outcome.status === 'pending') setSyncState(store, scope, key, JSON.stringify(rec));
  else deleteSyncState(store, scope, key);
  return outcome;
}

function retryPending(store: Store, scope: string, result: PullRecordsResult): void {
  for (const [, text] of listSyncState(store, scope, PENDING)) {
    const rec = JSON.parse(text) as SyncRecord;
    const outcome = applyCopy(store, scope, rec);
    if (outcome.status !== 'pending') count(result, rec, outcome);
  }
}

function count(result: PullRecordsResult, rec: SyncRecord, o: ApplyOutcome): void {
  if (o.status === 'applied') result.applied++;
  else if (o.status === 'refused')
    result.refused.push({ kind: rec.kind, key: rec.key, reason: o.reason });
  else if (o.status !== 'pending') result.unchanged++;
}

const PREDICTION_PAGE = 5000;

async function pullPredictions(
  store: Store,
  client: ServerClient,
  scope: string,
  serverOrigin: string,
  onProgress: ProgressFn | undefined,
): Promise<number> {
  let after = Number(getSyncState(store, scope, 'predictions') ?? 0);
  let added = 0;
  let done = 0;
  for (;;) {
    const page = await client.json<PredictionPage>(
      'GET',
      `/api/sync/predictions?after=${after}&limit=${PREDICTION_PAGE}`,
    );
    // a copy is named by the server's row number: pulled twice, it is kept once
    const rows = page.rows.map((r): SyncedPredictionRow => {
      const [id, ...row] = r;
      row[9] = serverOrigin;
      row[10] = id;
      return row;
    });
    store.db
      .transaction(() => {
        added += insertSyncedPredictionRows(store, rows);
        setSyncState(store, scope, 'predictions', String(page.next));
      })
      .immediate();
    after = page.next;
    done += rows.length;
    onProgress?.({
      phase: `pulling prediction log from ${client.name}`,
      done,
      total: Math.max(done, done + (page.last - page.next)),
      unit: 'rows',
    });
    if (!page.more) break;
  }
  return added;
}

const LABEL_PAGE = 5000;

/**
 * The server's labels past this store's cursor, merged page by page as a local feed is
 * (after the prediction log, so they join the rows just pulled): a label this store
 * holds already is unchanged, pulling twice adds nothing. Entity labels join with the
 * default entity feature and window (the server keeps neither with the label). The
 * cursor moves after each page's merge; a page merged again changes nothing.
 */
async function pullLabels(
  repo: Repo,
  client: ServerClient,
  scope: string,
  onProgress: ProgressFn | undefined,
): Promise<{ added: number; joined: number }> {
  const store = repo.store;
  let after = Number(getSyncState(store, scope, 'labels') ?? 0);
  const got = { added: 0, joined: 0 };
  let done = 0;
  for (;;) {
    // a server from before labels travelled has no such endpoint: nothing to pull
    const page = await client.json<LabelPage | { error: unknown }>(
      'GET',
      `/api/sync/labels?after=${after}&limit=${LABEL_PAGE}`,
      { accept: [404] },
    );
    if ('error' in page) break;
    const byMode: Record<'request' | 'entity', StagedLabel[]> = { request: [], entity: [] };
    for (const [, requestId, idx, entity, eventMs, label] of page.rows) {
      byMode[entity === null ? 'request' : 'entity'].push([requestId, idx, entity, eventMs, label]);
    }
    for (const mode of ['request', 'entity'] as const) {
      if (byMode[mode].length === 0) continue;
      const r = mergeLabelRows(repo, mode, byMode[mode], { source: `pull:${client.name}` });
      got.added += r.new + r.changed;
      got.joined += r.joined;
    }
    setSyncState(store, scope, 'labels', String(page.next));
    after = page.next;
    done += page.rows.length;
    onProgress?.({
      phase: `pulling labels from ${client.name}`,
      done,
      total: Math.max(done, done + (page.last - page.next)),
      unit: 'rows',
    });
    if (!page.more) break;
  }
  return got;
}
