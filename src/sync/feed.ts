/**
 * The two halves a server runs for sync: the change feed a pull reads (records
 * changed after a cursor, in change order), and applying a push (records from the
 * store that created them, all or nothing per request, each record on its own).
 */
import { createHash } from 'node:crypto';
import { MloError } from '../errors.js';
import {
  applyRecord,
  bindOrigin,
  getSyncDigest,
  maxLabelId,
  maxPredictionId,
  maxSyncSeq,
  originOwner,
  readLabelRowsAfter,
  readPredictionRowsAfter,
  readRecord,
  readSyncLog,
  RECORD_KINDS,
  setSyncDigest,
  storeOrigin,
  type ApplyOutcome,
  type RecordKind,
  type Store,
  type SyncRecord,
} from '../store/index.js';

/** Kinds a clone pushes: what is created where the data is. The registry moves through its own API. */
export const PUSH_KINDS: readonly RecordKind[] = [
  'run',
  'evaluation',
  'baseline',
  'drift_report',
  'validation',
];

export function isRecordKind(k: unknown): k is RecordKind {
  return typeof k === 'string' && (RECORD_KINDS as readonly string[]).includes(k);
}

/** What a client sends as a record's digest: the SHA-256 of its data as JSON. */
export function recordDigest(data: unknown): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
}

export interface FeedOptions {
  since: number;
  /** records per page at most */
  limit?: number;
  /** stop adding records once the page's JSON passes this many bytes */
  maxBytes?: number;
  /** say how many changes are left after `since` */
  count?: boolean;
}

/**
 * One page of the change feed as JSON text (built as it is read: a page of big runs
 * is never an object tree and its JSON at once). `next` is the cursor to ask from.
 */
export function readFeedPage(store: Store, options: FeedOptions): string {
  const limit = Math.min(Math.max(options.limit ?? 1000, 1), 5000);
  const maxBytes = options.maxBytes ?? 8 << 20;
  const since = Math.max(0, Math.trunc(options.since));
  const parts: string[] = [];
  let bytes = 0;
  let next = since;
  let more = false;
  // counting is a scan of what is left: only when asked (a pull's first page, for its progress)
  const total = options.count ? countAfter(store, since) : null;
  // one read transaction: the page is a consistent snapshot
  store.db
    .transaction(() => {
      const rows = readSyncLog(store, since, limit + 1);
      more = rows.length > limit;
      for (const row of rows.slice(0, limit)) {
        if (!isRecordKind(row.kind)) {
          next = row.seq;
          continue;
        }
        const text = JSON.stringify({ seq: row.seq, ...readRecord(store, row.kind, row.key) });
        if (parts.length > 0 && bytes + text.length > maxBytes) {
          more = true;
          break;
        }
        parts.push(text);
        bytes += text.length;
        next = row.seq;
      }
    })
    .deferred();
  return `{"origin":${JSON.stringify(storeOrigin(store))},"since":${since},"next":${next},"more":${more},"remaining":${total},"records":[${parts.join(',')}]}`;
}

function countAfter(store: Store, since: number): number {
  return store.db
    .prepare('SELECT count(*) FROM sync_log WHERE seq > ?')
    .pluck()
    .get(since) as number;
}

/** Prediction-log rows after a row number, as JSON text: `rows` are [id, ...SyncedPredictionRow]. */
export function readPredictionPage(store: Store, after: number, limit = 5000): string {
  const n = Math.min(Math.max(limit, 1), 20_000);
  const rows = readPredictionRowsAfter(store, Math.max(0, Math.trunc(after)), n + 1);
  const more = rows.length > n;
  const page = rows.slice(0, n);
  const next = page.length ? page[page.length - 1].id : after;
  return JSON.stringify({
    origin: storeOrigin(store),
    after,
    next,
    more,
    last: maxPredictionId(store),
    rows: page.map((r) => [r.id, ...r.row]),
  });
}

/**
 * Ground-truth labels after a row number, as JSON text: `rows` are LabelFeedRow
 * ([id, request_id, idx, entity, event_ms, label]). A label corrected on the server
 * keeps its row number, so a clone that pulled it before keeps its first value.
 */
export function readLabelPage(store: Store, after: number, limit = 5000): string {
  const n = Math.min(Math.max(limit, 1), 20_000);
  const start = Math.max(0, Math.trunc(after));
  const rows = readLabelRowsAfter(store, start, n + 1);
  const more = rows.length > n;
  const page = rows.slice(0, n);
  const next = page.length ? page[page.length - 1][0] : start;
  return JSON.stringify({
    origin: storeOrigin(store),
    after: start,
    next,
    more,
    last: maxLabelId(store),
    rows: page,
  });
}

export interface PushRequest {
  /** the pushing store's origin id */
  origin: string;
  records: (SyncRecord & { digest?: string })[];
}

export interface PushItemResult {
  kind: string;
  key: string;
  status: ApplyOutcome['status'];
  reason?: string;
}

export interface PushResponse {
  applied: number;
  unchanged: number;
  refused: PushItemResult[];
  /** the server's change cursor after this push */
  seq: number;
}

const ORIGIN_RE = /^[0-9a-f]{32}$/;
const KEY_RE = /^[0-9a-f]{32}$/;

/**
 * Apply a push from the store `request.origin`, acting as `identity` (the token's).
 * A store is bound to the identity of its first push: another token cannot write
 * records in its name. One transaction for the request; each record in its own
 * savepoint, so one bad record is refused without losing the others.
 */
export function applyPush(
  store: Store,
  request: PushRequest,
  identity: string,
  nowMs = Date.now(),
): PushResponse {
  if (typeof request.origin !== 'string' || !ORIGIN_RE.test(request.origin)) {
    throw new MloError('INVALID', 'push: origin must be 32 hex digits');
  }
  if (!Array.isArray(request.records))
    throw new MloError('INVALID', 'push: records must be a list');
  if (request.origin === storeOrigin(store)) {
    throw new MloError('INVALID', "push: that origin is this server's own");
  }
  const res: PushResponse = { applied: 0, unchanged: 0, refused: [], seq: 0 };
  const ctx = { origin: request.origin, mode: 'push' as const };
  store.db
    .transaction(() => {
      const owner = originOwner(store, request.origin);
      if (owner !== undefined && owner !== identity) {
        throw new MloError(
          'FORBIDDEN',
          `push: store ${request.origin.slice(0, 8)} pushes as ${owner}, not ${identity}`,
          { hint: 'each clone pushes with the identity of its first push' },
        );
      }
      bindOrigin(store, request.origin, identity, nowMs);
      for (const r of request.records) {
        const outcome = applyOne(store, r, ctx);
        if (outcome.status === 'applied') res.applied++;
        else if (outcome.status === 'unchanged' || outcome.status === 'skipped') res.unchanged++;
        else {
          res.refused.push({
            kind: String(r?.kind),
            key: String(r?.key),
            status: outcome.status,
            reason: outcome.reason,
          });
        }
      }
    })
    .immediate();
  res.seq = maxSyncSeq(store);
  return res;
}

function applyOne(
  store: Store,
  r: SyncRecord & { digest?: string },
  ctx: { origin: string; mode: 'push' },
): ApplyOutcome {
  if (!r || typeof r !== 'object' || !isRecordKind(r.kind) || typeof r.key !== 'string') {
    return { status: 'refused', reason: 'not a record' };
  }
  if (!PUSH_KINDS.includes(r.kind)) {
    return { status: 'refused', reason: `a ${r.kind} changes through the registry, not a push` };
  }
  if (!KEY_RE.test(r.key)) return { status: 'refused', reason: 'the key is not 32 hex digits' };
  const deleted = r.deleted === true || r.data === undefined;
  if (!deleted && (typeof r.data !== 'object' || r.data === null)) {
    return { status: 'refused', reason: 'data must be an object' };
  }
  const digest = deleted
    ? undefined
    : typeof r.digest === 'string'
      ? r.digest
      : recordDigest(r.data);
  if (digest !== undefined && getSyncDigest(store, r.kind, r.key) === digest) {
    return { status: 'unchanged' };
  }
  try {
    return store.db.transaction(() => {
      const outcome = applyRecord(
        store,
        { kind: r.kind, key: r.key, origin: ctx.origin, data: r.data, deleted },
        ctx,
      );
      if (outcome.status === 'applied' && digest !== undefined) {
        setSyncDigest(store, r.kind, r.key, digest);
      }
      return outcome;
    })();
  } catch (err) {
    if (err instanceof MloError) return { status: 'refused', reason: err.message };
    // malformed data (a missing field, a wrong type) fails in SQLite or while decoding
    return { status: 'refused', reason: `malformed ${r.kind}: ${(err as Error).message}` };
  }
}
