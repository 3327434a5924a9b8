/**
 * Progressive delivery with the built CLI: `mlo serve churn@champion --canary churn@2
 * --ramp ... --guard ...` moves the canary's share step by step while the guards hold
 * and moves the alias at 100%; when a guard fails, every later request goes to the
 * champion at once and the refused promotion is in the alias audit. Every step is a
 * row of rollout_events.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier, openRepo } from '../../src/index.js';
import { listRolloutEvents } from '../../src/store/index.js';
import { makeRepo, mlo, parseJson } from '../helpers/cli.js';
import { startServe, type Served } from '../helpers/serve.js';

async function repoWithTwoVersions(): Promise<string> {
  const dir = makeRepo();
  for (const v of [1, 2]) {
    writeFileSync(
      join(dir, `m${v}.onnx`),
      await buildLinearClassifier({ coefficients: [[v, -1]], intercepts: [0] }),
    );
    const r = mlo(['model', 'register', 'churn', `m${v}.onnx`, '--features', 'a,b'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  }
  expect(mlo(['model', 'alias', 'set', 'churn', 'champion', '1'], { cwd: dir }).code).toBe(0);
  return dir;
}

/** Send requests one at a time until `until` says stop; the versions that answered, in order. */
async function drive(
  s: Served,
  until: (versions: string[]) => boolean,
  timeoutMs = 60_000,
): Promise<string[]> {
  const versions: string[] = [];
  const t0 = Date.now();
  let i = 0;
  while (!until(versions) && Date.now() - t0 < timeoutMs) {
    const res = await fetch(`${s.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `q-${i++}` },
      body: JSON.stringify({ instances: [{ a: 1, b: 0 }] }),
    });
    expect(res.status).toBe(200);
    versions.push(res.headers.get('x-model-version') ?? '');
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 5));
  }
  return versions;
}

function events(dir: string): { step: number; percent: number; event: string }[] {
  const repo = openRepo(dir);
  try {
    return listRolloutEvents(repo.store, 'churn').map(({ step, percent, event }) => ({
      step,
      percent,
      event,
    }));
  } finally {
    repo.close();
  }
}

interface Show {
  aliasHistory: {
    action: string;
    outcome: string;
    toVersion: number | null;
    gates: { gate: string; passed: boolean }[] | null;
  }[];
}

describe('mlo serve --canary --ramp (built CLI)', () => {
  it('ramps while the guards hold, every step audited, and moves the alias at 100%', async () => {
    const dir = await repoWithTwoVersions();
    const s = await startServe(dir, [
      'churn@champion',
      '--canary',
      'churn@2',
      '--ramp',
      '20,50,100',
      '--every',
      '500ms',
      '--min-requests',
      '5',
      '--guard',
      'error_rate <= champion + 0.01',
      '--guard',
      'p99_ms <= 60000',
    ]);
    const got = await drive(s, () => /held every guard at 100%/.test(s.stderr()));
    expect(s.stderr()).toMatch(/rollout: churn@2 held every guard at 100%; churn@champion → 2/);
    expect(got).toContain('1');
    expect(got).toContain('2');
    // the alias moved: the server follows it, and every answer comes from version 2
    await new Promise((r) => setTimeout(r, 2500));
    const after = await drive(s, (v) => v.length >= 10);
    expect(new Set(after)).toEqual(new Set(['2']));
    expect((await s.stop()).code).toBe(0);
    expect(events(dir)).toEqual([
      { step: 0, percent: 20, event: 'step' },
      { step: 1, percent: 50, event: 'step' },
      { step: 2, percent: 100, event: 'step' },
      { step: 2, percent: 100, event: 'completed' },
    ]);
    const show = parseJson<Show>(mlo(['model', 'show', 'churn@2', '--json'], { cwd: dir }));
    const promoted = show.aliasHistory.find((e) => e.action === 'promote');
    expect(promoted).toMatchObject({ outcome: 'moved', toVersion: 2 });
    expect(promoted?.gates?.map((g) => [g.gate, g.passed])).toEqual([
      ['error_rate <= champion + 0.01', true],
      ['p99_ms <= 60000', true],
    ]);
  });

  it('a failing guard sends all traffic back to the champion at once; the alias stays', async () => {
    const dir = await repoWithTwoVersions();
    const s = await startServe(dir, [
      'churn@champion',
      '--canary',
      'churn@2',
      '--ramp',
      '50,100',
      '--every',
      '300ms',
      '--min-requests',
      '5',
      '--guard',
      'p99_ms <= champion - 1000',
    ]);
    const before = await drive(s, () => /rolled back/.test(s.stderr()));
    expect(before).toContain('2');
    expect(s.stderr()).toMatch(
      /rollout: churn@2 rolled back at 50%: p99_ms [\d.]+ not <= -?[\d.]+/,
    );
    const after = await drive(s, (v) => v.length >= 20);
    expect(after.length).toBeGreaterThan(5);
    expect(new Set(after)).toEqual(new Set(['1']));
    expect((await s.stop()).code).toBe(0);
    expect(events(dir)).toEqual([
      { step: 0, percent: 50, event: 'step' },
      { step: 0, percent: 0, event: 'rolled_back' },
    ]);
    const show = parseJson<Show>(mlo(['model', 'show', 'churn@2', '--json'], { cwd: dir }));
    const refused = show.aliasHistory.find((e) => e.action === 'promote');
    expect(refused).toMatchObject({ outcome: 'rejected', toVersion: 2 });
    expect(refused?.gates?.[0]).toMatchObject({ gate: 'p99_ms <= champion - 1000', passed: false });
    const champion = parseJson<{ version: number }>(
      mlo(['model', 'show', 'churn@champion', '--json'], { cwd: dir }),
    );
    expect(champion.version).toBe(1);
  });

  it('refuses a ramp without a canary, guards, or an end at 100', () => {
    const dir = makeRepo();
    const cases: [string[], RegExp][] = [
      [['--ramp', '5,100', '--guard', 'p99_ms <= 5'], /--ramp needs --canary/],
      [['--canary', 'churn@2', '--ramp', '5,50'], /expected rising shares ending at 100/],
      [['--canary', 'churn@2', '--ramp', '5,100'], /--ramp needs at least one --guard/],
      [
        ['--canary', 'churn@2', '--ramp', '5,100', '--guard', 'p99 <<= 3'],
        /--guard "p99 <<= 3": expected METRIC OP LIMIT/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = mlo(['serve', 'churn@champion', ...args, '--port', '0'], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
