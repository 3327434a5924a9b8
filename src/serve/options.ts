/** What `mlo serve` can be asked, with its defaults and their checks. */
import { MloError } from '../errors.js';
import { parseModelRef } from '../registry/index.js';
import type { FeatureHook } from './features-hook.js';
import { parseCanary, type CanarySpec } from './routing.js';
import { parseGuard, type Guard } from './rollout/guards.js';

export interface ServeOptions {
  /** the model to serve: NAME, NAME@VERSION or NAME@ALIAS (alias moves are followed) */
  model: string;
  /** default 127.0.0.1: binding elsewhere is the caller's choice */
  host?: string;
  /** default 8080; 0 picks a free port (see Server.port) */
  port?: number;
  /** `NAME@REF:PCT` or a parsed spec: PCT% of requests go to that version */
  canary?: string | CanarySpec;
  /** NAME@REF run on every request after answering, never affecting it */
  shadow?: string;
  /** bearer token every request needs (health checks excepted) */
  token?: string;
  /** write inputs and outputs of every answered row to the prediction log */
  logPredictions?: boolean;
  /** rows per model run (1: no batching) */
  maxBatch?: number;
  /** how long a request may wait for others to batch with (0: only those already queued) */
  maxDelayMs?: number;
  /** model worker threads per served model (0: run models on the HTTP thread) */
  threads?: number;
  /** largest request body (default 4 MiB) */
  maxBodyBytes?: number;
  /** most rows in one request (default 10,000) */
  maxRows?: number;
  /** how often alias moves are looked for (default 1000 ms) */
  reloadIntervalMs?: number;
  /** prediction log rows held in memory for the writer before batches go to the spool (default 100,000) */
  logQueueRows?: number;
  /** lifecycle news: reloads, shadow failures, dropped log rows, internal errors */
  onEvent?: (event: ServeEvent) => void;
  /** online features filled into named rows, and Feast's /get-online-features (serve.features) */
  features?: FeatureHook;
  /**
   * POST /feedback (with logPredictions): labels for the logged predictions. The caller
   * passes the handler (createFeedbackHandler), so the server itself knows nothing of labels.
   */
  feedback?: (req: { method: string; body?: unknown }) => { status: number; json: unknown };
  /** every answered request, for structured access logs (Loki, ELK) */
  onAccess?: (entry: AccessEntry) => void;
  /** ramp the canary up step by step while the guards hold (needs canary) */
  rollout?: RolloutOptions;
}

export interface RolloutOptions {
  /** canary shares in percent, rising, ending at 100 */
  steps: number[];
  everyMs: number;
  /** `METRIC OP LIMIT`, e.g. "error_rate <= champion + 0.01", "p99_ms <= 50" */
  guards: string[];
  /** canary requests a step needs before it is judged (default 20) */
  minRequests?: number;
  /** a labelled-traffic metric (accuracy, ...) of one version since a time; the caller measures it */
  labelled?: (
    metric: string,
    model: { name: string; version: number },
    sinceMs: number,
  ) => Promise<number | null>;
}

/** One answered request, as `mlo serve --access-log` prints it. */
export interface AccessEntry {
  time: string;
  method: string;
  /** the route's template (/predict, /v2/models/:name/infer, unmatched, ...) */
  path: string;
  status: number;
  latency_ms: number;
  /** the served model that took it, when one did */
  model: string | null;
  version: number | null;
  /** main, canary or shadow */
  route: string | null;
  request_id: string | null;
}

export interface ServeEvent {
  level: 'info' | 'warn';
  kind:
    | 'reload'
    | 'reload-failed'
    | 'shadow-error'
    | 'shadow-dropped'
    | 'log-dropped'
    | 'log-spooled'
    | 'log-recovered'
    | 'log-trouble'
    | 'worker-crash'
    | 'internal-error'
    | 'traffic-trouble'
    | 'rollout-step'
    | 'rollout-completed'
    | 'rollout-rolled_back'
    | 'rollout-error';
  message: string;
}

/**
 * Defaults, measured by bench/serve.mjs on a 2-core machine (10-feature logistic
 * regression, single-row requests, 16 connections, the load generator on the same
 * machine): opportunistic batching answered 2.3× the requests of --max-batch 1 (0.68
 * vs 0.30 of a bare node:http server); model worker threads answered fewer than the
 * HTTP thread running the model itself (--threads 1: 0.78×, --threads 2: 0.91×), as
 * the message round trip costs the HTTP thread about what a batched run does. Threads
 * are for models whose runs are long enough to stall the event loop.
 */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  maxBatch: 32,
  maxDelayMs: 0,
  threads: 0,
  maxBodyBytes: 4 * 1024 * 1024,
  maxRows: 10_000,
  reloadIntervalMs: 1000,
  logQueueRows: 100_000,
} as const;

export interface ResolvedOptions {
  model: string;
  host: string;
  port: number;
  canary: CanarySpec | undefined;
  shadow: string | undefined;
  token: string | undefined;
  logPredictions: boolean;
  maxBatch: number;
  maxDelayMs: number;
  threads: number;
  maxBodyBytes: number;
  maxRows: number;
  reloadIntervalMs: number;
  logQueueRows: number;
  features: FeatureHook | undefined;
  feedback: ServeOptions['feedback'];
  onAccess: ServeOptions['onAccess'];
  rollout: (RolloutOptions & { parsed: Guard[] }) | undefined;
}

function wholeNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MloError(
      'USAGE',
      `${name} must be a whole number from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

export function resolveOptions(o: ServeOptions): ResolvedOptions {
  parseModelRef(o.model);
  if (o.shadow !== undefined) parseModelRef(o.shadow);
  if (o.token !== undefined && o.token.trim() === '')
    throw new MloError('USAGE', 'the bearer token is empty');
  const d = SERVE_DEFAULTS;
  return {
    model: o.model,
    host: o.host ?? d.host,
    port: wholeNumber('--port', o.port, d.port, 0, 65535),
    canary: typeof o.canary === 'string' ? parseCanary(o.canary) : o.canary,
    shadow: o.shadow,
    token: o.token,
    logPredictions: o.logPredictions ?? false,
    feedback: o.feedback,
    onAccess: o.onAccess,
    rollout: resolveRollout(o),
    maxBatch: wholeNumber('--max-batch', o.maxBatch, d.maxBatch, 1, 65536),
    maxDelayMs: wholeNumber('--max-delay-ms', o.maxDelayMs, d.maxDelayMs, 0, 10_000),
    threads: wholeNumber('--threads', o.threads, d.threads, 0, 64),
    maxBodyBytes: wholeNumber('--max-body-bytes', o.maxBodyBytes, d.maxBodyBytes, 64, 1 << 30),
    maxRows: wholeNumber('--max-rows', o.maxRows, d.maxRows, 1, 10_000_000),
    reloadIntervalMs: wholeNumber(
      'reloadIntervalMs',
      o.reloadIntervalMs,
      d.reloadIntervalMs,
      10,
      3_600_000,
    ),
    logQueueRows: wholeNumber('logQueueRows', o.logQueueRows, d.logQueueRows, 1, 100_000_000),
    features: o.features,
  };
}

function resolveRollout(o: ServeOptions): ResolvedOptions['rollout'] {
  const r = o.rollout;
  if (!r) return undefined;
  if (!o.canary) {
    throw new MloError('USAGE', '--ramp needs --canary NAME@REF: the version to ramp up');
  }
  const ok =
    r.steps.length > 0 &&
    r.steps.every((p, i) => p > 0 && p <= 100 && (i === 0 || p > r.steps[i - 1]));
  if (!ok || r.steps[r.steps.length - 1] !== 100) {
    throw new MloError(
      'USAGE',
      `--ramp ${r.steps.join(',')}: expected rising shares ending at 100`,
      {
        hint: 'for example --ramp 5,25,50,100',
      },
    );
  }
  if (r.guards.length === 0) {
    throw new MloError('USAGE', '--ramp needs at least one --guard', {
      hint: 'for example --guard "error_rate <= champion + 0.01" --guard "p99_ms <= 50"',
    });
  }
  return { ...r, parsed: r.guards.map(parseGuard) };
}
