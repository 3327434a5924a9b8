/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/,
 * .../resolve-events/): POST https://events.pagerduty.com/v2/enqueue (EU service
 * region: events.eu.pagerduty.com) with `routing_key` (the integration key),
 * `event_action` trigger or resolve, and `dedup_key` (at most 255 characters: the same
 * for an incident's trigger and resolve, so PagerDuty opens one incident and closes
 * it). A trigger carries `payload` with `summary` (at most 1,024 characters), `source`,
 * `severity` (critical, error, warning or info), `timestamp`, `component`, `group`,
 * `class` and `custom_details`. PagerDuty answers 202 with
 * {"status": "success", "dedup_key": ...}; 400 is an invalid event (not retried),
 * 429 and 5xx are retried.
 */
import { MloError } from '../../../errors.js';
import type { Alert } from '../alert.js';
import type { DestinationConfig } from '../config.js';
import { requireSecret } from '../secrets.js';
import { postJson } from './http.js';
import type { Sender } from './types.js';

type PagerDuty = Extract<DestinationConfig, { type: 'pagerduty' }>;

export const PAGERDUTY_URLS = {
  us: 'https://events.pagerduty.com/v2/enqueue',
  eu: 'https://events.eu.pagerduty.com/v2/enqueue',
};

export function pagerdutyEvent(
  alert: Alert,
  routingKey: string,
  source: string,
): Record<string, unknown> {
  const base = {
    routing_key: routingKey,
    event_action: alert.event,
    dedup_key: alert.incident.dedup_key.slice(0, 255),
  };
  if (alert.event === 'resolve') return base;
  return {
    ...base,
    payload: {
      summary: alert.summary.slice(0, 1024),
      source,
      severity: alert.rule.severity,
      timestamp: alert.incident.opened_at,
      component: alert.subject,
      group: alert.project,
      class: alert.rule.name,
      custom_details: {
        rule: alert.rule.when,
        window: alert.rule.window,
        value: alert.value,
        threshold: alert.threshold,
        sample: alert.sample,
        incident: alert.incident.id,
      },
    },
    client: 'mlo',
  };
}

export const sendPagerDuty: Sender<PagerDuty> = async (alert, d, ctx) => {
  const key = requireSecret(
    ctx.secrets,
    d.routing_key_env,
    `the PagerDuty routing key of destination ${d.name}`,
  );
  const url =
    d.url_env === undefined
      ? PAGERDUTY_URLS[d.region ?? 'us']
      : requireSecret(ctx.secrets, d.url_env, `the PagerDuty events URL of destination ${d.name}`);
  if (!/^https?:\/\//.test(url)) throw new MloError('USAGE', `$${d.url_env}: not an http(s) URL`);
  return postJson(url, pagerdutyEvent(alert, key, d.source ?? alert.project), {
    timeoutMs: ctx.timeoutMs,
    // the Events API answers 202 Accepted
    accept: (s) => s === 202 || s === 200,
  });
};
