/** What every destination module gives: send one alert once, say whether to retry. */
import type { Alert } from '../alert.js';
import type { DestinationConfig } from '../config.js';
import type { SecretSource } from '../secrets.js';

export interface SendContext {
  secrets: SecretSource;
  timeoutMs: number;
  /** the repository root (a command destination runs there) */
  cwd: string;
}

export interface SendResult {
  ok: boolean;
  /** worth another try: a network error, a timeout, 408, 429 or 5xx */
  retry: boolean;
  status?: number;
  error?: string;
  /** the receiver's Retry-After, when it gave one */
  retryAfterMs?: number;
}

export type Sender<D extends DestinationConfig = DestinationConfig> = (
  alert: Alert,
  destination: D,
  ctx: SendContext,
) => Promise<SendResult>;
