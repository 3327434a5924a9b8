/** One sender per destination type. */
import type { DestinationConfig } from '../config.js';
import { sendCommand } from './command.js';
import { sendPagerDuty } from './pagerduty.js';
import { sendSlack } from './slack.js';
import { sendTeams } from './teams.js';
import type { Sender } from './types.js';
import { sendWebhook } from './webhook.js';

export function senderFor(d: DestinationConfig): Sender {
  const senders: Record<DestinationConfig['type'], Sender<never>> = {
    slack: sendSlack,
    teams: sendTeams,
    pagerduty: sendPagerDuty,
    webhook: sendWebhook,
    command: sendCommand,
  };
  return senders[d.type] as Sender;
}

export { slackMessage } from './slack.js';
export { teamsMessage } from './teams.js';
export { pagerdutyEvent, PAGERDUTY_URLS } from './pagerduty.js';
export { signBody } from './webhook.js';
export { alertEnv } from './command.js';
export type { SendContext, SendResult, Sender } from './types.js';
