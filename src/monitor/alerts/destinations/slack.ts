/**
 * Slack incoming webhooks (https://api.slack.com/messaging/webhooks): POST JSON with
 * `text` (the notification and fallback) and Block Kit `blocks`
 * (https://api.slack.com/reference/block-kit/blocks): a header (plain text, at most
 * 150 characters), a section with the summary (mrkdwn, at most 3,000), a section of
 * fields (at most 10, each at most 2,000) and a context line. Slack answers 200 "ok";
 * 400/403/404/410 are permanent (invalid_payload, no_service, channel_is_archived ...),
 * 429 comes with Retry-After.
 */
import { formatValue, type Alert } from '../alert.js';
import type { DestinationConfig } from '../config.js';
import { requireSecret } from '../secrets.js';
import { postJson } from './http.js';
import type { Sender } from './types.js';

type Slack = Extract<DestinationConfig, { type: 'slack' }>;

const clip = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

/** Slack's mrkdwn reserves &, < and >. */
export function escapeSlack(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function slackMessage(alert: Alert): Record<string, unknown> {
  const resolved = alert.event === 'resolve';
  const title = `${resolved ? 'Resolved' : alert.rule.severity.toUpperCase()}: ${alert.rule.name} on ${alert.subject}`;
  const fields = [
    ['Rule', `\`${alert.rule.when}\``],
    ['Value', formatValue(alert.value)],
    ['Window', alert.rule.window],
    ['Sample', alert.sample === null ? '-' : String(alert.sample)],
    ['Severity', alert.rule.severity],
    ['Incident', `#${alert.incident.id} (${alert.incident.dedup_key})`],
  ];
  return {
    text: clip(
      `${resolved ? ':white_check_mark:' : ':rotating_light:'} ${escapeSlack(alert.summary)}`,
      3000,
    ),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(title, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(escapeSlack(alert.summary), 3000) } },
      {
        type: 'section',
        fields: fields.map(([k, v]) => ({
          type: 'mrkdwn',
          text: clip(`*${k}*\n${escapeSlack(v)}`, 2000),
        })),
      },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: clip(escapeSlack(`mlo · ${alert.project} · ${alert.at}`), 3000) },
        ],
      },
    ],
  };
}

export const sendSlack: Sender<Slack> = async (alert, d, ctx) =>
  postJson(
    requireSecret(ctx.secrets, d.url_env, `the Slack webhook URL of destination ${d.name}`),
    slackMessage(alert),
    {
      timeoutMs: ctx.timeoutMs,
    },
  );
