/**
 * A generic JSON webhook: the Alert object itself (alert.ts; JSON Schema in
 * docs/monitoring.md), with `X-Mlo-Event: trigger|resolve` and, when a secret is
 * configured, `X-Mlo-Signature: sha256=<hex HMAC-SHA256 of the body>` so the receiver
 * can check the sender. Any 2xx is delivered.
 */
import { createHmac } from 'node:crypto';
import type { DestinationConfig } from '../config.js';
import { requireSecret } from '../secrets.js';
import { postJson } from './http.js';
import type { Sender } from './types.js';

type Webhook = Extract<DestinationConfig, { type: 'webhook' }>;

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export const sendWebhook: Sender<Webhook> = async (alert, d, ctx) => {
  const url = requireSecret(ctx.secrets, d.url_env, `the webhook URL of destination ${d.name}`);
  const body = JSON.stringify(alert);
  const headers: Record<string, string> = { 'x-mlo-event': alert.event };
  if (d.secret_env !== undefined) {
    headers['x-mlo-signature'] = signBody(
      body,
      requireSecret(ctx.secrets, d.secret_env, `the signing secret of destination ${d.name}`),
    );
  }
  return postJson(url, body, { timeoutMs: ctx.timeoutMs, headers });
};
