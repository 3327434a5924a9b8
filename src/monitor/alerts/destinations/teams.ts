/**
 * Microsoft Teams, through a Workflows (Power Automate) incoming webhook: the "Post to
 * a channel when a webhook request is received" flow takes a message whose
 * attachment is an Adaptive Card
 * (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook,
 * https://adaptivecards.io/explorer/). An Adaptive Card, not the older MessageCard:
 * Office 365 connectors, which took MessageCards, are being retired in favour of
 * Workflows, and Workflows posts Adaptive Cards (schema 1.4 renders in Teams on every
 * client). The flow answers 202 Accepted (a connector answered 200).
 */
import { formatValue, type Alert } from '../alert.js';
import type { DestinationConfig } from '../config.js';
import { requireSecret } from '../secrets.js';
import { postJson } from './http.js';
import type { Sender } from './types.js';

type Teams = Extract<DestinationConfig, { type: 'teams' }>;

export function teamsMessage(alert: Alert): Record<string, unknown> {
  const resolved = alert.event === 'resolve';
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              text: `${resolved ? 'Resolved' : alert.rule.severity.toUpperCase()}: ${alert.rule.name} on ${alert.subject}`,
              weight: 'Bolder',
              size: 'Medium',
              color: resolved ? 'Good' : alert.rule.severity === 'info' ? 'Default' : 'Attention',
              wrap: true,
            },
            { type: 'TextBlock', text: alert.summary, wrap: true },
            {
              type: 'FactSet',
              facts: [
                { title: 'Rule', value: alert.rule.when },
                { title: 'Value', value: formatValue(alert.value) },
                { title: 'Window', value: alert.rule.window },
                { title: 'Sample', value: alert.sample === null ? '-' : String(alert.sample) },
                { title: 'Incident', value: `#${alert.incident.id}` },
                { title: 'Project', value: alert.project },
              ],
            },
          ],
        },
      },
    ],
  };
}

export const sendTeams: Sender<Teams> = async (alert, d, ctx) =>
  postJson(
    requireSecret(ctx.secrets, d.url_env, `the Teams webhook URL of destination ${d.name}`),
    teamsMessage(alert),
    {
      timeoutMs: ctx.timeoutMs,
    },
  );
