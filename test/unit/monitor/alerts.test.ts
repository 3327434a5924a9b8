/**
 * Monitors and alerts on a real store, with real HTTP receivers on 127.0.0.1 and a real
 * command: every payload checked against a JSON Schema written from the receiving
 * service's documentation (test/fixtures/alerts), one alert per incident and one
 * resolve, retries on 5xx and 429, secrets from the environment or config.local.yaml.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildLinearClassifier,
  ingestLabels,
  initRepo,
  listMonitorIncidents,
  openRepo,
  parseMonitorConfig,
  registerModel,
  runMonitors,
  setAlias,
  type Alert,
  type Repo,
} from '../../../src/index.js';
import { sendCommand } from '../../../src/monitor/alerts/destinations/command.js';
import { insertPredictionRows, type NewPredictionRow } from '../../../src/store/index.js';
import { startReceiver, type Receiver } from '../../helpers/receiver.js';

const SCHEMAS = join(import.meta.dirname, '../../fixtures/alerts');
const ajv = new Ajv({ allErrors: true, strict: false });
const schema = (name: string): ValidateFunction =>
  ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, `${name}.schema.json`), 'utf8')) as object);
const VALIDATE: Record<string, ValidateFunction> = {
  '/slack': schema('slack'),
  '/teams': schema('teams'),
  '/pd': schema('pagerduty'),
  '/hook': schema('webhook'),
};

function expectValid(path: string, body: unknown): void {
  const v = VALIDATE[path];
  const ok = v(body);
  expect(ok, `${path}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(body, null, 2)}`).toBe(true);
}

const dirs: string[] = [];
const repos: Repo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function repoWithTraffic(): Promise<{ repo: Repo; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-alerts-'));
  dirs.push(dir);
  initRepo(dir);
  const repo = openRepo(dir);
  repos.push(repo);
  writeFileSync(
    join(dir, 'm.onnx'),
    await buildLinearClassifier({ coefficients: [[1, -1]], intercepts: [0] }),
  );
  await registerModel(repo, { name: 'churn', path: 'm.onnx', features: ['a', 'b'] });
  await setAlias(repo, { name: 'churn', alias: 'champion', version: 1 });
  return { repo, dir };
}

/** n logged answers in the last hour, predicting 1 for even i; labels right for the first `right`. */
function traffic(repo: Repo, n: number, right: number, tag = 'r'): void {
  const now = Date.now();
  const rows: NewPredictionRow[] = [];
  for (let i = 0; i < n; i++) {
    const pred = i % 2 === 0 ? 1 : 0;
    rows.push([
      now - 3_600_000 + i,
      'churn',
      1,
      'primary',
      'main',
      `${tag}${i}`,
      2 + (i % 10),
      `{"a":${i},"b":1}`,
      `{"prediction":${pred},"probabilities":[${pred ? 0.2 : 0.8},${pred ? 0.8 : 0.2}]}`,
    ]);
  }
  insertPredictionRows(repo.store, rows);
  labelTraffic(repo, n, right, tag);
}

function labelTraffic(repo: Repo, n: number, right: number, tag = 'r'): void {
  ingestLabels(
    repo,
    Array.from({ length: n }, (_, i) => {
      const pred = i % 2 === 0 ? 1 : 0;
      return { requestId: `${tag}${i}`, label: i < right ? pred : 1 - pred };
    }),
  );
}

const ROUTING_KEY = 'R0123456789abcdef0123456789ABCDE';

function monitorYaml(extra = ''): string {
  return `monitor:
  model: churn@champion
  destinations:
    team: {type: slack, url_env: SLACK_URL}
    channel: {type: teams, url_env: TEAMS_URL}
    oncall: {type: pagerduty, routing_key_env: PD_KEY, url_env: PD_URL}
    hook: {type: webhook, url_env: HOOK_URL, secret_env: HOOK_SECRET}
  delivery: {attempts: 4, backoff: 10ms, timeout: 2s}
  rules:
    - {name: accuracy, when: accuracy < 0.8, window: 24h, min_sample: 50, severity: critical}
${extra}`;
}

function envFor(r: Receiver): NodeJS.ProcessEnv {
  return {
    SLACK_URL: `${r.url}/slack`,
    TEAMS_URL: `${r.url}/teams`,
    PD_URL: `${r.url}/pd`,
    PD_KEY: ROUTING_KEY,
    HOOK_URL: `${r.url}/hook`,
    HOOK_SECRET: 's3cret',
  };
}

function receiverLike(r: Receiver): void {
  r.setDefault('/slack', { status: 200, body: 'ok' });
  r.setDefault('/teams', { status: 202 });
  r.setDefault('/pd', {
    status: 202,
    headers: { 'content-type': 'application/json' },
    body: '{"status":"success","message":"Event processed"}',
  });
  r.setDefault('/hook', { status: 204 });
}

describe('monitor rules and alerts', () => {
  it('one alert per incident to Slack, Teams, PagerDuty and a webhook, in their documented formats, then one resolve', async () => {
    const { repo, dir } = await repoWithTraffic();
    traffic(repo, 200, 120); // accuracy 0.6
    writeFileSync(join(dir, 'mlo.yaml'), monitorYaml());
    const r = await startReceiver();
    receiverLike(r);
    const env = envFor(r);

    const first = await runMonitors(repo, { env });
    expect(first.firing).toEqual(['accuracy']);
    expect(first.rules[0]).toMatchObject({
      state: 'firing',
      subject: 'churn@1',
      sample: 200,
      incident: { change: 'opened' },
    });
    expect(first.rules[0].value).toBeCloseTo(0.6, 12);
    expect(first.deliveries.map((d) => [d.destination, d.status, d.attempts]).sort()).toEqual([
      ['channel', 'delivered', 1],
      ['hook', 'delivered', 1],
      ['oncall', 'delivered', 1],
      ['team', 'delivered', 1],
    ]);
    for (const req of r.received) expectValid(req.path, req.json);
    const pdTrigger = r.on('/pd')[0].json as {
      dedup_key: string;
      event_action: string;
      payload: { severity: string; summary: string };
    };
    expect(pdTrigger).toMatchObject({ event_action: 'trigger', payload: { severity: 'critical' } });
    expect(pdTrigger.payload.summary).toMatch(/^accuracy 0\.6 < 0\.8 on churn@1 \(200 in 24h\)$/);
    // the webhook is signed with the destination's secret
    const { createHmac } = await import('node:crypto');
    const hook = r.on('/hook')[0];
    expect(hook.headers['x-mlo-signature']).toBe(
      `sha256=${createHmac('sha256', 's3cret').update(hook.body).digest('hex')}`,
    );
    expect(hook.headers['x-mlo-event']).toBe('trigger');

    // still firing: no second alert
    const second = await runMonitors(repo, { env });
    expect(second.rules[0]).toMatchObject({ state: 'firing', incident: { change: 'open' } });
    expect(second.deliveries).toEqual([]);
    expect(r.received).toHaveLength(4);

    // the labels were wrong: corrected, the rule clears and every destination hears it once
    labelTraffic(repo, 200, 190);
    const third = await runMonitors(repo, { env });
    expect(third.rules[0]).toMatchObject({ state: 'ok', incident: { change: 'resolved' } });
    expect(third.firing).toEqual([]);
    expect(third.deliveries.every((d) => d.event === 'resolve' && d.status === 'delivered')).toBe(
      true,
    );
    expect(r.received).toHaveLength(8);
    for (const req of r.received) expectValid(req.path, req.json);
    const pdResolve = r.on('/pd')[1].json as Record<string, unknown>;
    expect(pdResolve).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: pdTrigger.dedup_key,
    });
    expect((r.on('/hook')[1].json as Alert).summary).toMatch(
      /^resolved: accuracy 0\.95 on churn@1/,
    );
    expect((r.on('/slack')[1].json as { text: string }).text).toMatch(/white_check_mark/);
    expect(await runMonitors(repo, { env })).toMatchObject({ deliveries: [], firing: [] });
    const incidents = listMonitorIncidents(repo);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].resolvedAt).not.toBeNull();
    expect(incidents[0].deliveries.filter((d) => d.status === 'delivered')).toHaveLength(8);
  });

  it('retries 5xx and 429 (with Retry-After), gives up on a 400, keeps a delivery pending while the receiver is down', async () => {
    const { repo, dir } = await repoWithTraffic();
    traffic(repo, 100, 50);
    writeFileSync(join(dir, 'mlo.yaml'), monitorYaml());
    const r = await startReceiver();
    receiverLike(r);
    r.script('/slack', [{ status: 500 }, { status: 503 }]);
    r.script('/teams', [{ status: 429, headers: { 'retry-after': '1' } }]);
    r.script('/pd', [{ status: 400, body: '{"status":"invalid event"}' }]);
    r.setDefault('/hook', { status: 502 });
    const waits: number[] = [];
    const res = await runMonitors(repo, {
      env: envFor(r),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const by = Object.fromEntries(res.deliveries.map((d) => [d.destination, d]));
    expect(by.team).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(by.channel).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(by.oncall).toMatchObject({ status: 'failed', attempts: 1 });
    expect(by.oncall.error).toMatch(/HTTP 400/);
    expect(by.hook).toMatchObject({ status: 'pending', attempts: 4 });
    expect(waits).toContain(1000); // Retry-After: 1
    expect(waits).toEqual(expect.arrayContaining([10, 20, 40])); // backoff 10 ms, doubling
    // the receiver is back: the next evaluation sends the pending one, and only it
    r.setDefault('/hook', { status: 204 });
    const before = r.received.length;
    const again = await runMonitors(repo, { env: envFor(r) });
    expect(again.deliveries).toEqual([
      expect.objectContaining({ destination: 'hook', status: 'delivered', attempts: 5 }),
    ]);
    expect(r.received.length - before).toBe(1);
  });

  it('reads secrets from .mlo/config.local.yaml, and a missing one leaves the alert pending with the variable named', async () => {
    const { repo, dir } = await repoWithTraffic();
    traffic(repo, 100, 50);
    writeFileSync(
      join(dir, 'mlo.yaml'),
      `monitor:\n  model: churn@champion\n  destinations:\n    team: {type: slack, url_env: SLACK_URL}\n    other: {type: slack, url_env: NOT_SET_ANYWHERE}\n  rules:\n    - {name: acc, when: accuracy < 0.8, min_sample: 10}\n`,
    );
    const r = await startReceiver();
    writeFileSync(join(dir, '.mlo/config.local.yaml'), `secrets:\n  SLACK_URL: ${r.url}/slack\n`);
    const res = await runMonitors(repo, { env: {} });
    const by = Object.fromEntries(res.deliveries.map((d) => [d.destination, d]));
    expect(by.team.status).toBe('delivered');
    expect(by.other).toMatchObject({ status: 'pending' });
    expect(by.other.error).toMatch(/\$NOT_SET_ANYWHERE is not set/);
    expect(r.on('/slack')).toHaveLength(1);
  });

  it('watches latency, volume, label arrival and label coverage; below the minimum sample a rule neither fires nor clears', async () => {
    const { repo, dir } = await repoWithTraffic();
    traffic(repo, 60, 60);
    writeFileSync(
      join(dir, 'mlo.yaml'),
      `monitor:
  model: churn@champion
  rules:
    - {name: slow, when: p99_ms > 12, window: 2h, min_sample: 10}
    - {name: quiet, when: volume < 100, window: 2h}
    - {name: unlabelled, when: label_rate < 0.5, window: 2h, min_sample: 10}
    - {name: labels-stopped, when: labels < 1, window: 1h}
    - {name: few, when: accuracy < 0.99, min_sample: 1000}
    - {name: errors, when: error_rate > 0.1}
`,
    );
    const res = await runMonitors(repo, { env: {} });
    const by = Object.fromEntries(res.rules.map((o) => [o.rule, o]));
    expect(by.slow).toMatchObject({ state: 'ok', sample: 60 });
    expect(by.slow.value).toBe(11); // latencies 2..11, six each: numpy's p99
    expect(by.quiet).toMatchObject({ state: 'firing', value: 60 });
    expect(by.unlabelled).toMatchObject({ state: 'ok', value: 1 });
    expect(by['labels-stopped']).toMatchObject({ state: 'ok', value: 60 });
    expect(by.few).toMatchObject({ state: 'no_data', sample: 60, minSample: 1000 });
    expect(by.errors).toMatchObject({ state: 'no_data', sample: 0 });
    expect(res.firing).toEqual(['quiet']);
  });
});

describe('monitor config', () => {
  it('refuses secrets in mlo.yaml and names every problem', () => {
    expect(() =>
      parseMonitorConfig(
        'monitor:\n  destinations:\n    t: {type: slack, url: "https://hooks.slack.com/services/T/B/X"}\n',
      ),
    ).toThrow(
      /monitor\.destinations\.t\.url: a webhook URL is a secret: name the environment variable/,
    );
    expect(() =>
      parseMonitorConfig('monitor:\n  destinations:\n    p: {type: pagerduty, routing_key: abc}\n'),
    ).toThrow(/routing_key_env/);
    let message = '';
    try {
      parseMonitorConfig(
        'monitor:\n  model: churn@champion\n  rules:\n    - {name: a, when: "accuracy <", notify: [nobody]}\n    - {name: b, when: "frobs > 1"}\n  retrain:\n    - {name: t, every: 1d, new_labels: 5}\n    - {name: u, on: [zzz]}\n',
      );
    } catch (err) {
      message = (err as Error).message + String((err as { hint?: string }).hint ?? '');
    }
    expect(message).toMatch(/monitor\.rules\[0\]\.when/);
    expect(message).toMatch(/no destination named "nobody"/);
    expect(message).toMatch(/"frobs" is nothing a rule can watch/);
    expect(message).toMatch(/exactly one of every, on, new_labels, new_predictions/);
    expect(message).toMatch(/no rule named "zzz"/);
  });
});

describe('command destination', () => {
  it('gets the alert on stdin and in the environment, never through a shell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlo-cmd-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'record.mjs'),
      [
        "import { writeFileSync } from 'node:fs';",
        "let s = '';",
        "process.stdin.on('data', (d) => (s += d));",
        "process.stdin.on('end', () => writeFileSync(process.argv[2], JSON.stringify({ stdin: JSON.parse(s), summary: process.env.MLO_ALERT_SUMMARY, rule: process.env.MLO_ALERT_RULE })));",
      ].join('\n'),
    );
    const hostile = '$(touch pwned) `touch pwned2`; touch pwned3';
    const alert: Alert = {
      version: 1,
      event: 'trigger',
      project: 'p',
      incident: { id: 1, dedup_key: 'k', opened_at: new Date(0).toISOString(), resolved_at: null },
      rule: { name: 'r', when: 'accuracy < 0.8', window: '1h', severity: 'error' },
      subject: 'churn@1',
      value: 0.5,
      threshold: 0.8,
      sample: 10,
      summary: hostile,
      at: new Date(0).toISOString(),
    };
    const out = join(dir, 'out.json');
    const res = await sendCommand(
      alert,
      { name: 'cmd', type: 'command', run: [process.execPath, 'record.mjs', out] },
      { secrets: () => undefined, timeoutMs: 10_000, cwd: dir },
    );
    expect(res).toMatchObject({ ok: true });
    const got = JSON.parse(readFileSync(out, 'utf8')) as {
      stdin: Alert;
      summary: string;
      rule: string;
    };
    expect(got.stdin).toEqual(alert);
    expect(got.summary).toBe(hostile);
    expect(got.rule).toBe('r');
    for (const f of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(join(dir, f))).toBe(false);
    const fail = await sendCommand(
      alert,
      { name: 'cmd', type: 'command', run: [process.execPath, '-e', 'process.exit(3)'] },
      { secrets: () => undefined, timeoutMs: 10_000, cwd: dir },
    );
    expect(fail).toMatchObject({ ok: false, retry: true });
    expect(fail.error).toMatch(/exited 3/);
  });
});
