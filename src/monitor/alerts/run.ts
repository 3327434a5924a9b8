/**
 * One evaluation of the monitor rules (`mlo monitor run`; `mlo monitor watch` repeats
 * it): measure each rule on its window, record the check, open an incident when a rule
 * starts firing and resolve it when it clears — one alert per incident, one resolve
 * message — then send what is queued, and run the retraining triggers that are due.
 *
 * A rule below its minimum sample (or without data) neither fires nor clears: its
 * state is no_data and an open incident stays open.
 */
import { basename } from 'node:path';
import { MloError } from '../../errors.js';
import { resolveModel, type ModelVersion } from '../../registry/index.js';
import type { Repo } from '../../repo/index.js';
import {
  getOpenIncident,
  insertCheck,
  listIncidents,
  openIncident,
  queueDelivery,
  resolveIncident,
  setIncidentDetail,
  withWriteLock,
  type IncidentRow,
} from '../../store/index.js';
import { refreshJoins } from '../perf/data.js';
import { formatValue, type IncidentDetail } from './alert.js';
import { holds } from './condition.js';
import { loadMonitorConfig, type MonitorConfig, type RuleConfig } from './config.js';
import { deliverPending, type DeliverOptions, type DeliveryOutcome } from './deliver.js';
import { observe, ObservationCache, type Observation } from './observe.js';
import { dueTriggers } from '../triggers/due.js';
import { runRetrain, type RetrainResult } from '../triggers/retrain.js';

export type RuleState = 'ok' | 'firing' | 'no_data' | 'error';

export interface RuleOutcome {
  rule: string;
  when: string;
  window: string;
  severity: string;
  subject: string | null;
  state: RuleState;
  value: number | null;
  threshold: number;
  sample: number;
  minSample: number;
  summary: string;
  /** the incident this evaluation opened, kept open, or resolved */
  incident: { id: number; change: 'opened' | 'open' | 'resolved' } | null;
}

export interface MonitorRunOptions extends DeliverOptions {
  /** only these rules (default: all) */
  rules?: readonly string[];
  /** evaluate as of this time (epoch ms) */
  now?: () => number;
  /** send queued alerts (default true) */
  deliver?: boolean;
  /** the config (default: mlo.yaml's monitor: section) */
  config?: MonitorConfig;
  /** run the retraining triggers that are due (default true) */
  retrain?: boolean;
  /** wait for the retrainings to finish (default true; watch starts them and goes on) */
  awaitRetrain?: boolean;
  /** the mlo launcher retrainings run (tests) */
  mloBin?: string;
}

export interface MonitorRunResult {
  at: string;
  rules: RuleOutcome[];
  /** rules firing now */
  firing: string[];
  deliveries: DeliveryOutcome[];
  /** ms from the start of the evaluation to the end of the last delivery */
  ms: number;
  /** retrainings run (or found busy); empty while they run in the background */
  retrain: RetrainResult[];
  /** the retrainings started in the background (awaitRetrain: false) */
  retraining?: Promise<RetrainResult[]>;
}

function summaryOf(rule: RuleConfig, subject: string, o: Observation, state: RuleState): string {
  const what = `${rule.condition.text.replace(/\s*(<=|>=|<|>)\s*.*$/, '')} ${formatValue(o.value)}`;
  const sample = `${o.sample.toLocaleString('en-US')} in ${rule.window}`;
  if (state === 'firing')
    return `${what} ${rule.condition.op} ${rule.condition.threshold} on ${subject} (${sample})`;
  if (state === 'ok') return `${what} on ${subject}: within ${rule.when} (${sample})`;
  return `${rule.name} on ${subject}: ${o.reason ?? `sample ${o.sample} < min_sample ${rule.minSample}`}`;
}

/** Evaluate every rule once. */
export async function runMonitors(
  repo: Repo,
  options: MonitorRunOptions = {},
): Promise<MonitorRunResult> {
  const clock = options.now ?? Date.now;
  const t0 = clock();
  const config = options.config ?? loadMonitorConfig(repo.root);
  const wanted = options.rules;
  if (wanted) {
    const unknown = wanted.filter((r) => !config.rules.some((c) => c.name === r));
    if (unknown.length > 0)
      throw new MloError(
        'USAGE',
        `no rule named ${unknown.map((u) => `"${u}"`).join(', ')} under monitor.rules in mlo.yaml`,
      );
  }
  const rules = config.rules.filter((r) => !wanted || wanted.includes(r.name));
  if (config.rules.length === 0) {
    throw new MloError('USAGE', 'mlo.yaml has no monitor rules', {
      hint: 'add them under monitor: rules: in mlo.yaml (see the README)',
    });
  }
  refreshJoins(repo);
  const cache = new ObservationCache();
  const outcomes: RuleOutcome[] = [];
  for (const rule of rules) outcomes.push(await evaluateRule(repo, rule, t0, cache));
  const deliveries = options.deliver === false ? [] : await deliverPending(repo, config, options);
  const ms = clock() - t0;
  const due =
    options.retrain === false || wanted ? [] : dueTriggers(repo, config, outcomes, clock());
  const retraining = (async () => {
    const done: RetrainResult[] = [];
    for (const d of due) {
      done.push(await runRetrain(repo, config, d.trigger, d.reason, { mloBin: options.mloBin }));
    }
    return done;
  })();
  const background = options.awaitRetrain === false;
  return {
    at: new Date(t0).toISOString(),
    rules: outcomes,
    firing: outcomes.filter((o) => o.state === 'firing').map((o) => o.rule),
    deliveries,
    ms,
    retrain: background ? [] : await retraining,
    ...(background && { retraining }),
  };
}

async function evaluateRule(
  repo: Repo,
  rule: RuleConfig,
  now: number,
  cache: ObservationCache,
): Promise<RuleOutcome> {
  const base = {
    rule: rule.name,
    when: rule.when,
    window: rule.window,
    severity: rule.severity,
    threshold: rule.condition.threshold,
    minSample: rule.minSample,
  };
  let version: ModelVersion;
  let o: Observation;
  try {
    version = resolveModel(repo, rule.model!);
    o = await observe(repo, rule, version, now, cache);
  } catch (err) {
    if (!(err instanceof MloError)) throw err;
    insertCheck(repo.store, {
      rule: rule.name,
      subject: rule.model ?? '',
      at_ms: now,
      state: 'error',
      value: null,
      sample: null,
      detail_json: JSON.stringify({ error: err.message }),
    });
    return {
      ...base,
      subject: null,
      state: 'error',
      value: null,
      sample: 0,
      summary: `${rule.name}: ${err.message}`,
      incident: null,
    };
  }
  const subject = `${version.name}@${version.version}`;
  const state: RuleState =
    o.value === null || o.sample < rule.minSample
      ? 'no_data'
      : holds(rule.condition, o.value)
        ? 'firing'
        : 'ok';
  const summary = summaryOf(rule, subject, o, state);
  const incident = withWriteLock(repo.store, () => {
    insertCheck(repo.store, {
      rule: rule.name,
      subject,
      at_ms: now,
      state,
      value: o.value,
      sample: o.sample,
      detail_json: o.reason ? JSON.stringify({ reason: o.reason }) : null,
    });
    // an incident about the version the alias held before is over: it is not served
    for (const stale of listIncidents(repo.store, { open: true, limit: 1000 })) {
      if (stale.rule === rule.name && stale.subject !== subject) {
        closeIncident(
          repo,
          stale,
          rule,
          { value: null, sample: null, summary: `${stale.subject} is no longer ${rule.model}` },
          now,
        );
      }
    }
    return decide(repo, rule, subject, state, o, summary, now);
  });
  return { ...base, subject, state, value: o.value, sample: o.sample, summary, incident };
}

function decide(
  repo: Repo,
  rule: RuleConfig,
  subject: string,
  state: RuleState,
  o: Observation,
  summary: string,
  now: number,
): RuleOutcome['incident'] {
  const open = getOpenIncident(repo.store, rule.name, subject);
  if (state === 'firing') {
    if (open) return { id: open.id, change: 'open' };
    const detail: IncidentDetail = { when: rule.when, window: rule.window, sample: o.sample };
    const row = openIncident(repo.store, {
      rule: rule.name,
      subject,
      severity: rule.severity,
      dedup_key: `mlo/${basename(repo.root)}/${rule.name}/${subject}/${now}`,
      opened_ms: now,
      value: o.value,
      threshold: rule.condition.threshold,
      summary,
      detail_json: JSON.stringify(detail),
    });
    if (!row) {
      const other = getOpenIncident(repo.store, rule.name, subject);
      return other ? { id: other.id, change: 'open' } : null;
    }
    for (const d of rule.notify) queueDelivery(repo.store, row.id, d, 'trigger', now);
    return { id: row.id, change: 'opened' };
  }
  if (state === 'ok' && open) {
    closeIncident(repo, open, rule, { value: o.value, sample: o.sample, summary }, now);
    return { id: open.id, change: 'resolved' };
  }
  return open ? { id: open.id, change: 'open' } : null;
}

function closeIncident(
  repo: Repo,
  incident: IncidentRow,
  rule: RuleConfig,
  resolved: NonNullable<IncidentDetail['resolved']>,
  now: number,
): void {
  if (!resolveIncident(repo.store, incident.id, now)) return;
  const detail = { ...(JSON.parse(incident.detail_json ?? '{}') as IncidentDetail), resolved };
  setIncidentDetail(repo.store, incident.id, JSON.stringify(detail));
  for (const d of rule.notify) queueDelivery(repo.store, incident.id, d, 'resolve', now);
}
