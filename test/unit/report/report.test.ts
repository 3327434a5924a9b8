import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  buildLinearClassifier,
  checkDrift,
  createBaseline,
  evaluateGates,
  gatherReport,
  initRepo,
  MloError,
  openRepo,
  parseGates,
  recordPromotion,
  registerModel,
  renderReportHtml,
  renderReportMarkdown,
  startRun,
  validateFile,
  type MetricChange,
  type Repo,
} from '../../../src/index.js';

/** Commit dates far from now, so "stored since the base" never depends on the clock. */
const PAST = '2001-02-03T04:05:06Z';
const FUTURE = '2099-01-01T00:00:00Z';

function git(cwd: string, args: string[], date?: string): string {
  const env = date
    ? { ...process.env, GIT_COMMITTER_DATE: date, GIT_AUTHOR_DATE: date }
    : process.env;
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

function commitAll(dir: string, message: string, date = PAST): string {
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', message], date);
  return git(dir, ['rev-parse', 'HEAD']);
}

const MLO_YAML = `stages:
  train:
    cmd: node train.js
    params: [train.lr, train.depth]
    metrics: [metrics.json]
validation:
  raw:
    - expect_column_values_to_be_between: {column: age, min_value: 0, max_value: 120}
    - expect_column_values_to_not_be_null: {column: name}
    - expect_table_row_count_to_be_between: {min_value: 1}
`;

/** A project in git: mlo.yaml, params.yaml and metrics.json committed (dated PAST) on main. */
function project(options: { git?: boolean } = {}): { dir: string; repo: Repo; base?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-report-'));
  let base: string | undefined;
  write(dir, {
    'mlo.yaml': MLO_YAML,
    'params.yaml': 'train:\n  lr: 0.1\n  depth: 3\n',
    'metrics.json': JSON.stringify({ acc: 0.8, loss: 0.5, n: 10, nested: { auc: 0.7 } }),
  });
  if (options.git !== false) {
    git(dir, ['init', '-q', '-b', 'main']);
    git(dir, ['config', 'user.name', 'Ada Tester']);
    git(dir, ['config', 'user.email', 'ada@example.com']);
    git(dir, ['config', 'commit.gpgsign', 'false']);
  }
  initRepo(dir);
  if (options.git !== false) base = commitAll(dir, 'base');
  const repo = openRepo(dir);
  onTestFinished(() => {
    repo.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, repo, base };
}

const byKey = (entries: MetricChange[], key: string): MetricChange | undefined =>
  entries.find((e) => e.key === key);

describe('gatherReport: files against the base revision', () => {
  it('diffs metrics and params of the workspace against the base commit', async () => {
    const { dir, repo, base } = project();
    write(dir, {
      'params.yaml': 'train:\n  lr: 0.05\n  depth: 3\n  seed: 7\n',
      'metrics.json': JSON.stringify({
        acc: 0.84,
        loss: 0.5,
        n: 12,
        f1: 0.6,
        nested: { auc: 0.63 },
      }),
    });
    const data = await gatherReport(repo);

    expect(data.base).toMatchObject({ available: true, commit: base, short: base?.slice(0, 7) });
    expect(data.base.available && data.base.time).toBe('2001-02-03T04:05:06.000Z');
    if (!data.metrics.available) throw new Error(data.metrics.reason);
    const m = data.metrics.entries;
    expect(byKey(m, 'acc')).toMatchObject({ old: 0.8, new: 0.84, state: 'changed' });
    expect(byKey(m, 'acc')?.change).toBeCloseTo(0.04, 12);
    expect(byKey(m, 'acc')?.relative).toBeCloseTo(0.05, 12);
    expect(byKey(m, 'n')).toMatchObject({ old: 10, new: 12, change: 2, relative: 0.2 });
    expect(byKey(m, 'nested.auc')?.change).toBeCloseTo(-0.07, 12);
    expect(byKey(m, 'nested.auc')?.relative).toBeCloseTo(-0.1, 12);
    expect(byKey(m, 'f1')).toMatchObject({ old: null, new: 0.6, state: 'added', change: null });
    expect(byKey(m, 'loss')).toMatchObject({ state: 'unchanged', change: 0 });
    // changed first, unchanged last
    expect(m[m.length - 1].key).toBe('loss');

    if (!data.params.available) throw new Error(data.params.reason);
    expect(data.params.changed).toEqual([
      { path: 'params.yaml', key: 'train.lr', old: 0.1, new: 0.05, state: 'changed' },
      { path: 'params.yaml', key: 'train.seed', new: 7, state: 'added' },
    ]);
    expect(data.params.unchanged).toBe(1);

    const md = renderReportMarkdown(data);
    const short = base?.slice(0, 7) ?? '';
    expect(md).toContain(`| File | Metric | ${short} | workspace | Change |`);
    expect(md).toContain('| `metrics.json` | `acc` | 0.8 | 0.84 | ▲ +0.04 (+5.0%) |');
    expect(md).toContain('| `metrics.json` | `n` | 10 | 12 | ▲ +2 (+20.0%) |');
    expect(md).toContain('| `metrics.json` | `nested.auc` | 0.7 | 0.63 | ▼ -0.07 (-10.0%) |');
    expect(md).toContain('| `metrics.json` | `f1` | — | 0.6 | new |');
    expect(md).toContain('<details><summary>1 unchanged metric</summary>');
    expect(md).toContain('| `params.yaml` | `train.lr` | `0.1` | `0.05` |');
    expect(md).toContain('| `params.yaml` | `train.seed` | — | `7` |');
    expect(md).toContain('1 unchanged param.');
    expect(md).toContain(`No validation results since ${short}.`);
    expect(md).toContain(`No promotion decisions since ${short}.`);
    expect(md).toContain(`No drift checks since ${short}.`);
  });

  it('compares with the merge-base of a feature branch and main, and with --since', async () => {
    const { dir, repo, base } = project();
    git(dir, ['checkout', '-q', '-b', 'feature']);
    write(dir, { 'metrics.json': JSON.stringify({ acc: 0.9, loss: 0.5, n: 10 }) });
    const onBranch = commitAll(dir, 'feature work');
    write(dir, { 'metrics.json': JSON.stringify({ acc: 0.95, loss: 0.5, n: 10 }) });

    const data = await gatherReport(repo);
    expect(data.base).toMatchObject({ available: true, how: 'merge-base', commit: base });
    expect(data.metrics.available && byKey(data.metrics.entries, 'acc')).toMatchObject({
      old: 0.8,
      new: 0.95,
    });

    const sinceBranch = await gatherReport(repo, { since: 'HEAD' });
    expect(sinceBranch.base).toMatchObject({ how: 'since', rev: 'HEAD', commit: onBranch });
    expect(
      sinceBranch.metrics.available && byKey(sinceBranch.metrics.entries, 'acc'),
    ).toMatchObject({ old: 0.9, new: 0.95 });
  });

  it('says so when there are no params on either side', async () => {
    const { dir, repo } = project();
    rmSync(join(dir, 'params.yaml'));
    const base = commitAll(dir, 'no params');
    const data = await gatherReport(repo);
    expect(data.params).toEqual({ available: true, files: [], changed: [], unchanged: 0 });
    expect(renderReportMarkdown(data)).toContain(
      `No params in the workspace or at ${base.slice(0, 7)}.`,
    );
  });

  it('refuses an unknown --since revision with a usage error naming --since', async () => {
    const { repo } = project();
    const err = await gatherReport(repo, { since: 'no-such-branch' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MloError);
    expect((err as MloError).code).toBe('USAGE');
    expect((err as MloError).message).toBe('--since no-such-branch: unknown git revision');
  });

  it('says "not a git repository" in the file sections outside git and still lists the store', async () => {
    const { dir, repo } = project({ git: false });
    write(dir, { 'data.csv': 'name,age\na,30\nb,40\n' });
    await validateFile(repo, { file: 'data.csv', suite: 'raw' });
    const data = await gatherReport(repo);
    expect(data.base).toEqual({ available: false, reason: 'not a git repository' });
    expect(data.metrics).toEqual({ available: false, reason: 'not a git repository' });
    expect(data.params).toEqual({ available: false, reason: 'not a git repository' });
    expect(data.validations).toHaveLength(1);
    const md = renderReportMarkdown(data);
    expect(md).toContain('No metrics diff: not a git repository.');
    expect(md).toContain('No params diff: not a git repository.');
    expect(md).toContain('| ✅ | `raw` | `data.csv` | 2 | 3/3 | 0 |');
  });
});

describe('gatherReport: what the store holds since the base', () => {
  it('lists the latest validation per suite and file, with its failing expectations', async () => {
    const { dir, repo } = project();
    write(dir, { 'data.csv': 'name,age\na,30\nb,40\n' });
    await validateFile(repo, { file: 'data.csv', suite: 'raw' });
    // the newer result for the same suite and file replaces the older one
    write(dir, { 'data.csv': 'name,age\na,30\n,40\nc,150\n' });
    const latest = await validateFile(repo, { file: 'data.csv', suite: 'raw' });
    const data = await gatherReport(repo);
    expect(data.validations).toHaveLength(1);
    const [v] = data.validations;
    expect(v).toMatchObject({
      id: latest.id,
      suite: 'raw',
      data: 'data.csv',
      rows: 3,
      success: false,
      evaluated: 3,
      passed: 1,
      failed: 2,
    });
    expect(v.failures.map((f) => [f.expectation, f.column])).toEqual([
      ['expect_column_values_to_be_between', 'age'],
      ['expect_column_values_to_not_be_null', 'name'],
    ]);
    const md = renderReportMarkdown(data);
    expect(md).toMatch(
      /\| ❌ \| `raw` \| `data.csv` \| 3 \| 1\/3 \| 2 \| \d{4}-\d\d-\d\d \d\d:\d\d \|/,
    );
    expect(md).toContain(
      '<details open><summary><code>raw</code> on <code>data.csv</code>: 2 failing expectations</summary>',
    );
    expect(md).toContain('- ❌ `expect_column_values_to_be_between` on `age`: ');
    expect(md).toContain('**1 of 1 validation failed**');
  });

  it('leaves out what was stored before the base commit', async () => {
    const { dir, repo } = project();
    write(dir, { 'data.csv': 'name,age\na,30\n' });
    await validateFile(repo, { file: 'data.csv', suite: 'raw' });
    const future = commitAll(dir, 'from the future', FUTURE);
    const data = await gatherReport(repo, { since: future });
    expect(data.validations).toEqual([]);
    expect(renderReportMarkdown(data)).toContain(
      `No validation results since ${future.slice(0, 7)}.`,
    );
    // against the commit before it (dated PAST) the same result counts
    expect((await gatherReport(repo, { since: 'HEAD~1' })).validations).toHaveLength(1);
  });

  it('shows the latest promotion decision per alias with every gate', async () => {
    const { dir, repo } = project();
    for (const v of [1, 2]) {
      const bytes = await buildLinearClassifier({ coefficients: [[v, -1]], intercepts: [0] });
      write(dir, { [`m${v}.onnx`]: '' });
      writeFileSync(join(dir, `m${v}.onnx`), bytes);
      await registerModel(repo, { name: 'churn', path: `m${v}.onnx` });
    }
    const gates = parseGates(['accuracy >= 0.9', 'p99_ms <= 20']);
    const failing = evaluateGates(gates, { metrics: { accuracy: 0.85, p99_ms: 12 } });
    await recordPromotion(repo, {
      name: 'churn',
      alias: 'champion',
      version: 1,
      expectedFrom: null,
      move: failing.passed,
      gates: failing.results,
    });
    let data = await gatherReport(repo);
    expect(data.promotions).toHaveLength(1);
    expect(data.promotions[0]).toMatchObject({
      model: 'churn',
      alias: 'champion',
      version: 1,
      outcome: 'rejected',
      promoted: false,
    });
    expect(data.promotions[0].gates).toEqual([
      expect.objectContaining({
        gate: 'accuracy >= 0.9',
        observed: 0.85,
        threshold: 0.9,
        passed: false,
      }),
      expect.objectContaining({ gate: 'p99_ms <= 20', observed: 12, threshold: 20, passed: true }),
    ]);
    let md = renderReportMarkdown(data);
    expect(md).toContain('**churn@champion** ← v1: ❌ rejected');
    expect(md).toContain('| `accuracy >= 0.9` | 0.85 | 0.9 | ❌ |');
    expect(md).toContain('| `p99_ms <= 20` | 12 | 20 | ✅ |');

    const passing = evaluateGates(gates, { metrics: { accuracy: 0.93, p99_ms: 9 } });
    await recordPromotion(repo, {
      name: 'churn',
      alias: 'champion',
      version: 2,
      expectedFrom: null,
      move: passing.passed,
      gates: passing.results,
    });
    data = await gatherReport(repo);
    expect(data.promotions).toHaveLength(1);
    expect(data.promotions[0]).toMatchObject({ version: 2, outcome: 'moved', promoted: true });
    md = renderReportMarkdown(data);
    expect(md).toContain('**churn@champion** ← v2: ✅ promoted');
    expect(md).toContain('| `accuracy >= 0.9` | 0.93 | 0.9 | ✅ |');
  });

  it('summarises the latest drift check per baseline with its drifted columns', async () => {
    const { dir, repo } = project();
    const rows = (from: number): string =>
      [
        'x,colour',
        ...Array.from({ length: 200 }, (_, i) => `${from + i},${i % 2 ? 'red' : 'blue'}`),
      ].join('\n') + '\n';
    write(dir, { 'ref.csv': rows(0), 'cur.csv': rows(100) });
    await createBaseline(repo, { name: 'ref', data: 'ref.csv', cwd: dir });
    const { report } = await checkDrift(repo, { baseline: 'ref', data: 'cur.csv', cwd: dir });
    const data = await gatherReport(repo);
    expect(data.drift).toHaveLength(1);
    const [d] = data.drift;
    // x moved by half its range (KS p ≪ 0.05); colour keeps the same 50/50 split
    expect(d).toMatchObject({
      baseline: 'ref',
      model: null,
      rows: 200,
      dataset_drift: true,
      drift_share: 0.5,
      drifted: ['x'],
      checked: 2,
    });
    expect(d.drift_share).toBe(report.drift_share);
    const md = renderReportMarkdown(data);
    expect(md).toMatch(
      /\| ⚠️ \| `ref` \| — \| `[^`]*cur\.csv` \| yes \| 50\.0% \(1\/2\) \| `x` \|/,
    );
  });
});

describe('gatherReport: --run', () => {
  it('compares a run with the newest finished run of its experiment and stage on the base commit', async () => {
    const { repo, base } = project();
    const make = async (
      commit: string,
      params: Record<string, number>,
      metrics: Record<string, number>,
      status: 'finished' | 'failed' = 'finished',
      stage = 'train',
    ): Promise<string> => {
      const run = await startRun(repo, {
        experiment: 'exp',
        stage,
        git: { commit },
        params,
        attach: false,
      });
      for (const [k, v] of Object.entries(metrics)) run.logMetric(k, v);
      await run.end(status);
      return run.id;
    };
    const headish = 'f'.repeat(40);
    await make(base ?? '', { lr: 0.3, depth: 3 }, { acc: 0.5 }); // older: not the newest
    const baseRun = await make(base ?? '', { lr: 0.1, depth: 3 }, { acc: 0.8, loss: 0.4 });
    await make(base ?? '', { lr: 0.9, depth: 3 }, { acc: 0.1 }, 'failed'); // not finished
    await make(base ?? '', { lr: 0.9, depth: 3 }, { acc: 0.2 }, 'finished', 'eval'); // other stage
    const mine = await make(headish, { lr: 0.05, depth: 3 }, { acc: 0.84, loss: 0.5 });

    const data = await gatherReport(repo, { run: mine.slice(0, 8) });
    const s = data.run;
    expect(s?.run).toMatchObject({ id: mine, experiment: 'exp', stage: 'train', commit: headish });
    expect(s?.base?.id).toBe(baseRun);
    expect(s?.params).toEqual([
      { key: 'depth', run: '3', base: '3', differs: false },
      { key: 'lr', run: '0.05', base: '0.1', differs: true },
    ]);
    const acc = s?.metrics.find((m) => m.key === 'acc');
    expect(acc).toMatchObject({ run: 0.84, base: 0.8 });
    expect(acc?.change).toBeCloseTo(0.04, 12);
    expect(acc?.relative).toBeCloseTo(0.05, 12);
    const md = renderReportMarkdown(data);
    expect(md).toContain('| `acc` | 0.8 | 0.84 | ▲ +0.04 (+5.0%) |');
    expect(md).toContain('| `loss` | 0.4 | 0.5 | ▲ +0.1 (+25.0%) |');
    expect(md).toContain('| `lr` | `0.1` | `0.05` |');
    expect(md).toContain('1 param the same as the base run.');
  });

  it('says why there is no base run', async () => {
    const { repo, base } = project();
    const run = await startRun(repo, {
      experiment: 'solo',
      git: { commit: 'e'.repeat(40) },
      attach: false,
    });
    run.logMetric('acc', 0.7);
    await run.end();
    const data = await gatherReport(repo, { run: run.id });
    expect(data.run?.base).toBeNull();
    expect(data.run?.baseReason).toBe(`no finished run of experiment solo on ${base?.slice(0, 7)}`);
    expect(renderReportMarkdown(data)).toContain(
      `No run to compare with: no finished run of experiment solo on ${base?.slice(0, 7)}.`,
    );
  });
});

describe('renderReportHtml', () => {
  it('is one self-contained file with the sections and escaped text', async () => {
    const { dir, repo } = project();
    write(dir, {
      'data.csv': 'name,age\na,30\n,40\n',
      'metrics.json': JSON.stringify({ acc: 0.9, loss: 0.5, n: 10, nested: { auc: 0.7 } }),
    });
    await validateFile(repo, { file: 'data.csv', suite: 'raw' });
    const html = renderReportHtml(await gatherReport(repo));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).not.toContain('<script');
    for (const title of ['Metrics', 'Params', 'Data validation', 'Promotion gates', 'Drift']) {
      expect(html).toContain(`<h2>${title}</h2>`);
    }
    expect(html).toContain('<span class="up">▲ +0.1 (+12.5%)</span>');
    expect(html).toContain('No drift checks since');
    // text from the store is escaped, never markup
    expect(html).toContain('<code>expect_column_values_to_not_be_null</code>');
    expect(html).not.toContain('<expect');
  });
});
