/**
 * Monitors and alerts: rules in mlo.yaml's `monitor:` section watch live performance,
 * drift, latency, error rate, volume and label arrival; a rule that fires opens an
 * incident and alerts Slack, Microsoft Teams, PagerDuty, a webhook or a command, once;
 * it resolves when the rule clears.
 *
 *     const r = await runMonitors(repo);        // one evaluation (mlo monitor run)
 *     r.firing; r.rules[0].state; r.deliveries;
 *     await watchMonitors(repo, { signal, onResult }); // mlo monitor watch
 *     listIncidents(repo.store, { open: true, limit: 50 });
 */
export {
  loadMonitorConfig,
  parseMonitorConfig,
  defaultAction,
  SEVERITIES,
  type MonitorConfig,
  type RuleConfig,
  type TriggerConfig,
  type DestinationConfig,
  type Severity as AlertSeverity,
} from './config.js';
export { parseCondition, PERF_METRICS, type Condition, type Watched } from './condition.js';
export {
  runMonitors,
  type MonitorRunOptions,
  type MonitorRunResult,
  type RuleOutcome,
  type RuleState,
} from './run.js';
export { watchMonitors, type MonitorWatchOptions } from './watch.js';
export { deliverPending, type DeliveryOutcome } from './deliver.js';
export { alertOf, type Alert } from './alert.js';
export {
  slackMessage,
  teamsMessage,
  pagerdutyEvent,
  PAGERDUTY_URLS,
  signBody,
  alertEnv,
} from './destinations/index.js';
export { secretSource, LOCAL_CONFIG } from './secrets.js';
export { listMonitorIncidents, type IncidentInfo } from './incidents.js';
