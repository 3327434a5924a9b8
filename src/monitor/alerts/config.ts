/**
 * The `monitor:` section of mlo.yaml: rules, where alerts go, and retraining triggers.
 *
 *     monitor:
 *       model: churn@champion        # what rules watch unless they name another
 *       every: 5m                    # mlo monitor watch's interval (default 1m)
 *       destinations:
 *         team: {type: slack, url_env: SLACK_WEBHOOK_URL}
 *         channel: {type: teams, url_env: TEAMS_WEBHOOK_URL}
 *         oncall: {type: pagerduty, routing_key_env: PAGERDUTY_ROUTING_KEY}
 *         hook: {type: webhook, url_env: ALERT_WEBHOOK_URL, secret_env: ALERT_WEBHOOK_SECRET}
 *         script: {type: command, run: [node, scripts/page.mjs]}
 *       rules:
 *         - {name: accuracy, when: accuracy < 0.8, window: 7d, min_sample: 200, severity: critical, notify: [team, oncall]}
 *         - {name: drift, when: drift_share > 0.3, window: 24h}
 *         - {name: latency, when: p99_ms > 50, window: 15m, severity: warning}
 *       retrain:
 *         - {name: nightly, every: 24h}
 *         - {name: on-drop, on: [accuracy, drift]}
 *         - {name: enough-labels, new_labels: 10000}
 *
 * Secrets never live here: a webhook URL or a PagerDuty routing key is read from the
 * environment variable the destination names, or from `secrets:` in the git-ignored
 * `.mlo/config.local.yaml`. A literal URL for a Slack, Teams or webhook destination is
 * refused, and PagerDuty's endpoint is one of PagerDuty's own hosts unless the URL too
 * comes from the environment — a pull request that edits mlo.yaml cannot send a
 * routing key elsewhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import '../../util/schema.js';
import { MloError } from '../../errors.js';
import { parseDuration } from '../../util/duration.js';
import { configError, parseYaml, type ConfigProblem } from '../../util/yaml-file.js';
import { parseCondition, type Condition } from './condition.js';

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

const name = z
  .string()
  .check(
    z.regex(/^[A-Za-z][\w.-]{0,63}$/, 'a name: letters, digits, _ . -, starting with a letter'),
  );
const envName = z
  .string()
  .check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable'));
const duration = z.string().check(z.minLength(1));

const secretUrlNote =
  'a webhook URL is a secret: name the environment variable that holds it with url_env (or put it under secrets: in .mlo/config.local.yaml)';

const destinationSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('slack'), url_env: envName }),
  z.strictObject({ type: z.literal('teams'), url_env: envName }),
  z.strictObject({
    type: z.literal('pagerduty'),
    routing_key_env: envName,
    /** PagerDuty's EU service region, or a URL from the environment (tests, proxies) */
    region: z.optional(z.enum(['us', 'eu'])),
    url_env: z.optional(envName),
    /** the source field of the event (default: this project's directory name) */
    source: z.optional(z.string().check(z.minLength(1))),
  }),
  z.strictObject({
    type: z.literal('webhook'),
    url_env: envName,
    /** HMAC-SHA256 of the body with this secret, in X-Mlo-Signature */
    secret_env: z.optional(envName),
  }),
  z.strictObject({
    type: z.literal('command'),
    run: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    timeout: z.optional(duration),
  }),
]);

const ruleSchema = z.strictObject({
  name,
  when: z.string().check(z.minLength(1)),
  window: z.optional(duration),
  min_sample: z.optional(z.number().check(z.int(), z.gte(0))),
  severity: z.optional(z.enum(SEVERITIES)),
  notify: z.optional(z.array(name)),
  model: z.optional(z.string().check(z.minLength(1))),
  role: z.optional(z.enum(['primary', 'shadow'])),
});

const triggerSchema = z.strictObject({
  name,
  every: z.optional(duration),
  on: z.optional(z.union([name, z.array(name).check(z.minLength(1))])),
  new_labels: z.optional(z.number().check(z.int(), z.gte(1))),
  new_predictions: z.optional(z.number().check(z.int(), z.gte(1))),
  run: z.optional(
    z.array(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))).check(z.minLength(1)),
  ),
  timeout: z.optional(duration),
});

const monitorSchema = z.strictObject({
  model: z.optional(z.string().check(z.minLength(1))),
  every: z.optional(duration),
  destinations: z.optional(z.record(name, destinationSchema)),
  rules: z.optional(z.array(ruleSchema)),
  retrain: z.optional(z.array(triggerSchema)),
  delivery: z.optional(
    z.strictObject({
      attempts: z.optional(z.number().check(z.int(), z.gte(1), z.lte(20))),
      backoff: z.optional(duration),
      timeout: z.optional(duration),
    }),
  ),
});

const fileSchema = z.looseObject({ monitor: z.optional(z.nullable(monitorSchema)) });

export type DestinationConfig = z.infer<typeof destinationSchema> & { name: string };

export interface RuleConfig {
  name: string;
  when: string;
  condition: Condition;
  windowMs: number;
  window: string;
  minSample: number;
  severity: Severity;
  notify: string[];
  model: string | null;
  role: 'primary' | 'shadow';
}

export interface TriggerConfig {
  name: string;
  kind: 'every' | 'on' | 'new_labels' | 'new_predictions';
  everyMs?: number;
  on?: string[];
  count?: number;
  /** argv lists run in order; null: `mlo repro` then `mlo promote MODEL --to ALIAS` */
  run: string[][] | null;
  timeoutMs: number;
}

export interface MonitorConfig {
  model: string | null;
  everyMs: number;
  destinations: Record<string, DestinationConfig>;
  rules: RuleConfig[];
  retrain: TriggerConfig[];
  delivery: { attempts: number; backoffMs: number; timeoutMs: number };
}

export const PROJECT_FILE = 'mlo.yaml';

/** Default windows and minimum samples by what a rule watches. */
const DEFAULT_WINDOW = '24h';
const DEFAULT_MIN_SAMPLE = 100;

export function loadMonitorConfig(root: string): MonitorConfig {
  const file = join(root, PROJECT_FILE);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  return parseMonitorConfig(text, PROJECT_FILE);
}

/** Literal URLs get their own message, before the schema's "unrecognized key". */
function refuseLiteralSecrets(text: string, shown: string): void {
  const raw = parseYaml(text, z.looseObject({ monitor: z.optional(z.unknown()) }), shown);
  const m = raw.monitor as
    { destinations?: Record<string, Record<string, unknown>> } | null | undefined;
  for (const [dest, d] of Object.entries(m?.destinations ?? {})) {
    if (d && typeof d === 'object' && ('url' in d || 'routing_key' in d)) {
      const key = 'url' in d ? 'url' : 'routing_key';
      throw new MloError(
        'INVALID',
        `${shown}: monitor.destinations.${dest}.${key}: ${key === 'url' ? secretUrlNote : 'a routing key is a secret: name its environment variable with routing_key_env'}`,
      );
    }
  }
}

export function parseMonitorConfig(text: string, shown = PROJECT_FILE): MonitorConfig {
  refuseLiteralSecrets(text, shown);
  const parsed = parseYaml(text, fileSchema, shown);
  const m = parsed.monitor ?? {};
  const problems: ConfigProblem[] = [];
  const at = (path: string, message: string): void => {
    problems.push({ line: 1, col: 1, path, message });
  };
  const dur = (text: string, path: string): number => {
    try {
      return parseDuration(text, path);
    } catch (err) {
      if (!(err instanceof MloError)) throw err;
      at(path, err.message);
      return 0;
    }
  };
  const destinations: Record<string, DestinationConfig> = {};
  for (const [n, d] of Object.entries(m.destinations ?? {})) destinations[n] = { ...d, name: n };
  const rules: RuleConfig[] = [];
  const seen = new Set<string>();
  (m.rules ?? []).forEach((r, i) => {
    const path = `monitor.rules[${i}]`;
    if (seen.has(r.name)) at(`${path}.name`, `rule "${r.name}" is defined twice`);
    seen.add(r.name);
    let condition: Condition | null = null;
    try {
      condition = parseCondition(r.when);
    } catch (err) {
      if (!(err instanceof MloError)) throw err;
      at(`${path}.when`, err.message);
    }
    for (const d of r.notify ?? []) {
      if (!(d in destinations))
        at(`${path}.notify`, `no destination named "${d}" under monitor.destinations`);
    }
    if (!r.model && !m.model)
      at(`${path}.model`, "which model? set monitor.model or the rule's model");
    if (!condition) return;
    const window = r.window ?? DEFAULT_WINDOW;
    rules.push({
      name: r.name,
      when: r.when,
      condition,
      window,
      windowMs: dur(window, `${path}.window`),
      minSample: r.min_sample ?? (condition.kind === 'count' ? 0 : DEFAULT_MIN_SAMPLE),
      severity: r.severity ?? 'error',
      notify: r.notify ?? Object.keys(destinations),
      model: r.model ?? m.model ?? null,
      role: r.role ?? 'primary',
    });
  });
  const retrain: TriggerConfig[] = [];
  const triggerNames = new Set<string>();
  (m.retrain ?? []).forEach((t, i) => {
    const path = `monitor.retrain[${i}]`;
    if (triggerNames.has(t.name)) at(`${path}.name`, `trigger "${t.name}" is defined twice`);
    triggerNames.add(t.name);
    const kinds = (['every', 'on', 'new_labels', 'new_predictions'] as const).filter(
      (k) => t[k] !== undefined,
    );
    if (kinds.length !== 1) {
      at(
        path,
        `a trigger has exactly one of every, on, new_labels, new_predictions (found ${kinds.length ? kinds.join(', ') : 'none'})`,
      );
      return;
    }
    const on = t.on === undefined ? undefined : Array.isArray(t.on) ? t.on : [t.on];
    for (const rule of on ?? [])
      if (!seen.has(rule)) at(`${path}.on`, `no rule named "${rule}" under monitor.rules`);
    if (t.new_predictions !== undefined && !m.model)
      at(`${path}.new_predictions`, 'counting new predictions needs monitor.model');
    if (!t.run && !defaultAction(m.model ?? null)) {
      at(
        `${path}.run`,
        'no run: the default (mlo repro, then mlo promote) needs monitor.model as NAME@ALIAS',
      );
    }
    retrain.push({
      name: t.name,
      kind: kinds[0],
      ...(t.every !== undefined && { everyMs: dur(t.every, `${path}.every`) }),
      ...(on && { on }),
      ...(t.new_labels !== undefined && { count: t.new_labels }),
      ...(t.new_predictions !== undefined && { count: t.new_predictions }),
      run: t.run ?? null,
      timeoutMs: t.timeout === undefined ? 6 * 3_600_000 : dur(t.timeout, `${path}.timeout`),
    });
  });
  const delivery = {
    attempts: m.delivery?.attempts ?? 4,
    backoffMs:
      m.delivery?.backoff === undefined ? 500 : dur(m.delivery.backoff, 'monitor.delivery.backoff'),
    timeoutMs:
      m.delivery?.timeout === undefined
        ? 10_000
        : dur(m.delivery.timeout, 'monitor.delivery.timeout'),
  };
  if (problems.length > 0) throw configError(shown, problems);
  return {
    model: m.model ?? null,
    everyMs: m.every === undefined ? 60_000 : parseDuration(m.every, 'monitor.every'),
    destinations,
    rules,
    retrain,
    delivery,
  };
}

/** `mlo repro`, then `mlo promote NAME --to ALIAS` for monitor.model = NAME@ALIAS. */
export function defaultAction(model: string | null): string[][] | null {
  const m = model === null ? null : /^([^@\s]+)@([A-Za-z][\w-]*)$/.exec(model);
  if (!m || /^\d+$/.test(m[2]) || m[2] === 'latest') return null;
  return [
    ['mlo', 'repro'],
    ['mlo', 'promote', m[1], '--to', m[2]],
  ];
}
