/**
 * A serving replica of a server (`mlo serve NAME@ALIAS --from team`): its store
 * follows the server's registry (a pull every few seconds brings alias moves and the
 * model files of new versions, which `mlo serve`'s watcher then loads), and its
 * prediction log travels back to the server in batches.
 *
 * The prediction log is written locally first (the store, and .mlo/spool when the
 * writer is behind), so rows survive the server being unreachable and a restart of
 * the replica; a cursor in the store says what the server has acknowledged. Each row
 * carries its local row number, and the server keeps a row once per (replica, row
 * number): a batch sent again after a lost answer adds nothing.
 */
import { mkdirSync } from 'node:fs';
import { MloError } from '../errors.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { openRepo, type Repo } from '../repo/index.js';
import { initServerStore, openBareRepo } from '../server/bare.js';
import {
  getSyncState,
  readPredictionRowsAfter,
  setSyncState,
  storeOrigin,
} from '../store/index.js';
import { ServerClient, type ServerTarget } from './client.js';
import type { IngestResult, PredictionRowIn } from './ingest.js';
import { MAX_BATCH_ROWS } from './ingest.js';
import { pullRecords, type PullRecordsResult } from './pull.js';
import { isServerUrl, serverTarget, stateScope, targetFromUrl } from './target.js';

export interface ReplicaEvent {
  level: 'info' | 'warn';
  message: string;
}

export interface ReplicaOptions {
  /** how often to pull the registry and ship the log (default 2000 ms) */
  intervalMs?: number;
  /** rows per shipped batch (default and most: the server's batch limit) */
  batchRows?: number;
  onEvent?: (e: ReplicaEvent) => void;
}

export interface ReplicaStats {
  /** prediction rows the server has acknowledged, in total */
  shipped: number;
  /** rows logged here that the server has not acknowledged yet */
  unshipped: number;
  pulls: number;
  failures: number;
}

export interface ReplicaSync {
  /** pull and ship now; resolves when done (errors are reported, not thrown) */
  tick(): Promise<void>;
  stats(): ReplicaStats;
  /** stop the timer, then ship what is left (one last attempt) */
  close(): Promise<ReplicaStats>;
}

/**
 * Where a replica keeps its store when there is no repository: by server URL under
 * $XDG_STATE_HOME/mlo/replicas (default ~/.local/state/mlo/replicas).
 */
export function defaultReplicaDir(target: ServerTarget): string {
  const base = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  const id = createHash('sha256').update(target.url).digest('hex').slice(0, 16);
  const dir = join(base, 'mlo', 'replicas', id);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * The store a replica serves from and the server it follows. `from` is a server
 * remote of the repository at `cwd`, or a URL (no repository needed: the store is a
 * bare one in `stateDir`, by default under defaultReplicaDir, the token from $MLO_TOKEN).
 */
export function openReplica(
  from: string,
  options: { cwd: string; stateDir?: string },
): { repo: Repo; target: ServerTarget } {
  if (isServerUrl(from)) {
    const target = targetFromUrl(from);
    const dir = initServerStore(options.stateDir ?? defaultReplicaDir(target)).dir;
    return { repo: openBareRepo(dir), target };
  }
  if (options.stateDir !== undefined) {
    throw new MloError(
      'USAGE',
      '--state-dir goes with --from URL (a remote serves from this repository)',
    );
  }
  const repo = openRepo(options.cwd);
  try {
    return { repo, target: serverTarget(repo, from) };
  } catch (err) {
    repo.close();
    throw err;
  }
}

/**
 * Bring the server's registry into `repo` before serving: the records, then the model
 * files of the versions that arrived. The prediction log stays on the server.
 */
export async function pullRegistry(repo: Repo, target: ServerTarget): Promise<PullRecordsResult> {
  return pullRecords(repo, target, { predictions: false, models: true });
}

const SHIPPED = 'shipped';

/** Rows logged here after `after`, as the ingest endpoint takes them; rows copied from elsewhere are not ours to ship. */
function readUnshipped(
  repo: Repo,
  after: number,
  limit: number,
): { next: number; rows: PredictionRowIn[] } {
  const page = readPredictionRowsAfter(repo.store, after, limit);
  const rows: PredictionRowIn[] = [];
  for (const { id, row } of page) {
    const [ts, model, version, role, route, requestId, latency, inputs, outputs, origin] = row;
    if (origin !== null) continue;
    rows.push({
      ts_ms: ts,
      model,
      version,
      role: role as PredictionRowIn['role'],
      route: route as PredictionRowIn['route'],
      request_id: requestId,
      latency_ms: latency,
      inputs,
      outputs,
      seq: id,
    });
  }
  return { next: page.length ? page[page.length - 1].id : after, rows };
}

export function startReplicaSync(
  repo: Repo,
  target: ServerTarget,
  options: ReplicaOptions = {},
): ReplicaSync {
  const client = new ServerClient(target, { timeoutMs: 30_000, attempts: 2 });
  const scope = `${stateScope(target)}:replica`;
  const origin = storeOrigin(repo.store);
  const batchRows = Math.min(options.batchRows ?? MAX_BATCH_ROWS, MAX_BATCH_ROWS);
  const emit = options.onEvent ?? ((): void => undefined);
  const stats: ReplicaStats = { shipped: 0, unshipped: 0, pulls: 0, failures: 0 };
  let lastError = '';
  let running: Promise<void> | undefined;

  const ship = async (): Promise<void> => {
    for (;;) {
      const after = Number(getSyncState(repo.store, scope, SHIPPED) ?? 0);
      const { next, rows } = readUnshipped(repo, after, batchRows);
      if (next === after) return;
      if (rows.length > 0) {
        // the id names the rows' range: the same rows sent again are the same batch
        const batch = `rows-${after + 1}-${next}`;
        const r = await client.json<IngestResult>('POST', '/api/predictions', {
          body: { origin, batch, rows },
          retry: 'idempotent',
        });
        if (!r.duplicate) stats.shipped += r.accepted;
      }
      setSyncState(repo.store, scope, SHIPPED, String(next));
    }
  };

  const countUnshipped = (): number => {
    const after = Number(getSyncState(repo.store, scope, SHIPPED) ?? 0);
    return repo.store.db
      .prepare('SELECT COUNT(*) FROM prediction_log WHERE id > ? AND origin IS NULL')
      .pluck()
      .get(after) as number;
  };

  const once = async (): Promise<void> => {
    try {
      await pullRegistry(repo, target);
      stats.pulls++;
      await ship();
      if (lastError) emit({ level: 'info', message: `${target.name} reachable again` });
      lastError = '';
    } catch (err) {
      stats.failures++;
      const message = err instanceof Error ? err.message : String(err);
      // say it once per kind of failure, not every few seconds
      if (message !== lastError) {
        emit({
          level: 'warn',
          message: `${target.name}: ${message}; predictions stay logged here and are sent when it answers`,
        });
      }
      lastError = message;
    }
  };

  const tick = (): Promise<void> => {
    running ??= once().finally(() => (running = undefined));
    return running;
  };

  const timer = setInterval(() => void tick(), options.intervalMs ?? 2000);
  timer.unref();

  return {
    tick,
    stats: () => ({ ...stats, unshipped: countUnshipped() }),
    async close() {
      clearInterval(timer);
      await running;
      await tick();
      return { ...stats, unshipped: countUnshipped() };
    },
  };
}
