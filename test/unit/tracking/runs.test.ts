import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MloError,
  compareRuns,
  deleteRuns,
  getRun,
  listRuns,
  listRunsJson,
  metricHistory,
  startRun,
  type ParamValue,
  type Repo,
} from '../../../src/index.js';
import { tempRepo } from './temp-repo.js';

async function run(
  repo: Repo,
  name: string,
  values: {
    params?: Record<string, ParamValue>;
    metrics?: Record<string, number>;
    tags?: Record<string, string>;
  },
  status: 'finished' | 'failed' = 'finished',
): Promise<string> {
  const r = await startRun(repo, {
    name,
    git: false,
    attach: false,
    params: values.params,
    tags: values.tags,
  });
  for (const [k, v] of Object.entries(values.metrics ?? {})) r.logMetric(k, v);
  await r.end(status);
  return r.id;
}

const names = (repo: Repo, filter: string): string[] =>
  listRuns(repo, { filter, sort: 'name' }).runs.map((r) => r.name);

describe('runs through the Node API', () => {
  it('records params, metric series, tags and status; latest is the highest step', async () => {
    const repo = tempRepo();
    const r = await startRun(repo, {
      name: 'a',
      experiment: 'exp1',
      git: false,
      attach: false,
      params: { lr: 0.01, layers: [64, 32] },
    });
    r.logMetric('loss', 0.9, 0);
    r.logMetric('loss', 0.1, 5);
    r.logMetric('loss', 0.5, 2); // logged late, lower step: not the latest
    r.logMetrics({ acc: 0.7, f1: NaN });
    r.setTags({ team: 'vision' });
    await r.end();
    const d = getRun(repo, r.id);
    expect(d.status).toBe('finished');
    expect(d.experiment).toBe('exp1');
    expect(d.params).toEqual({ lr: '0.01', layers: '[64,32]' });
    expect(d.metrics).toEqual({ acc: 0.7, f1: null, loss: 0.1 });
    expect(d.latest.loss).toMatchObject({ value: 0.1, step: 5 });
    expect(d.tags).toEqual({ team: 'vision' });
    expect(d.end).not.toBeNull();
    expect(metricHistory(repo, r.id, 'loss').points.map((p) => [p.step, p.value])).toEqual([
      [0, 0.9],
      [2, 0.5],
      [5, 0.1],
    ]);
  });

  it('gives points without a step the next step of their series', async () => {
    const repo = tempRepo();
    const r = await startRun(repo, { git: false, attach: false });
    for (const v of [3, 2, 1]) r.logMetric('x', v);
    r.logMetric('x', 9, 10);
    r.logMetric('x', 8);
    await r.end();
    expect(metricHistory(repo, r.id, 'x').points.map((p) => p.step)).toEqual([0, 1, 2, 10, 11]);
  });

  it('keeps every point of a long loop (flushes in batches, nothing lost)', async () => {
    const repo = tempRepo();
    const r = await startRun(repo, { git: false, attach: false });
    const n = 50_123; // more than two flush batches
    for (let i = 0; i < n; i++) r.logMetric('loss', 1 / (i + 1), i);
    await r.end();
    const h = metricHistory(repo, r.id, 'loss');
    expect(h.points).toHaveLength(n);
    expect(h.points[n - 1]).toMatchObject({ step: n - 1, value: 1 / n });
    expect(getRun(repo, r.id).metrics.loss).toBe(1 / n);
  });

  it('attaches to an existing run by id prefix and does not end it', async () => {
    const repo = tempRepo();
    const parent = await startRun(repo, { name: 'parent', git: false, attach: false });
    const child = await startRun(repo, { attach: parent.id.slice(0, 6) });
    expect(child.attached).toBe(true);
    expect(child.id).toBe(parent.id);
    child.logMetric('m', 1);
    await child.end('failed');
    expect(getRun(repo, parent.id).status).toBe('running');
    expect(getRun(repo, parent.id).metrics).toEqual({ m: 1 });
    await parent.end();
    expect(getRun(repo, parent.id).status).toBe('finished');
  });

  it('refuses bad keys and values with a usage error, before creating anything', async () => {
    const repo = tempRepo();
    await expect(startRun(repo, { git: false, attach: false, params: { '': 1 } })).rejects.toThrow(
      MloError,
    );
    expect(listRuns(repo).total).toBe(0);
    const r = await startRun(repo, { git: false, attach: false });
    expect(() => r.logMetric('a\nb', 1)).toThrow(/control characters/);
    expect(() => r.logMetric('a', 'x' as unknown as number)).toThrow(/must be a number/);
    expect(() => r.logMetric('a', 1, 1.5)).toThrow(/integer/);
    await r.end();
    expect(() => r.logMetric('a', 1)).toThrow(/has ended/);
  });

  it('caches an artifact and keeps it alive for gc', async () => {
    const repo = tempRepo();
    writeFileSync(join(repo.root, 'model.bin'), 'weights');
    const r = await startRun(repo, { git: false, attach: false });
    const a = await r.logArtifact(join(repo.root, 'model.bin'));
    await r.end();
    expect(a).toMatchObject({ name: 'model.bin', size: 7, type: 'file' });
    expect(getRun(repo, r.id).artifacts).toEqual([a]);
    const refs = repo.store.db
      .prepare("SELECT hash FROM object_refs WHERE kind = 'run' AND owner = ?")
      .pluck()
      .all(r.id);
    expect(refs).toEqual([a.hash]);
    deleteRuns(repo, [r.id]);
    expect(repo.store.db.prepare('SELECT COUNT(*) FROM object_refs').pluck().get()).toBe(0);
    expect(repo.store.db.prepare('SELECT COUNT(*) FROM run_metric_chunks').pluck().get()).toBe(0);
  });
});

describe('finding runs', () => {
  async function fixture(): Promise<Repo> {
    const repo = tempRepo();
    await run(repo, 'rf1', {
      params: { model: 'rf', depth: 3 },
      metrics: { f1: 0.9 },
      tags: { team: 'a' },
    });
    await run(repo, 'rf2', {
      params: { model: 'rf', depth: 10 },
      metrics: { f1: 0.7 },
      tags: { team: 'b' },
    });
    await run(repo, 'svm', { params: { model: 'svm', depth: 3.0 }, metrics: { f1: 0.85 } });
    await run(repo, 'lr', { params: { model: 'lr' }, metrics: { f1: 0.6 } }, 'failed');
    await run(repo, 'Tree-x', { params: { model: 'tree_x' } });
    return repo;
  }

  it('filters with and/or/parentheses/in/like/not', async () => {
    const repo = await fixture();
    expect(names(repo, "metrics.f1 > 0.8 and params.model = 'rf'")).toEqual(['rf1']);
    expect(names(repo, "metrics.f1 > 0.8 or status = 'failed'")).toEqual(['lr', 'rf1', 'svm']);
    expect(
      names(repo, "(params.model = 'rf' or params.model = 'svm') and metrics.f1 < 0.88"),
    ).toEqual(['rf2', 'svm']);
    expect(names(repo, "params.model in ('svm', 'lr')")).toEqual(['lr', 'svm']);
    expect(names(repo, "params.model not in ('svm', 'lr')")).toEqual(['Tree-x', 'rf1', 'rf2']);
    expect(names(repo, "name like 'rf%'")).toEqual(['rf1', 'rf2']);
    expect(names(repo, "name like 'tree%'")).toEqual([]); // like is case-sensitive
    expect(names(repo, "name ilike 'tree%'")).toEqual(['Tree-x']);
    expect(names(repo, "params.model like 'tree\\_%'")).toEqual(['Tree-x']);
    expect(names(repo, "params.model like 'tree_x'")).toEqual(['Tree-x']);
    expect(names(repo, "not params.model = 'rf'")).toEqual(['Tree-x', 'lr', 'svm']);
  });

  it('compares numeric params as numbers and skips runs without the key', async () => {
    const repo = await fixture();
    expect(names(repo, 'params.depth > 3')).toEqual(['rf2']); // '10' > 3 numerically
    expect(names(repo, 'params.depth = 3')).toEqual(['rf1', 'svm']); // '3' and 3.0
    expect(names(repo, "tags.team != 'a'")).toEqual(['rf2']); // runs without the tag do not match
    expect(names(repo, 'metrics.f1 is null')).toEqual(['Tree-x']);
  });

  it('sorts by a metric with missing values last, limits, and counts the total', async () => {
    const repo = await fixture();
    const desc = listRuns(repo, { sort: 'metrics.f1:desc' }).runs.map((r) => r.name);
    expect(desc).toEqual(['rf1', 'svm', 'rf2', 'lr', 'Tree-x']);
    const asc = listRuns(repo, { sort: 'metrics.f1:asc' }).runs.map((r) => r.name);
    expect(asc).toEqual(['lr', 'rf2', 'svm', 'rf1', 'Tree-x']);
    const limited = listRuns(repo, { sort: 'metrics.f1:desc', limit: 2, filter: 'metrics.f1 > 0' });
    expect(limited.runs.map((r) => r.name)).toEqual(['rf1', 'svm']);
    expect(limited.total).toBe(4);
    // default order: newest first
    expect(listRuns(repo).runs[0].name).toBe('Tree-x');
  });

  it('prints the listing as the JSON of its runs, escaping names as JSON.stringify does', async () => {
    const repo = tempRepo();
    const odd = ['quote " back \\ slash', 'é ü 😀 </x> \u00a0 ∑', 'plain'];
    for (const [i, name] of odd.entries()) {
      await run(repo, name, { params: { p: `v${i}` }, metrics: { m: i + 0.5 }, tags: { t: 'x' } });
    }
    const live = await startRun(repo, {
      name: 'still "running"',
      experiment: 'ëx',
      git: false,
      attach: false,
    });
    type Runs = ReturnType<typeof listRuns>['runs'];
    const expected = (runs: Runs): string => JSON.stringify({ runs });
    const parsed = (text: string): Runs => (JSON.parse(text) as { runs: Runs }).runs;
    // unlimited listings parse the store's JSON; limited ones read columns: same runs
    expect(listRuns(repo).runs).toEqual(listRuns(repo, { limit: 10 }).runs);
    expect(listRunsJson(repo).toString()).toBe(expected(listRuns(repo, { limit: 10 }).runs));
    expect(parsed(listRunsJson(repo).toString())[0]).toMatchObject({
      name: 'still "running"',
      end: null,
    });
    const query = { filter: 'metrics.m > 1', sort: 'metrics.m:asc', limit: 1 };
    expect(listRunsJson(repo, query).toString()).toBe(expected(listRuns(repo, query).runs));
    expect(parsed(listRunsJson(repo, query).toString()).map((r) => r.name)).toEqual([odd[1]]);
    expect(listRunsJson(repo, { filter: "name = 'none'" }).toString()).toBe('{"runs":[]}');
    await live.end();
  });

  it('resolves unique id prefixes, names, and reports ambiguity', async () => {
    const repo = await fixture();
    const all = listRuns(repo).runs;
    const id = all[0].id;
    expect(getRun(repo, id.slice(0, 5)).id).toBe(id);
    expect(getRun(repo, id.toUpperCase().slice(0, 8)).id).toBe(id);
    expect(getRun(repo, 'svm').name).toBe('svm');
    expect(() => getRun(repo, 'nope')).toThrow(/no run matches nope/);
  });

  it('reports an ambiguous prefix with the candidates', async () => {
    const repo = tempRepo();
    // 17 ids over 16 hex digits: two must share their first digit
    for (let i = 0; i < 17; i++) await run(repo, `r${i}`, {});
    const ids = listRuns(repo).runs.map((r) => r.id);
    const first = ids.map((id) => id[0]);
    const shared = first.find((c, i) => first.indexOf(c) !== i) as string;
    expect(() => getRun(repo, shared)).toThrow(/ambiguous/);
  });

  it('compares runs side by side, marking differences', async () => {
    const repo = await fixture();
    const c = compareRuns(repo, ['rf1', 'svm']);
    expect(c.params).toEqual([
      { key: 'depth', values: ['3', '3'], differs: false },
      { key: 'model', values: ['rf', 'svm'], differs: true },
    ]);
    expect(c.metrics).toEqual([{ key: 'f1', values: [0.9, 0.85], differs: true }]);
    expect(c.tags).toEqual([{ key: 'team', values: ['a', null], differs: true }]);
    expect(() => compareRuns(repo, ['rf1'])).toThrow(/at least two/);
  });

  it('refuses to delete a running run without force', async () => {
    const repo = tempRepo();
    const r = await startRun(repo, { name: 'live', git: false, attach: false });
    expect(() => deleteRuns(repo, [r.id])).toThrow(/still running/);
    expect(deleteRuns(repo, [r.id], { force: true }).deleted).toEqual([r.id]);
    expect(listRuns(repo).total).toBe(0);
  });
});
