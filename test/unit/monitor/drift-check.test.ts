/**
 * The library API other capabilities call: baselines from files and tables, checks
 * against in-memory tables (validation's expect_no_drift_from_baseline), the store
 * round trip, history, severity and ordering — against a real SQLite file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tableFromRecords } from '../../../src/io/index.js';
import {
  checkDrift,
  createBaseline,
  driftHistory,
  findBaseline,
  getDriftReport,
  listBaselines,
  measureModelDrift,
  parseDriftConfig,
  prepareBaseline,
  removeBaseline,
  severityOf,
  showBaseline,
  storeBaseline,
} from '../../../src/monitor/index.js';
import { runColumnTasks } from '../../../src/monitor/engine.js';
import { profileNumeric, profileCategorical } from '../../../src/monitor/profile/index.js';
import { initRepo, openRepo, type Repo } from '../../../src/repo/index.js';
import { normals, numbersIn, rng } from './helpers.js';

const dirs: string[] = [];
const repos: Repo[] = [];
afterEach(() => {
  repos.splice(0).forEach((r) => r.close());
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function repoWith(files: Record<string, string> = {}): Repo {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-drift-'));
  dirs.push(dir);
  initRepo(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const repo = openRepo(dir);
  repos.push(repo);
  return repo;
}

/** n rows of x ~ N(shift, 1), k = one of a/b/c (skewed when `skew`), flag. */
function records(n: number, seed: number, shift = 0, skew = false): Record<string, unknown>[] {
  const xs = normals(n, seed, shift, 1);
  const r = rng(seed + 1);
  return Array.from({ length: n }, (_, i) => ({
    x: Math.round(xs[i] * 1e4) / 1e4,
    k: skew ? (r() < 0.6 ? 'a' : r() < 0.5 ? 'b' : 'c') : ['a', 'b', 'c'][Math.floor(r() * 3)],
    flag: r() < 0.5,
  }));
}

function csvOf(rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0]);
  return (
    cols.join(',') +
    '\n' +
    rows.map((r) => cols.map((c) => String(r[c])).join(',')).join('\n') +
    '\n'
  );
}

describe('baselines through the library', () => {
  it('create, find by name and by model version, list, show, remove', async () => {
    const repo = repoWith({ 'ref.csv': csvOf(records(500, 1)) });
    const b = await createBaseline(repo, { name: 'ref', data: 'ref.csv', cwd: repo.root });
    expect(b.columns.map((c) => [c.name, c.kind])).toEqual([
      ['x', 'numeric'],
      ['k', 'categorical'],
      ['flag', 'categorical'],
    ]);
    const m = await createBaseline(repo, {
      data: join(repo.root, 'ref.csv'),
      model: { name: 'churn', version: 2 },
    });
    expect(m.name).toBe('churn@2');
    expect(findBaseline(repo, { name: 'ref' })?.model).toBeNull();
    expect(findBaseline(repo, { model: { name: 'churn', version: 2 } })?.name).toBe('churn@2');
    expect(findBaseline(repo, { model: { name: 'churn', version: 3 } })).toBeUndefined();
    expect(listBaselines(repo).map((x) => [x.name, x.columns])).toEqual([
      ['churn@2', 3],
      ['ref', 3],
    ]);
    // the stored profile reads back to the same summaries
    expect(showBaseline(repo, { name: 'ref' }).columns).toEqual(b.columns);
    expect(removeBaseline(repo, 'ref')).toEqual({ name: 'ref', reports: 0 });
    expect(() => removeBaseline(repo, 'ref')).toThrow(/no baseline "ref"/);
  });

  it('prepare writes nothing; store ties it to a model version, once', async () => {
    const repo = repoWith({ 'ref.csv': csvOf(records(300, 2)) });
    const prepared = await prepareBaseline(repo, { data: 'ref.csv', cwd: repo.root });
    expect(listBaselines(repo)).toEqual([]);
    storeBaseline(repo, prepared, { model: { name: 'm', version: 1 } });
    expect(() => storeBaseline(repo, prepared, { model: { name: 'm', version: 1 } })).toThrow(
      /baseline "m@1" exists/,
    );
    storeBaseline(repo, prepared, { name: 'other', model: { name: 'm', version: 1 }, force: true });
    expect(listBaselines(repo).map((b) => b.name)).toEqual(['other']);
  });
});

describe('checkDrift', () => {
  it('takes an in-memory table, scores it like a file, and can leave history alone', async () => {
    const repo = repoWith({
      'ref.csv': csvOf(records(2000, 3)),
      'cur.csv': csvOf(records(1500, 4, 0.8, true)),
    });
    await createBaseline(repo, { name: 'ref', data: 'ref.csv', cwd: repo.root });
    const fromFile = await checkDrift(repo, { baseline: 'ref', data: 'cur.csv', cwd: repo.root });
    const table = tableFromRecords(records(1500, 4, 0.8, true), { source: 'cur.csv' });
    const fromTable = await checkDrift(repo, { baseline: 'ref', table, save: false });
    const strip = (r: typeof fromFile.report) => ({
      ...r,
      created_at: 0,
      id: null,
      current: { ...r.current, source_hash: null },
    });
    expect(strip(fromTable.report)).toEqual(strip(fromFile.report));
    expect(fromTable.report.id).toBeNull();
    expect(fromFile.report.id).toEqual(expect.any(Number));
    expect(driftHistory(repo, 'ref').reports).toHaveLength(1);
    expect(getDriftReport(repo, fromFile.report.id!)).toEqual(fromFile.report);
    const byName = Object.fromEntries(fromFile.report.columns.map((c) => [c.column, c]));
    expect(byName.x.drifted).toBe(true);
    expect(byName.k.drifted).toBe(true);
    expect(fromFile.report.columns[2].column).toBe('flag');
    expect(numbersIn(fromFile).every(Number.isFinite)).toBe(true);
  });

  it('uses the config it is given: test, threshold and share', async () => {
    const repo = repoWith({ 'ref.csv': csvOf(records(2000, 5)) });
    await createBaseline(repo, { name: 'ref', data: 'ref.csv', cwd: repo.root });
    const table = tableFromRecords(records(1000, 6, 0.05));
    const config = parseDriftConfig(
      'drift:\n  share: 0.2\n  columns:\n    x: {test: psi, threshold: 0.0001}\n',
    );
    const r = await checkDrift(repo, { baseline: 'ref', table, config, save: false });
    const x = r.report.columns.find((c) => c.column === 'x')!;
    expect(x.test).toBe('psi');
    expect(x.score).toBe(x.stats.psi);
    expect(x.drifted).toBe(x.stats.psi! >= 0.0001);
    expect(r.report.share_threshold).toBe(0.2);
    expect(r.report.dataset_drift).toBe(r.report.drift_share >= 0.2);
    // a z-test forced on a 3-category column cannot score it: reported, not thrown
    const z = await checkDrift(repo, {
      baseline: 'ref',
      table,
      config: parseDriftConfig('drift:\n  columns:\n    k: {test: z}\n'),
      save: false,
    });
    const k = z.report.columns.find((c) => c.column === 'k')!;
    expect(k.status).toBe('error');
    expect(k.message).toMatch(/at most 2 distinct values/);
    expect(k.score).toBeNull();
  });

  it('refuses what cannot be a check', async () => {
    const repo = repoWith({ 'ref.csv': csvOf(records(100, 7)) });
    await createBaseline(repo, { name: 'ref', data: 'ref.csv', cwd: repo.root });
    const table = tableFromRecords(records(10, 8));
    await expect(checkDrift(repo, { baseline: 'ref' })).rejects.toThrow(/exactly one of --data/);
    await expect(checkDrift(repo, { table })).rejects.toThrow(/--baseline NAME or --model REF/);
    await expect(checkDrift(repo, { baseline: 'ref', table, share: 2 })).rejects.toThrow(
      /between 0 and 1/,
    );
    await expect(checkDrift(repo, { baseline: 'nope', table })).rejects.toThrow(
      /no baseline "nope"/,
    );
  });
});

describe('measureModelDrift (the drift_share gate)', () => {
  it('measures the data against the version baseline, or says why it cannot', async () => {
    const repo = repoWith({
      'ref.csv': csvOf(records(1500, 10)),
      'holdout.csv': csvOf(records(800, 11, 1, true)),
    });
    const model = { name: 'churn', version: 4 };
    const none = await measureModelDrift(repo, { model, data: 'holdout.csv', cwd: repo.root });
    expect(none.share).toBeNull();
    expect(none.reason).toMatch(/churn@4 has no drift baseline/);
    await createBaseline(repo, { data: 'ref.csv', cwd: repo.root, model });
    const m = await measureModelDrift(repo, { model, data: 'holdout.csv', cwd: repo.root });
    expect(m.share).toBe(m.report!.drift_share);
    expect(m.share).toBeCloseTo(2 / 3, 12); // x and k moved, flag did not
    expect(driftHistory(repo, 'churn@4').reports).toHaveLength(1);
  });
});

describe('runColumnTasks (one thread)', () => {
  it('profiles each column as the profilers would on the whole column', async () => {
    const recs = records(5000, 9);
    const table = tableFromRecords(recs);
    const half = (from: number, to: number) => tableFromRecords(recs.slice(from, to)).batch;
    const plan = (
      name: string,
      kind: 'numeric' | 'categorical',
      readKind: 'number' | 'category',
    ) => ({
      plan: {
        name,
        kind,
        role: 'feature' as const,
        readKind,
        kindSource: 'inferred' as const,
        dropIfHighCardinality: false,
      },
    });
    const tasks = [plan('x', 'numeric', 'number'), plan('k', 'categorical', 'category')];
    const { rows, results, hash } = await runColumnTasks(
      [half(0, 2500), half(2500, 5000)],
      [0, 1],
      tasks,
      { parallel: false },
    );
    expect(rows).toBe(5000);
    expect(hash).toBeNull();
    const x = table.batch.columns[0] as { values: Float64Array };
    expect(results[0].profile).toMatchObject({
      count: profileNumeric(x.values).count,
      values: profileNumeric(x.values).values,
    });
    const k = table.batch.columns[1] as { codes: Int32Array; dictionary: readonly string[] };
    const cat = profileCategorical(k);
    expect(results[1].profile).toMatchObject({ categories: cat.categories, counts: cat.counts });
  });
});

describe('severity', () => {
  it('is none without drift, else graded by PSI', () => {
    expect(severityOf(false, 5)).toBe('none');
    expect(severityOf(true, null)).toBe('low');
    expect(severityOf(true, 0.05)).toBe('low');
    expect(severityOf(true, 0.1)).toBe('medium');
    expect(severityOf(true, 0.2499)).toBe('medium');
    expect(severityOf(true, 0.25)).toBe('high');
  });
});
