/**
 * Sending queued alerts: each delivery is claimed in the store (so two monitors never
 * send the same one), tried up to `attempts` times with exponential backoff (or the
 * receiver's Retry-After, capped at 30 s) on network errors, timeouts, 408, 429 and
 * 5xx, and left pending for the next evaluation when the receiver stays down; a
 * permanent refusal (another 4xx) or 20 attempts in all make it failed.
 */
import { basename } from 'node:path';
import { MloError } from '../../errors.js';
import type { Repo } from '../../repo/index.js';
import {
  claimDeliveries,
  finishDelivery,
  getIncident,
  type DeliveryRow,
} from '../../store/index.js';
import { alertOf } from './alert.js';
import type { MonitorConfig } from './config.js';
import { senderFor, type SendResult } from './destinations/index.js';
import { secretSource, type SecretSource } from './secrets.js';

export interface DeliveryOutcome {
  id: number;
  incident: number;
  destination: string;
  event: 'trigger' | 'resolve';
  status: 'delivered' | 'pending' | 'failed';
  attempts: number;
  error: string | null;
  /** ms from the start of delivery to the receiver's answer */
  ms: number;
}

export interface DeliverOptions {
  env?: NodeJS.ProcessEnv;
  /** how long to wait between tries (tests) */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const MAX_TOTAL_ATTEMPTS = 20;
const MAX_RETRY_AFTER_MS = 30_000;
/** a claim older than this belongs to a monitor that died while sending */
const STALE_CLAIM_MS = 5 * 60_000;

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Send every pending delivery (all destinations in parallel, each one's tries in order). */
export async function deliverPending(
  repo: Repo,
  config: MonitorConfig,
  options: DeliverOptions = {},
): Promise<DeliveryOutcome[]> {
  const now = options.now ?? Date.now;
  const claimed = claimDeliveries(repo.store, now(), STALE_CLAIM_MS);
  if (claimed.length === 0) return [];
  const secrets = secretSource(repo.dotDir, options.env);
  const project = basename(repo.root);
  return Promise.all(claimed.map((d) => deliverOne(repo, config, d, secrets, project, options)));
}

async function deliverOne(
  repo: Repo,
  config: MonitorConfig,
  d: DeliveryRow,
  secrets: SecretSource,
  project: string,
  options: DeliverOptions,
): Promise<DeliveryOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const t0 = now();
  const incident = getIncident(repo.store, d.incident);
  const destination = config.destinations[d.destination];
  const finish = (
    status: DeliveryOutcome['status'],
    attempts: number,
    error: string | null,
  ): DeliveryOutcome => {
    finishDelivery(repo.store, d.id, { status, attempts, error, atMs: now() });
    return {
      id: d.id,
      incident: d.incident,
      destination: d.destination,
      event: d.event,
      status,
      attempts,
      error,
      ms: now() - t0,
    };
  };
  if (!incident) return finish('failed', d.attempts, `incident ${d.incident} no longer exists`);
  if (!destination) {
    return finish(
      'failed',
      d.attempts,
      `no destination named "${d.destination}" in monitor.destinations any more`,
    );
  }
  const alert = alertOf(incident, d.event, project, now());
  const send = senderFor(destination);
  const ctx = { secrets, timeoutMs: config.delivery.timeoutMs, cwd: repo.root };
  let attempts = d.attempts;
  let last: SendResult = { ok: false, retry: true, error: 'not tried' };
  for (let k = 0; k < config.delivery.attempts; k++) {
    attempts++;
    try {
      last = await send(alert, destination, ctx);
    } catch (err) {
      // a missing secret: keep the alert, so it goes out once the variable is set
      if (!(err instanceof MloError)) throw err;
      last = { ok: false, retry: false, error: err.message };
      return finish(
        attempts >= MAX_TOTAL_ATTEMPTS ? 'failed' : 'pending',
        attempts,
        last.error ?? null,
      );
    }
    if (last.ok) return finish('delivered', attempts, null);
    if (!last.retry) return finish('failed', attempts, last.error ?? 'refused');
    if (attempts >= MAX_TOTAL_ATTEMPTS) break;
    if (k < config.delivery.attempts - 1) {
      const backoff = config.delivery.backoffMs * 2 ** k;
      await sleep(Math.min(MAX_RETRY_AFTER_MS, last.retryAfterMs ?? backoff));
    }
  }
  return finish(
    attempts >= MAX_TOTAL_ATTEMPTS ? 'failed' : 'pending',
    attempts,
    last.error ?? null,
  );
}
