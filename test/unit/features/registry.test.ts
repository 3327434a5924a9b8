/**
 * Definitions and their versions: every problem reported at once with mlo.yaml's line
 * and column; plan shows what apply would record; apply records a version and removes
 * what the definitions no longer hold, online values included.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MloError } from '../../../src/index.js';
import {
  applyDefinitions,
  loadPipeline,
  materializeFeatures,
  openOnlineStore,
  parseDefinitions,
  planDefinitions,
} from '../../../src/index.js';
import { repoWithFiles } from './helpers.js';

const STATS = `id,ts,spend,visits
1,2024-01-01T00:00:00Z,10,1
2,2024-01-02T00:00:00Z,20,2
`;

const YAML = `features:
  entities:
    customer: {join_keys: {id: int64}}
  sources:
    stats: {path: data/stats.csv, timestamp: ts}
  views:
    spend:
      entities: [customer]
      source: stats
      ttl: 30d
      features: {spend: float64}
    visits:
      entities: [customer]
      source: stats
      features: {visits: int64}
  services:
    all: [spend, visits:visits]
`;

function problemsOf(yaml: string): string[] {
  try {
    parseDefinitions(yaml);
  } catch (err) {
    const e = err as MloError;
    return [e.message, ...(e.hint?.split('\n') ?? [])];
  }
  throw new Error('no problem reported');
}

describe('feature definitions', () => {
  it('reports every broken reference with its line and column', () => {
    const lines = problemsOf(`features:
  entities:
    customer: {join_keys: {id: int64}}
  sources:
    stats: {path: ../outside.csv, timestamp: ts}
  views:
    spend:
      entities: [customer, shop]
      source: nope
      ttl: 3 weeks
      features: {spend: float64, id: int64}
  on_demand:
    ratio:
      request: {amount: float64}
      features:
        r: {type: float64, expr: amount / spend.missing + other}
  services:
    all: [spend:spend, ghost]
`);
    expect(lines).toEqual([
      'mlo.yaml:5:13: features.sources.stats.path: "../outside.csv" must be a path inside the repository',
      'mlo.yaml:8:28: features.views.spend.entities.1: no entity "shop" under features.entities',
      'mlo.yaml:9:7: features.views.spend.source: no source "nope" under features.sources',
      'mlo.yaml:10:7: features.views.spend.ttl: "3 weeks" is not a duration (30d, 12h, 90m, 45s, 1d12h)',
      'mlo.yaml:11:34: features.views.spend.features.id: id is a join key or timestamp column, not a feature',
      'mlo.yaml:16:28: features.on_demand.ratio.features.r.expr: spend.missing: no feature missing in a view spend',
      'mlo.yaml:16:28: features.on_demand.ratio.features.r.expr: "other" is neither a request field of ratio nor view.feature',
      'mlo.yaml:18:24: features.services.all.1: "ghost": no view or on-demand view named ghost',
    ]);
  });

  it('reports schema problems (a typo in a view) through the pipeline loader too', async () => {
    const repo = await repoWithFiles({
      'mlo.yaml':
        'features:\n  views:\n    v:\n      entities: [e]\n      source: s\n      featurs: {a: float64}\n',
    });
    let err: MloError | undefined;
    try {
      loadPipeline(repo);
    } catch (e) {
      err = e as MloError;
    }
    expect(`${err?.message}\n${err?.hint}`).toMatch(
      /mlo\.yaml:6:7: features\.views\.v\.featurs: Unrecognized key/,
    );
  });
});

describe('plan and apply', () => {
  it('records versions with what changed, and refuses sources mlo does not track', async () => {
    const repo = await repoWithFiles({ 'data/stats.csv': STATS, 'mlo.yaml': YAML });
    const first = planDefinitions(repo);
    expect(first.current).toBeNull();
    expect(first.next).toBe(1);
    expect(first.changes.added.map((c) => `${c.kind}:${c.name}`)).toEqual([
      'entity:customer',
      'source:stats',
      'view:spend',
      'view:visits',
      'service:all',
    ]);
    const v1 = await applyDefinitions(repo);
    expect(v1).toMatchObject({ version: 1, recorded: true });
    expect(planDefinitions(repo)).toMatchObject({ current: 1, next: null });
    expect(await applyDefinitions(repo)).toMatchObject({ version: 1, recorded: false });

    writeFileSync(
      join(repo.root, 'mlo.yaml'),
      YAML.replace('ttl: 30d', 'ttl: 7d')
        .replace('{spend: float64}', '{spend: float64, visits: int64}')
        .replace(/ {4}visits:\n(.*\n){3}/, '')
        .replace('[spend, visits:visits]', '[spend]'),
    );
    const plan = planDefinitions(repo);
    expect(plan.changes).toEqual({
      added: [],
      changed: [
        { kind: 'view', name: 'spend', details: ['features: +visits', 'ttl: 30d → 7d'] },
        { kind: 'service', name: 'all', details: ['features: +spend:visits -visits:visits'] },
      ],
      removed: [{ kind: 'view', name: 'visits' }],
    });
    expect(plan.purge).toEqual(['spend', 'visits']);

    writeFileSync(join(repo.root, 'data/other.csv'), STATS);
    writeFileSync(join(repo.root, 'mlo.yaml'), YAML.replace('data/stats.csv', 'data/other.csv'));
    expect(planDefinitions(repo).problems).toEqual([
      "source stats: data/other.csv is not tracked by mlo (mlo add data/other.csv, or make it a stage's out)",
    ]);
    await expect(applyDefinitions(repo)).rejects.toThrow(/data\/other\.csv is not tracked/);
  });

  it('removes the online values of removed and reshaped views, and keeps the others', async () => {
    const repo = await repoWithFiles({ 'data/stats.csv': STATS, 'mlo.yaml': YAML });
    await applyDefinitions(repo);
    await materializeFeatures(repo, { start: 0, end: Date.parse('2024-02-01') });
    const countsNow = async () => {
      const s = await openOnlineStore(repo, { type: 'sqlite' });
      try {
        return await s.counts();
      } finally {
        await s.close();
      }
    };
    expect(await countsNow()).toEqual({ spend: 2, visits: 2 });
    // visits removed; spend only changes its ttl (its stored values stay valid)
    writeFileSync(
      join(repo.root, 'mlo.yaml'),
      YAML.replace('ttl: 30d', 'ttl: 7d')
        .replace(/ {4}visits:\n(.*\n){3}/, '')
        .replace('[spend, visits:visits]', '[spend]'),
    );
    const r = await applyDefinitions(repo);
    expect(r).toMatchObject({ version: 2, purged: ['visits'] });
    expect(await countsNow()).toEqual({ spend: 2 });
    // and incremental materialization starts over for nothing but what is left
    const again = await materializeFeatures(repo, {
      incremental: true,
      end: Date.parse('2024-02-01'),
    });
    expect(again.views.map((v) => [v.view, v.startMs])).toEqual([
      ['spend', Date.parse('2024-02-01')],
    ]);
  });
});
