/**
 * Retries for remote requests: exponential backoff with full jitter (so many
 * workers that failed together do not come back together), a longer base when the
 * service asks to slow down, and no retry for answers that will not change (403,
 * 404, a bad request).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errnoCode } from '../../errors.js';

export interface RetryPolicy {
  /** attempts in all, the first included */
  attempts: number;
  /** first backoff ceiling, ms */
  baseMs: number;
  /** first backoff ceiling after a throttling answer, ms */
  throttleBaseMs: number;
  /** no single wait is longer than this, ms */
  capMs: number;
}

/** About a minute of trying in all: enough for a restarted server or a network blip. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 10,
  baseMs: 100,
  throttleBaseMs: 500,
  capMs: 15_000,
};

export type Transience = 'throttled' | 'transient' | 'fatal';

const THROTTLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'ProvisionedThroughputExceededException',
]);

const TRANSIENT_NAMES = new Set([
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'IncompleteBody',
  // an object body that ended early (connection reset mid-body)
  'PrematureClose',
]);

const TRANSIENT_ERRNO = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/** How to treat an error from the SDK, node:http or our own stream checks. */
export function classifyError(err: unknown): Transience {
  if (typeof err !== 'object' || err === null) return 'fatal';
  const e = err as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
    cause?: unknown;
  };
  if (e.name === 'AbortError') return 'fatal';
  if (e.$retryable?.throttling || (e.name && THROTTLE_NAMES.has(e.name))) return 'throttled';
  const status = e.$metadata?.httpStatusCode;
  if (status === 429 || status === 503) return 'throttled';
  if (status !== undefined && status >= 500) return 'transient';
  if (status === 408) return 'transient';
  if (e.name && TRANSIENT_NAMES.has(e.name)) return 'transient';
  const code = errnoCode(err);
  if (code && TRANSIENT_ERRNO.has(code)) return 'transient';
  if (e.cause !== undefined && e.cause !== err) return classifyError(e.cause);
  return 'fatal';
}

export interface RetryContext {
  policy?: RetryPolicy;
  signal?: AbortSignal;
  /** told before each wait (for counting retries in the summary) */
  onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
}

/** Run `fn` until it succeeds, fails for good, or runs out of attempts. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  ctx: RetryContext = {},
): Promise<T> {
  const policy = ctx.policy ?? DEFAULT_RETRY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const kind = classifyError(err);
      if (kind === 'fatal' || attempt >= policy.attempts || ctx.signal?.aborted) throw err;
      const base = kind === 'throttled' ? policy.throttleBaseMs : policy.baseMs;
      const ceiling = Math.min(policy.capMs, base * 2 ** (attempt - 1));
      const waitMs = Math.round(Math.random() * ceiling);
      ctx.onRetry?.(err, attempt, waitMs);
      await sleep(waitMs, undefined, { signal: ctx.signal });
    }
  }
}
