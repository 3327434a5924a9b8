/**
 * `mlo monitor` and the retraining triggers through the built CLI: exit 1 when a rule
 * fires, the retraining a firing rule starts (its reason on the runs and in the alias
 * audit), no second retraining for the same incident, and two retrainings started at
 * once in two processes: one runs, the other finds the lock held.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildLinearClassifier,
  ingestLabels,
  openRepo,
  registerModel,
  setAlias,
} from '../../src/index.js';
import { insertPredictionRows, type NewPredictionRow } from '../../src/store/index.js';
import { makeRepo, mlo, mloAsync, parseJson } from '../helpers/cli.js';

interface RunJson {
  firing: string[];
  rules: { rule: string; state: string; value: number | null }[];
  retrain: {
    trigger: string;
    reason: string;
    status: string;
    id: number | null;
    steps: { argv: string[]; exitCode: number | null }[];
  }[];
}

/** churn@1 as champion, 200 answers in the last hour, 60% of them right. */
async function repoWithBadTraffic(): Promise<string> {
  const dir = makeRepo();
  const repo = openRepo(dir);
  try {
    for (const v of [1, 2]) {
      writeFileSync(
        join(dir, `m${v}.onnx`),
        await buildLinearClassifier({ coefficients: [[v, -1]], intercepts: [0] }),
      );
      await registerModel(repo, { name: 'churn', path: `m${v}.onnx`, features: ['a', 'b'] });
    }
    await setAlias(repo, { name: 'churn', alias: 'champion', version: 1 });
    const now = Date.now();
    const rows: NewPredictionRow[] = [];
    for (let i = 0; i < 200; i++) {
      const pred = i % 2;
      rows.push([
        now - 3_600_000 + i,
        'churn',
        1,
        'primary',
        'main',
        `q${i}`,
        3,
        `{"a":${i},"b":1}`,
        `{"prediction":${pred},"probabilities":[${1 - pred},${pred}]}`,
      ]);
    }
    insertPredictionRows(repo.store, rows);
    ingestLabels(
      repo,
      rows.map((_, i) => ({ requestId: `q${i}`, label: i < 120 ? i % 2 : 1 - (i % 2) })),
    );
  } finally {
    repo.close();
  }
  writeFileSync(
    join(dir, 'holdout.csv'),
    `a,b,y\n${Array.from({ length: 20 }, (_, i) => `${i},1,${i > 1 ? 1 : 0}`).join('\n')}\n`,
  );
  return dir;
}

const yaml = (retrain: string): string => `promotion:
  champion:
    data: holdout.csv
    target: y
    gates:
      - accuracy >= 0
monitor:
  model: churn@champion
  rules:
    - {name: accuracy, when: accuracy < 0.8, window: 24h, min_sample: 50}
  retrain:
${retrain}`;

describe('mlo monitor (built CLI)', () => {
  it('exits 1 when a rule fires and retrains once per incident, the reason on the run and in the alias audit', async () => {
    const dir = await repoWithBadTraffic();
    writeFileSync(
      join(dir, 'mlo.yaml'),
      yaml(`    - name: on-drop
      on: accuracy
      run:
        - [mlo, exec, -n, retrained, --, node, -e, "0"]
        - [mlo, promote, churn@2, --to, champion]
`),
    );
    const r = mlo(['monitor', 'run', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const res = parseJson<RunJson>(r);
    expect(res.firing).toEqual(['accuracy']);
    expect(res.rules[0].value).toBeCloseTo(0.6, 12);
    expect(res.retrain).toHaveLength(1);
    expect(res.retrain[0]).toMatchObject({ trigger: 'on-drop', status: 'succeeded' });
    expect(res.retrain[0].reason).toMatch(/^rule accuracy fired: accuracy 0\.6 < 0\.8 on churn@1/);
    expect(res.retrain[0].steps.map((s) => s.exitCode)).toEqual([0, 0]);

    const runs = parseJson<{ runs: { name: string; tags: Record<string, string> }[] }>(
      mlo(['runs', 'list', '--json'], { cwd: dir }),
    );
    const run = runs.runs.find((x) => x.name === 'retrained');
    expect(run?.tags).toMatchObject({
      'mlo.retrain.trigger': 'on-drop',
      'mlo.retrain.reason': res.retrain[0].reason,
      'mlo.retrain.id': String(res.retrain[0].id),
    });
    const show = parseJson<{
      aliasHistory: { action: string; outcome: string; detail: { reason?: string } | null }[];
    }>(mlo(['model', 'show', 'churn@2', '--json'], { cwd: dir }));
    const promoted = show.aliasHistory.find((e) => e.action === 'promote');
    expect(promoted).toMatchObject({ outcome: 'moved' });
    expect(promoted?.detail?.reason).toBe(`retrain on-drop: ${res.retrain[0].reason}`);

    // churn@2 is the champion now: churn@1's incident is over, and its open incident
    // does not start a second retraining
    const again = parseJson<RunJson>(mlo(['monitor', 'run', '--json'], { cwd: dir }));
    expect(again.retrain).toEqual([]);
    const incidents = parseJson<{ subject: string; resolvedAt: string | null }[]>(
      mlo(['monitor', 'incidents', '--json'], { cwd: dir }),
    );
    expect(incidents.map((i) => i.subject)).toEqual(['churn@1']);
    expect(incidents[0].resolvedAt).not.toBeNull();

    // the maturity figures see the set, the promotion, and the incident it answered
    const stats = parseJson<{
      deploymentFrequency: { deployments: number };
      promotionSuccessRate: { of: number[] };
      timeToRecover: { n: number };
    }>(mlo(['stats', '--json'], { cwd: dir }));
    expect(stats.deploymentFrequency.deployments).toBe(2);
    expect(stats.promotionSuccessRate.of).toEqual([1, 1]);
    expect(stats.timeToRecover.n).toBe(1);
    const human = mlo(['stats'], { cwd: dir });
    expect(human.stdout).toMatch(/promotion success rate\s+100\.0% \(1 of 1\)/);
    const report = mlo(['report'], { cwd: dir });
    expect(report.stdout).toMatch(/### Delivery \(last 90 days\)/);
    expect(report.stdout).toMatch(/\| change failure rate \| 50\.0% \(1 of 2\) \| 2 \|/);
  });

  it('two retrainings started at once in two processes: one runs, the other finds the lock held', async () => {
    const dir = await repoWithBadTraffic();
    writeFileSync(
      join(dir, 'mlo.yaml'),
      yaml(`    - name: slow
      every: 1h
      run:
        - [node, -e, "const fs = require('fs'); fs.appendFileSync('ran.txt', 'x'); const wait = () => fs.existsSync('release') ? process.exit(0) : setTimeout(wait, 50); wait()"]
`),
    );
    // The command holds the lock until the test lets it go, not for a fixed time: on a
    // loaded machine the second process may start seconds after the first.
    const a = mloAsync(['monitor', 'retrain', 'slow', '--json'], { cwd: dir });
    const b = mloAsync(['monitor', 'retrain', 'slow', '--json'], { cwd: dir });
    const first = await Promise.race([a.done, b.done]);
    expect(parseJson<{ status: string }>(first).status).toBe('busy');
    writeFileSync(join(dir, 'release'), '');
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const results = [ra, rb].map((x) => ({ code: x.code, ...parseJson<{ status: string }>(x) }));
    expect(results.map((x) => x.status).sort()).toEqual(['busy', 'succeeded']);
    expect(results.find((x) => x.status === 'busy')?.code).toBe(1);
    expect(readFileSync(join(dir, 'ran.txt'), 'utf8')).toBe('x');
    // the lock went with its holder: the next one runs
    const third = mlo(['monitor', 'retrain', 'slow', '--json'], { cwd: dir });
    expect(parseJson<{ status: string }>(third).status).toBe('succeeded');
  });

  it('names a missing monitor section and an unknown rule', () => {
    const dir = makeRepo();
    const none = mlo(['monitor', 'run'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: mlo.yaml has no monitor rules/);
    writeFileSync(
      join(dir, 'mlo.yaml'),
      'monitor:\n  model: churn@champion\n  rules:\n    - {name: a, when: volume < 1}\n',
    );
    const bad = mlo(['monitor', 'run', '--rule', 'zzz'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: no rule named "zzz" under monitor.rules in mlo.yaml/);
  });
});
