/**
 * The feature store through the built CLI: definitions, plan/apply, list/show, a
 * training set (CSV and Parquet) with its lineage, inside `mlo exec` as the run's
 * inputs, materialize and get, the feature server, and the errors users meet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable, valueAt } from '../../src/index.js';
import { makeRepo, mlo, mloAsync, MLO_BIN, parseJson, writeTree } from '../helpers/cli.js';

const YAML = `features:
  entities:
    customer: {join_keys: {customer_id: int64}}
  sources:
    stats: {path: data/stats.csv, timestamp: event_ts, created_timestamp: created}
  views:
    customer_stats:
      entities: [customer]
      source: stats
      ttl: 30d
      features: {avg_order: float64, orders: int64, segment: string}
      tags: {team: growth}
  on_demand:
    basket:
      request: {amount: float64}
      features:
        ratio: {type: float64, expr: amount / customer_stats.avg_order}
  services:
    churn: [customer_stats, basket:ratio]
`;

const STATS = `customer_id,event_ts,created,avg_order,orders,segment
1,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,10.5,3,gold
1,2024-01-05T00:00:00Z,2024-01-05T01:00:00Z,12,4,gold
2,2024-01-02T00:00:00Z,2024-01-02T01:00:00Z,7.25,1,silver
1,2024-01-05T00:00:00Z,2024-01-06T01:00:00Z,13,5,platinum
`;

const LABELS = `customer_id,event_timestamp,amount,label
1,2024-01-03T00:00:00Z,21,0
1,2024-01-05T12:00:00Z,26,1
2,2024-01-02T00:00:00Z,5,0
3,2024-01-02T00:00:00Z,5,0
`;

function project(): string {
  const dir = makeRepo();
  writeTree(dir, { 'mlo.yaml': YAML, 'data/stats.csv': STATS, 'labels.csv': LABELS });
  expect(mlo(['add', 'data/stats.csv'], { cwd: dir }).code).toBe(0);
  return dir;
}

describe('mlo features', () => {
  it('plans, applies, lists and shows the definitions', () => {
    const dir = project();
    const plan = mlo(['features', 'plan'], { cwd: dir });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('version 1 would record 5 changes');
    expect(plan.stdout).toContain('+ view customer_stats');
    const apply = mlo(['features', 'apply', '--json'], { cwd: dir });
    expect(parseJson<{ version: number; recorded: boolean }>(apply)).toMatchObject({
      version: 1,
      recorded: true,
    });
    expect(mlo(['features', 'apply'], { cwd: dir }).stdout).toContain(
      'no changes: version 1 is current',
    );
    const list = parseJson<{
      version: number;
      views: { name: string; ttl: number; tags: unknown }[];
    }>(mlo(['features', 'list', '--json'], { cwd: dir }));
    expect(list.views).toMatchObject([
      { name: 'customer_stats', ttl: 30 * 86400, tags: { team: 'growth' } },
    ]);
    const show = mlo(['features', 'show', 'customer_stats'], { cwd: dir });
    expect(show.stdout).toContain('ttl 30d, online yes');
    expect(show.stdout).toContain('in services churn');
    writeTree(dir, { 'mlo.yaml': YAML.replace('ttl: 30d', 'ttl: 7d') });
    expect(mlo(['features', 'plan'], { cwd: dir }).stdout).toContain(
      '~ view customer_stats: ttl: 30d → 7d',
    );
    expect(mlo(['features', 'list'], { cwd: dir }).stdout).toContain('mlo.yaml differs');
    mlo(['features', 'apply'], { cwd: dir });
    const versions = parseJson<{ versions: { version: number }[] }>(
      mlo(['features', 'versions', '--json'], { cwd: dir }),
    );
    expect(versions.versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('builds a point-in-time training set with its lineage, in CSV and Parquet', async () => {
    const dir = project();
    mlo(['features', 'apply'], { cwd: dir });
    const r = mlo(
      [
        'features',
        'join',
        '--entities',
        'labels.csv',
        '--features',
        'churn',
        '--out',
        'train.csv',
        '--json',
      ],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as {
      engine: string;
      matched: Record<string, number>;
      sources: { path: string }[];
    };
    expect(res.engine).toBe('js'); // on-demand features are computed by the js engine
    expect(res.matched).toEqual({ customer_stats: 3 });
    expect(readFileSync(join(dir, 'train.csv'), 'utf8')).toBe(
      'customer_id,event_timestamp,amount,label,avg_order,orders,segment,ratio\n' +
        '1,2024-01-03T00:00:00.000Z,21,0,10.5,3,gold,2\n' +
        '1,2024-01-05T12:00:00.000Z,26,1,13,5,platinum,2\n' +
        '2,2024-01-02T00:00:00.000Z,5,0,7.25,1,silver,0.6896551724137931\n' +
        '3,2024-01-02T00:00:00.000Z,5,0,,,,\n',
    );
    const values: unknown[][][] = [];
    for (const engine of ['js', 'duckdb']) {
      const p = mlo(
        [
          'features',
          'join',
          '--entities',
          'labels.csv',
          '--features',
          'customer_stats',
          '--out',
          `t-${engine}.parquet`,
          '--engine',
          engine,
        ],
        { cwd: dir },
      );
      expect(p.code, p.stderr).toBe(0);
      const t = await readTable(join(dir, `t-${engine}.parquet`));
      const kinds = Object.fromEntries(t.schema.columns.map((c) => [c.name, c.kind]));
      // the entity file's other columns keep what each engine infers; ours are typed
      expect(kinds).toMatchObject({
        customer_id: 'integer',
        event_timestamp: 'datetime',
        avg_order: 'number',
        orders: 'integer',
      });
      expect(['string', 'category']).toContain(kinds.segment);
      values.push(
        t.batch.columns.map((c) => Array.from({ length: t.batch.length }, (_, i) => valueAt(c, i))),
      );
    }
    expect(values[1]).toEqual(values[0]);
    expect(values[0][6]).toEqual(['gold', 'platinum', 'silver', null]);
    const lineage = mlo(['features', 'lineage', 'train.csv'], { cwd: dir });
    expect(lineage.stdout).toContain('definitions version 1');
    expect(lineage.stdout).toMatch(/customer_stats:avg_order\s+customer_stats\s+data\/stats\.csv/);
  });

  it('records a set built inside mlo exec as inputs of the run, with its lineage', () => {
    const dir = project();
    mlo(['features', 'apply'], { cwd: dir });
    const exec = mlo(
      [
        'exec',
        '--json',
        '--',
        process.execPath,
        MLO_BIN,
        'features',
        'join',
        '--entities',
        'labels.csv',
        '--features',
        'customer_stats',
        '--out',
        'train.csv',
      ],
      { cwd: dir },
    );
    expect(exec.code, exec.stderr).toBe(0);
    const { id } = parseJson<{ id: string }>(exec);
    const run = parseJson<{
      inputs: { path: string; hash: string }[];
      tags: Record<string, unknown>;
    }>(mlo(['runs', 'show', id, '--json'], { cwd: dir }));
    expect(run.inputs.map((i) => i.path).sort()).toEqual([
      'data/stats.csv',
      'labels.csv',
      'train.csv',
    ]);
    expect(run.tags['mlo.features.version']).toBe('1');
    const lineage = parseJson<{
      sets: { runId: string; version: number; sources: { path: string; hash: string }[] }[];
    }>(mlo(['features', 'lineage', id, '--json'], { cwd: dir }));
    expect(lineage.sets).toHaveLength(1);
    expect(lineage.sets[0]).toMatchObject({ runId: id, version: 1 });
    expect(lineage.sets[0].sources[0].hash).toBe(
      run.inputs.find((i) => i.path === 'data/stats.csv')?.hash,
    );
  });

  it('materializes, reads online features and serves them the Feast way', async () => {
    const dir = project();
    mlo(['features', 'apply'], { cwd: dir });
    const m = mlo(['features', 'materialize', '2024-01-01', '2024-01-31', '--json'], { cwd: dir });
    expect(parseJson<{ views: { entities: number }[] }>(m).views[0].entities).toBe(2);
    const get = mlo(
      [
        'features',
        'get',
        '--entity',
        'customer_id=1,7',
        '--request',
        'amount=26,1',
        '--features',
        'churn',
        '--now',
        '2024-01-10',
        '--json',
      ],
      { cwd: dir },
    );
    const body = parseJson<{
      metadata: { feature_names: string[] };
      results: { values: unknown[]; statuses: string[] }[];
    }>(get);
    expect(body.metadata.feature_names).toEqual([
      'customer_id',
      'avg_order',
      'orders',
      'segment',
      'ratio',
    ]);
    expect(body.results.map((x) => x.values)).toEqual([
      [1, 7],
      [13, null],
      [5, null],
      ['platinum', null],
      [2, null],
    ]);
    expect(body.results[1].statuses).toEqual(['PRESENT', 'NOT_FOUND']);
    const late = mlo(
      [
        'features',
        'get',
        '--entity',
        'customer_id=1',
        '--features',
        'customer_stats:orders',
        '--now',
        '2024-03-01',
      ],
      {
        cwd: dir,
      },
    );
    expect(late.stdout).toMatch(/orders\s+null\s+OUTSIDE_MAX_AGE/);

    const server = mloAsync(['features', 'serve', '--port', '0', '--token-env', 'FEAT_TOKEN'], {
      cwd: dir,
      env: { FEAT_TOKEN: 'tok-e2e' },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const hit = /on (http:\/\/\S+)/.exec(out);
          if (hit) resolve(hit[1]);
        });
        server.child.once('exit', () => reject(new Error(`serve exited: ${out}`)));
      });
      const ask = (headers: Record<string, string>) =>
        fetch(`${url}/get-online-features`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            features: ['customer_stats:segment'],
            entities: { customer_id: [2] },
          }),
        });
      expect((await ask({})).status).toBe(401);
      const res = await ask({ authorization: 'Bearer tok-e2e' });
      expect(
        ((await res.json()) as { results: { values: unknown[] }[] }).results[1].values,
      ).toEqual([null]);
    } finally {
      server.child.kill('SIGTERM');
      expect((await server.done).code).toBe(0);
    }
  });

  it('answers bad input with one error line and exit 2', () => {
    const dir = project();
    const before = mlo(['features', 'get', '--entity', 'customer_id=1', '--features', 'churn'], {
      cwd: dir,
    });
    expect(before.code).toBe(2);
    expect(before.stderr).toBe(
      'error: no feature definitions applied yet\nhint: declare them under features: in mlo.yaml, then run mlo features apply\n',
    );
    writeTree(dir, { 'mlo.yaml': YAML.replace('source: stats', 'source: statz') });
    const bad = mlo(['features', 'apply'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: mlo.yaml:9:7: features.views.customer_stats.source: no source "statz" under features.sources\n',
    );
    writeTree(dir, { 'mlo.yaml': YAML });
    mlo(['features', 'apply'], { cwd: dir });
    const unknown = mlo(
      ['features', 'join', '--entities', 'labels.csv', '--features', 'nope', '--out', 'x.csv'],
      { cwd: dir },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^error: --features: "nope": no view or on-demand view named nope\nhint: defined: basket, churn, customer_stats\n$/,
    );
    const format = mlo(
      ['features', 'join', '--entities', 'labels.csv', '--features', 'churn', '--out', 'x.txt'],
      { cwd: dir },
    );
    expect(format.stderr).toBe('error: --out x.txt: expected a .csv or .parquet file\n');
    const noKey = mlo(['features', 'get', '--entity', 'shop=1', '--features', 'churn'], {
      cwd: dir,
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/^error: entities: missing join key customer_id/);
    const noToken = mlo(['features', 'serve', '--port', '0', '--token-env', 'MLO_NO_SUCH_VAR'], {
      cwd: dir,
    });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toBe(
      'error: --token-env MLO_NO_SUCH_VAR: that environment variable is not set or empty\nhint: export MLO_NO_SUCH_VAR=<token> before starting the server\n',
    );
  });
});
