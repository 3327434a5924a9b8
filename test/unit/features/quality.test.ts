/**
 * Feature quality: a view's validation suite and drift baseline, and training-serving
 * skew — served values against the offline point-in-time values.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyDefinitions,
  baselineView,
  checkSkew,
  driftView,
  validateView,
} from '../../../src/index.js';
import { repoWithFiles } from './helpers.js';

const YAML = `validation:
  stats_ok:
    - expect_column_values_to_be_between: {column: spend, min_value: 0, max_value: 100}
features:
  entities:
    customer: {join_keys: {id: int64}}
  sources:
    stats: {path: data/stats.csv, timestamp: ts}
  views:
    stats:
      entities: [customer]
      source: stats
      ttl: 1d
      validation: stats_ok
      features: {spend: float64, tier: string}
`;

function stats(n: number, spend: (i: number) => number): string {
  const lines = ['id,ts,spend,tier'];
  for (let i = 0; i < n; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    lines.push(`${i % 50},2024-02-${day}T00:00:00Z,${spend(i)},${i % 3 ? 'a' : 'b'}`);
  }
  return lines.join('\n') + '\n';
}

describe('feature quality', () => {
  it("validates a view's source with its suite, and checks drift against its baseline", async () => {
    const repo = await repoWithFiles({
      'mlo.yaml': YAML,
      'data/stats.csv': stats(500, (i) => i % 100),
    });
    await applyDefinitions(repo);
    const ok = await validateView(repo, 'stats');
    expect(ok).toMatchObject({ view: 'stats', suite: 'stats_ok', result: { success: true } });
    const b = await baselineView(repo, 'stats');
    expect(b.name).toBe('features.stats');
    expect(b.columns.map((c) => c.name)).toEqual(['spend', 'tier']);
    expect((await driftView(repo, 'stats')).report.dataset_drift).toBe(false);

    writeFileSync(
      join(repo.root, 'shifted.csv'),
      stats(500, (i) => 500 + (i % 100)),
    );
    const bad = await validateView(repo, 'stats', { data: join(repo.root, 'shifted.csv') });
    expect(bad.result.success).toBe(false);
    const drift = await driftView(repo, 'stats', { data: join(repo.root, 'shifted.csv') });
    expect(drift.report.columns.find((c) => c.column === 'spend')?.drifted).toBe(true);
  });

  it('finds served values that differ from the offline point-in-time values', async () => {
    const repo = await repoWithFiles({
      'mlo.yaml': YAML,
      'data/stats.csv':
        'id,ts,spend,tier\n1,2024-01-01T00:00:00Z,10,a\n1,2024-01-02T00:00:00Z,20,b\n2,2024-01-01T00:00:00Z,5,a\n',
    });
    await applyDefinitions(repo);
    // row 2 was served a stale value (10, though 20 was current); row 4 a value
    // outside the ttl (offline: null); the rest agree
    writeFileSync(
      join(repo.root, 'served.csv'),
      'id,event_timestamp,spend,tier\n' +
        '1,2024-01-01T12:00:00Z,10,a\n' +
        '1,2024-01-02T12:00:00Z,10,b\n' +
        '2,2024-01-01T06:00:00Z,5,a\n' +
        '2,2024-01-03T06:00:00Z,5,a\n' +
        '3,2024-01-03T06:00:00Z,,\n',
    );
    const r = await checkSkew(repo, { served: 'served.csv', cwd: repo.root });
    expect(r.passed).toBe(false);
    expect(
      r.features.map((f) => [
        f.feature,
        f.mismatches,
        f.examples.map((e) => [e.row, e.served, e.offline]),
      ]),
    ).toEqual([
      [
        'stats:spend',
        2,
        [
          [2, 10, 20],
          [4, 5, null],
        ],
      ],
      ['stats:tier', 1, [[4, 'a', null]]],
    ]);
    expect(r.features[0].maxAbsDiff).toBe(10);
    const loose = await checkSkew(repo, { served: 'served.csv', cwd: repo.root, maxShare: 0.5 });
    expect(loose.passed).toBe(true);
  });
});
