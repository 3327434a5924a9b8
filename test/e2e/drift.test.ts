/**
 * `mlo baseline create` + `mlo drift check` end to end: the built CLI against scipy's
 * numbers on the same CSV files (test/fixtures/drift/e2e, with NaN, inf, empty cells,
 * text in a number column and unseen categories), the table, exit codes, mlo.yaml
 * overrides and every bad-input case of the issue (the HTML report: drift-html.test.ts).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { parquetWriteFile } from 'hyparquet-writer';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, mlo, parseJson, writeTree } from '../helpers/cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/drift/e2e');

interface ExpectedColumn {
  kind: 'numeric' | 'categorical';
  test: string;
  score: number;
  stats: Record<string, number>;
  count_ref: number;
  count_cur: number;
}
type Expected = Record<'large' | 'small', Record<string, ExpectedColumn>>;
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Expected;

interface ColumnJson {
  column: string;
  kind: string;
  test: string;
  score: number | null;
  threshold: number;
  drifted: boolean;
  stats: Record<string, number | null>;
  severity: string | null;
  status: string;
  role: string;
  reference: { count: number; nulls: number };
  current: { count: number; nulls: number };
  unseen?: { count: number; examples: string[] };
}
interface ReportJson {
  dataset_drift: boolean;
  drift_share: number;
  columns: ColumnJson[];
  share_threshold: number;
  drifted_columns: number;
  checked_columns: number;
  warnings: string[];
  id: number | null;
  current: { rows: number; issues?: unknown[] };
}

/** The tolerances of the issue: KS statistic, Wasserstein, JS to 1e-9; p-values to 1e-6. */
const TOLERANCE: Record<string, number> = {
  ks_statistic: 1e-9,
  ks_pvalue: 1e-6,
  wasserstein: 1e-9,
  wasserstein_norm: 1e-9,
  psi: 1e-9,
  chi2_pvalue: 1e-6,
  js_distance: 1e-9,
};

function close(actual: number | null, want: number, tol: number): boolean {
  return actual !== null && Math.abs(actual - want) <= tol * Math.max(1, Math.abs(want));
}

function repoWithFixtures(): string {
  const dir = makeRepo();
  for (const f of ['large_ref.csv', 'large_cur.csv', 'small_ref.csv', 'small_cur.csv']) {
    copyFileSync(join(FIXTURES, f), join(dir, f));
  }
  return dir;
}

function hasNaN(text: string): boolean {
  return /\bNaN\b|Infinity/.test(text);
}

describe('mlo drift check against scipy', () => {
  for (const size of ['large', 'small'] as const) {
    it(`${size}: every statistic of every column matches scipy on the same files`, () => {
      const dir = repoWithFixtures();
      const b = mlo(
        ['baseline', 'create', size, '--data', `${size}_ref.csv`, '--target', 'churned'],
        {
          cwd: dir,
        },
      );
      expect(b.code, b.stderr).toBe(0);
      const r = mlo(['drift', 'check', '--baseline', size, '--data', `${size}_cur.csv`, '--json'], {
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(hasNaN(r.stdout)).toBe(false);
      const report = parseJson<ReportJson>(r);
      expect(report.columns.map((c) => c.column).sort()).toEqual(
        Object.keys(expected[size]).sort(),
      );
      for (const c of report.columns) {
        const e = expected[size][c.column];
        expect(c.kind, c.column).toBe(e.kind);
        expect(c.test, c.column).toBe(e.test);
        expect(c.reference.count, c.column).toBe(e.count_ref);
        expect(c.current.count, c.column).toBe(e.count_cur);
        expect(Object.keys(c.stats).sort(), c.column).toEqual(Object.keys(e.stats).sort());
        for (const [k, want] of Object.entries(e.stats)) {
          expect(
            close(c.stats[k], want, TOLERANCE[k]),
            `${c.column}.${k}: ${c.stats[k]} vs ${want}`,
          ).toBe(true);
        }
        const scoreTol = c.test === 'ks' || c.test === 'chisquare' || c.test === 'z' ? 1e-6 : 1e-9;
        expect(close(c.score, e.score, scoreTol), `${c.column} score`).toBe(true);
        const pvalue = ['ks', 'chisquare', 'z'].includes(c.test);
        expect(c.drifted, c.column).toBe(pvalue ? e.score < c.threshold : e.score >= c.threshold);
      }
      // the issue's JSON shape, key by key
      const keys = ['column', 'kind', 'test', 'score', 'threshold', 'drifted', 'stats'];
      for (const c of report.columns) for (const k of keys) expect(c).toHaveProperty(k);
      const drifted = report.columns.filter((c) => c.drifted).length;
      expect(report.drift_share).toBeCloseTo(drifted / report.columns.length, 12);
      expect(report.dataset_drift).toBe(drifted / report.columns.length >= 0.5);
    });
  }

  it('reports text in a number column and unseen categories as warnings, counted as nulls', () => {
    const dir = repoWithFixtures();
    mlo(['baseline', 'create', 'b', '--data', 'small_ref.csv'], { cwd: dir });
    const r = mlo(['drift', 'check', '--baseline', 'b', '--data', 'small_cur.csv', '--json'], {
      cwd: dir,
    });
    const report = parseJson<ReportJson>(r);
    const plan = report.columns.find((c) => c.column === 'plan')!;
    expect(plan.unseen).toEqual({ count: 1, examples: ['trial'] });
    expect(report.warnings.some((w) => /"amount".*"abc".*row 4/.test(w))).toBe(true);
    expect(report.warnings.some((w) => /"plan".*never seen.*"trial"/.test(w))).toBe(true);
  });
});

describe('mlo drift check: table, exit codes and configuration', () => {
  it('prints a table with severity, drifted columns first, and the dataset verdict', () => {
    const dir = repoWithFixtures();
    mlo(['baseline', 'create', 'b', '--data', 'large_ref.csv', '--target', 'churned'], {
      cwd: dir,
    });
    const r = mlo(['drift', 'check', '--baseline', 'b', '--data', 'large_cur.csv'], { cwd: dir });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) =>
      /^column\s+kind\s+test\s+score\s+threshold\s+drifted\s+severity/.test(l),
    );
    expect(header).toBeGreaterThan(-1);
    const rows = lines.slice(header + 1, header + 5).map((l) => l.trim().split(/\s+/));
    // expected.json: amount (W/std 0.52), plan (JS 0.37), churned (JS 0.108) drift; visits does not
    expect(
      rows
        .map((r) => r[0])
        .slice(0, 3)
        .sort(),
    ).toEqual(['amount', 'churned', 'plan']);
    expect(rows[3][0]).toBe('visits');
    expect(rows.slice(0, 3).every((r) => r[6] === 'yes')).toBe(true);
    expect(rows.slice(0, 3).every((r) => ['low', 'medium', 'high'].includes(r[7]))).toBe(true);
    expect(rows[3].slice(6)).toEqual(['no', 'none']);
    expect(r.stdout).toMatch(/dataset drift: yes — 3 of 4 columns drifted/);
    expect(hasNaN(r.stdout)).toBe(false);
  });

  it('exits 1 on dataset drift only with --fail-on-drift or drift.fail', () => {
    const dir = repoWithFixtures();
    mlo(['baseline', 'create', 'b', '--data', 'large_ref.csv'], { cwd: dir });
    const check = (...extra: string[]) =>
      mlo(['drift', 'check', '--baseline', 'b', '--data', 'large_cur.csv', ...extra], { cwd: dir });
    expect(check().code).toBe(0);
    expect(check('--fail-on-drift').code).toBe(1);
    // same data as the reference: no drift, exit 0 even when asked to fail
    expect(
      mlo(['drift', 'check', '--baseline', 'b', '--data', 'large_ref.csv', '--fail-on-drift'], {
        cwd: dir,
      }).code,
    ).toBe(0);
    writeTree(dir, { 'mlo.yaml': 'stages: {}\ndrift:\n  fail: true\n' });
    expect(check().code).toBe(1);
    expect(check('--json').code).toBe(1);
  });

  it('applies per-column test and threshold overrides and the share from mlo.yaml', () => {
    const dir = repoWithFixtures();
    mlo(['baseline', 'create', 'b', '--data', 'large_ref.csv'], { cwd: dir });
    writeTree(dir, {
      'mlo.yaml': [
        'drift:',
        '  share: 0.8',
        '  columns:',
        '    amount: {test: ks, threshold: 0.01}',
        '    plan: {threshold: 0.5}',
        '    visits: {test: psi}',
      ].join('\n'),
    });
    const r = mlo(['drift', 'check', '--baseline', 'b', '--data', 'large_cur.csv', '--json'], {
      cwd: dir,
    });
    const report = parseJson<ReportJson>(r);
    const col = (n: string) => report.columns.find((c) => c.column === n)!;
    const e = expected.large;
    expect(col('amount').test).toBe('ks');
    expect(col('amount').threshold).toBe(0.01);
    expect(close(col('amount').score, e.amount.stats.ks_pvalue, 1e-6)).toBe(true);
    expect(col('plan').test).toBe('jensenshannon');
    expect(col('plan').threshold).toBe(0.5);
    expect(col('plan').drifted).toBe(e.plan.score >= 0.5);
    expect(col('visits').test).toBe('psi');
    expect(close(col('visits').score, e.visits.stats.psi, 1e-9)).toBe(true);
    expect(report.share_threshold).toBe(0.8);
    const drifted = report.columns.filter((c) => c.drifted).length;
    expect(report.dataset_drift).toBe(drifted / 4 >= 0.8);
    // --share wins over the file
    const s = parseJson<ReportJson>(
      mlo(
        [
          'drift',
          'check',
          '--baseline',
          'b',
          '--data',
          'large_cur.csv',
          '--json',
          '--share',
          '0.1',
        ],
        {
          cwd: dir,
        },
      ),
    );
    expect(s.share_threshold).toBe(0.1);
    expect(s.dataset_drift).toBe(true);
  });

  it('refuses a malformed drift section with file:line:col, and a test that does not fit', () => {
    const dir = repoWithFixtures();
    mlo(['baseline', 'create', 'b', '--data', 'small_ref.csv'], { cwd: dir });
    writeTree(dir, { 'mlo.yaml': 'drift:\n  share: 2\n' });
    const bad = mlo(['drift', 'check', '--baseline', 'b', '--data', 'small_cur.csv'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: mlo\.yaml:2:10: drift\.share: /m);
    writeTree(dir, { 'mlo.yaml': 'drift:\n  columns:\n    plan: {test: ks}\n' });
    const wrong = mlo(['drift', 'check', '--baseline', 'b', '--data', 'small_cur.csv'], {
      cwd: dir,
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/drift\.columns\.plan\.test: "ks" does not apply to categorical/);
    writeTree(dir, { 'mlo.yaml': 'drift:\n  columns:\n    amount: {tset: ks}\n' });
    const typo = mlo(['drift', 'check', '--baseline', 'b', '--data', 'small_cur.csv'], {
      cwd: dir,
    });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/mlo\.yaml:3:14: drift\.columns\.amount\.tset/);
  });

  it('checks flags: one baseline source, one data source, --since only with --predictions', () => {
    const dir = repoWithFixtures();
    const cases = [
      ['drift', 'check', '--data', 'small_cur.csv'],
      ['drift', 'check', '--baseline', 'b', '--model', 'm@1', '--data', 'small_cur.csv'],
      ['drift', 'check', '--baseline', 'b'],
      ['drift', 'check', '--baseline', 'b', '--data', 'x.csv', '--predictions'],
      ['drift', 'check', '--baseline', 'b', '--data', 'x.csv', '--since', '1h'],
      ['drift', 'check', '--baseline', 'b', '--data', 'x.csv', '--share', '1.5'],
    ];
    for (const args of cases) {
      const r = mlo(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(/^error: /);
    }
    const missing = mlo(['drift', 'check', '--baseline', 'nope', '--data', 'small_cur.csv'], {
      cwd: dir,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no baseline "nope"/);
  });
});

describe('mlo drift check: bad input is reported, never a crash, never NaN', () => {
  function badRepo(): string {
    const dir = makeRepo();
    const ref = ['x,const,allnull,color,y'];
    for (let i = 0; i < 300; i++) {
      const x = i % 50 === 0 ? 'NaN' : i % 77 === 0 ? 'inf' : String(Math.sin(i) * 10);
      ref.push(`${x},5,,${['red', 'green', 'blue'][i % 3]},${i % 2}`);
    }
    const cur = ['x,const,allnull,color'];
    for (let i = 0; i < 200; i++) {
      const x = i % 40 === 0 ? '-inf' : String(Math.cos(i) * 10 + 3);
      cur.push(`${x},${i % 2 ? 5 : 6},,${['red', 'purple', 'pink'][i % 3]}`);
    }
    writeTree(dir, {
      'ref.csv': ref.join('\n') + '\n',
      'cur.csv': cur.join('\n') + '\n',
      'nox.csv': cur.map((l) => l.slice(l.indexOf(',') + 1)).join('\n') + '\n',
      'header.csv': 'x,const,allnull,color,y\n',
      'empty.csv': '',
      'nulls.csv': 'x,const,allnull,color,y\n' + ',,,,\nNaN,inf,,,\n'.repeat(20),
    });
    const b = mlo(['baseline', 'create', 'b', '--data', 'ref.csv', '--target', 'y'], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/column "allnull" has no values/);
    return dir;
  }

  const check = (dir: string, data: string) => {
    const r = mlo(['drift', 'check', '--baseline', 'b', '--data', data, '--json'], { cwd: dir });
    const t = mlo(['drift', 'check', '--baseline', 'b', '--data', data], { cwd: dir });
    expect(hasNaN(r.stdout + t.stdout + t.stderr), data).toBe(false);
    return { r, t };
  };

  it('all-null columns, a constant reference, unseen categories, NaN and inf', () => {
    const dir = badRepo();
    const { r, t } = check(dir, 'cur.csv');
    expect(r.code).toBe(0);
    expect(t.code).toBe(0);
    const report = parseJson<ReportJson>(r);
    const col = (n: string) => report.columns.find((c) => c.column === n)!;
    // NaN and inf are nulls: 300 rows - 6 NaN - 3 inf (i = 77, 154, 231)
    expect(col('x').reference).toEqual({ count: 291, nulls: 9 });
    expect(col('x').current).toEqual({ count: 195, nulls: 5 });
    expect(col('allnull').status).toBe('no-data');
    expect(col('allnull').score).toBeNull();
    expect(col('allnull').drifted).toBe(false);
    // constant 5 in the reference, half 6 now: two values, z-test, a clear drift
    expect(col('const').test).toBe('z');
    expect(col('const').drifted).toBe(true);
    expect(col('const').severity).toBe('high');
    // most frequent first: purple 67 times, pink 66
    expect(col('color').unseen).toEqual({ count: 2, examples: ['purple', 'pink'] });
    // the target is absent from current data: skipped, not missing, and not in the share
    expect(col('y').status).toBe('skipped');
    expect(report.checked_columns).toBe(3);
    expect(report.warnings.some((w) => /"allnull".*no non-null values/.test(w))).toBe(true);
    expect(t.stdout).toMatch(/allnull\s+categorical\s+\S+\s+-\s+< 0\.05\s+no-data\s+-/);
  });

  it('a feature column missing from the current data', () => {
    const dir = badRepo();
    const { r } = check(dir, 'nox.csv');
    expect(r.code).toBe(0);
    const report = parseJson<ReportJson>(r);
    const x = report.columns.find((c) => c.column === 'x')!;
    expect(x.status).toBe('missing');
    expect(x.drifted).toBe(false);
    expect(x.stats).toEqual({
      ks_statistic: null,
      ks_pvalue: null,
      wasserstein: null,
      wasserstein_norm: null,
      psi: null,
    });
    expect(report.warnings).toContain('column "x": not in the current data');
  });

  it('a header-only file, a file of nulls, and an empty file', () => {
    const dir = badRepo();
    // zero rows checked is not a pass: exit 2 with the reason, with or without --fail-on-drift
    for (const extra of [[], ['--fail-on-drift'], ['--json']]) {
      const header = mlo(['drift', 'check', '--baseline', 'b', '--data', 'header.csv', ...extra], {
        cwd: dir,
      });
      expect(header.code, extra.join(' ')).toBe(2);
      expect(header.stdout).toBe('');
      expect(header.stderr).toMatch(
        /^error: header\.csv has no data rows: nothing was checked against baseline "b"$/m,
      );
    }
    // rows, but no column with a value: nothing checked either
    const nulls = mlo(['drift', 'check', '--baseline', 'b', '--data', 'nulls.csv'], { cwd: dir });
    expect(nulls.code).toBe(2);
    expect(nulls.stderr).toMatch(
      /^error: no column of nulls\.csv could be checked against baseline "b": x, const, allnull, color, y have no values$/m,
    );
    const empty = mlo(['drift', 'check', '--baseline', 'b', '--data', 'empty.csv'], { cwd: dir });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^error: empty\.csv: empty file/m);
    expect(empty.stderr).not.toMatch(/\n\s+at /);
    // nothing was recorded in the drift history
    const history = parseJson<{ reports: unknown[] }>(
      mlo(['drift', 'history', 'b', '--json'], { cwd: dir }),
    );
    expect(history.reports).toEqual([]);
  });

  it("a file with none of the baseline's columns is exit 2 naming the missing ones", () => {
    const dir = badRepo();
    writeTree(dir, { 'other.csv': 'a,b\n1,2\n3,4\n' });
    for (const extra of [[], ['--fail-on-drift']]) {
      const r = mlo(['drift', 'check', '--baseline', 'b', '--data', 'other.csv', ...extra], {
        cwd: dir,
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^error: other\.csv has none of the columns of baseline "b": missing x, const, allnull, color, y$/m,
      );
      expect(r.stderr).not.toMatch(/0 of 0/);
    }
  });

  it('mlo validate expect_no_drift_from_baseline does not pass on a file it could not check', () => {
    const dir = badRepo();
    writeTree(dir, {
      'other.csv': 'a,b\n1,2\n3,4\n',
      'drift.yaml': '- expect_no_drift_from_baseline: {baseline: b}\n',
    });
    for (const data of ['header.csv', 'other.csv']) {
      const r = mlo(['validate', data, '--suite', 'drift.yaml'], { cwd: dir });
      expect(r.code, data).toBe(2);
      expect(r.stdout).not.toMatch(/data is valid/);
      expect(r.stderr).toMatch(/nothing was checked|none of the columns/);
    }
  });
});

// The HTML report is tested in Chromium: test/e2e/drift-html.test.ts.

describe('mlo drift history', () => {
  it('shows the share and per-column scores of every stored check, oldest first', () => {
    const dir = repoWithFixtures();
    mlo(['baseline', 'create', 'b', '--data', 'large_ref.csv'], { cwd: dir });
    const first = parseJson<ReportJson>(
      mlo(['drift', 'check', '--baseline', 'b', '--data', 'large_ref.csv', '--json'], { cwd: dir }),
    );
    const second = parseJson<ReportJson>(
      mlo(['drift', 'check', '--baseline', 'b', '--data', 'large_cur.csv', '--json'], { cwd: dir }),
    );
    mlo(['drift', 'check', '--baseline', 'b', '--data', 'large_cur.csv', '--no-save'], {
      cwd: dir,
    });
    const h = parseJson<{
      baseline: string;
      reports: {
        id: number;
        drift_share: number;
        dataset_drift: boolean;
        source: string;
        columns: Record<string, { score: number; drifted: boolean }>;
      }[];
    }>(mlo(['drift', 'history', 'b', '--json'], { cwd: dir }));
    expect(h.reports.map((e) => e.id)).toEqual([first.id, second.id]);
    expect(h.reports.map((e) => e.drift_share)).toEqual([first.drift_share, second.drift_share]);
    expect(h.reports[1].source).toBe('large_cur.csv');
    const amount = second.columns.find((c) => c.column === 'amount')!;
    expect(h.reports[1].columns.amount.score).toBe(amount.score);
    const table = mlo(['drift', 'history', 'b'], { cwd: dir });
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    const one = mlo(['drift', 'history', 'b', '--column', 'amount'], { cwd: dir });
    expect(one.stdout).toMatch(/wasserstein/);
    expect(mlo(['drift', 'history', 'nope'], { cwd: dir }).code).toBe(2);
  });
});

describe('file formats', () => {
  it('checks JSON Lines and Parquet like the same rows as CSV, and a CSV baseline from TSV', () => {
    const dir = repoWithFixtures();
    // the small fixture's current rows, without the text cell ("abc" cannot be a Parquet double)
    const text = readFileSync(join(FIXTURES, 'small_cur.csv'), 'utf8').trim().split('\n');
    const header = text[0].split(',');
    const rows = text
      .slice(1)
      .map((l) => l.split(','))
      .filter((r) => r[0] !== 'abc');
    const num = (v: string): number | null =>
      v === '' ? null : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);
    writeFileSync(
      join(dir, 'cur.csv'),
      [header, ...rows].map((r) => r.join(',')).join('\n') + '\n',
    );
    writeFileSync(
      join(dir, 'cur.jsonl'),
      rows
        .map((r) => {
          const o = { amount: num(r[0]), visits: num(r[1]), plan: r[2], churned: num(r[3]) };
          // JSON has no NaN or inf: write them as strings, which the reader parses in number columns
          return JSON.stringify(o, (_k, v: unknown) =>
            typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
          );
        })
        .join('\n') + '\n',
    );
    parquetWriteFile({
      filename: join(dir, 'cur.parquet'),
      columnData: [
        { name: 'amount', data: rows.map((r) => num(r[0])), type: 'DOUBLE' },
        { name: 'visits', data: rows.map((r) => num(r[1])), type: 'DOUBLE' },
        { name: 'plan', data: rows.map((r) => r[2]), type: 'STRING' },
        { name: 'churned', data: rows.map((r) => num(r[3])), type: 'DOUBLE' },
      ],
    });
    writeFileSync(
      join(dir, 'ref.tsv'),
      readFileSync(join(dir, 'small_ref.csv'), 'utf8').replaceAll(',', '\t'),
    );
    expect(mlo(['baseline', 'create', 'b', '--data', 'ref.tsv'], { cwd: dir }).code).toBe(0);
    const reportOf = (file: string) => {
      const r = mlo(['drift', 'check', '--baseline', 'b', '--data', file, '--json'], { cwd: dir });
      expect(r.code, `${file}: ${r.stderr}`).toBe(0);
      return parseJson<ReportJson>(r).columns.map((c) => [c.column, c.current, c.stats]);
    };
    const csv = reportOf('cur.csv');
    expect(csv.find((c) => c[0] === 'amount')![1]).toEqual({ count: 389, nulls: 10 });
    expect(reportOf('cur.jsonl')).toEqual(csv);
    expect(reportOf('cur.parquet')).toEqual(csv);
  });
});

describe('the worker thread', () => {
  it('gives the same report as the single-threaded path on a file big enough to use it', async () => {
    const dir = makeRepo();
    // ~5 MB: above the 4 MiB threshold for the profile worker
    const lines = ['a,b,c,d,cat'];
    let s = 7;
    const rand = () => (s = (s * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 90_000; i++) {
      lines.push(
        `${rand().toFixed(6)},${(rand() * 100).toFixed(3)},${Math.floor(rand() * 7)},${i % 5 === 0 ? '' : (rand() * 1e6).toFixed(2)},${rand() < 0.3 ? 'x' : 'y'}`,
      );
    }
    writeFileSync(join(dir, 'big.csv'), lines.join('\n') + '\n');
    // MLO_PARALLEL=1: use the worker whatever the machine's load
    const env = { MLO_PARALLEL: '1' };
    expect(mlo(['baseline', 'create', 'b', '--data', 'big.csv'], { cwd: dir, env }).code).toBe(0);
    const cli = parseJson<ReportJson>(
      mlo(['drift', 'check', '--baseline', 'b', '--data', 'big.csv', '--json', '--no-save'], {
        cwd: dir,
        env,
      }),
    );
    const { openRepo, checkDrift, createBaseline, showBaseline } =
      await import('../../src/index.js');
    const repo = openRepo(dir);
    try {
      const data = join(dir, 'big.csv');
      const lib = await checkDrift(repo, { baseline: 'b', data, save: false, parallel: false });
      const strip = (r: object) => ({ ...r, created_at: 0, id: null });
      expect(strip(cli)).toEqual(strip(JSON.parse(JSON.stringify(lib.report)) as object));
      // the baseline the CLI stored (worker path) is the one built on one thread
      await createBaseline(repo, { name: 'b1', data, parallel: false });
      const cols = (name: string) => showBaseline(repo, { name }).columns;
      expect(cols('b')).toEqual(cols('b1'));
      expect(cols('b').map((c) => c.count)).toEqual([90_000, 90_000, 90_000, 72_000, 90_000]);
    } finally {
      repo.close();
    }
  });

  it("reads a CSV file on both threads with the results of one pass: CRLF, quotes or mismatches in the worker's part", async () => {
    const dir = makeRepo();
    let s = 11;
    const rand = () => (s = (s * 48271) % 2147483647) / 2147483647;
    // ~5 MB, above the size from which the file is split between the threads
    const file = (eol: string, special: (i: number) => string | null) => {
      const lines = ['a,b,cat'];
      for (let i = 0; i < 120_000; i++) {
        lines.push(
          special(i) ??
            `${rand() < 0.05 ? 'NaN' : rand().toFixed(6)},${Math.floor(rand() * 9)},${rand() < 0.3 ? 'x' : 'y'}`,
        );
      }
      return lines.join(eol) + eol;
    };
    writeFileSync(
      join(dir, 'ref.csv'),
      file('\n', () => null),
    );
    const env = { MLO_PARALLEL: '1' };
    expect(mlo(['baseline', 'create', 'b', '--data', 'ref.csv'], { cwd: dir, env }).code).toBe(0);
    const variants: Record<string, string> = {
      'crlf.csv': file('\r\n', () => null),
      // a quoted field with a line break in the worker's half
      'quoted.csv': file('\n', (i) => (i === 100_000 ? '0.5,3,"x\ny"' : null)),
      // cells that do not fit in the worker's half: reported with their one-pass row numbers
      'mismatch.csv': file('\n', (i) => (i === 90_000 || i === 110_000 ? 'oops,1,x' : null)),
    };
    const { openRepo, checkDrift } = await import('../../src/index.js');
    const repo = openRepo(dir);
    try {
      for (const [name, text] of Object.entries(variants)) {
        writeFileSync(join(dir, name), text);
        const r = mlo(
          ['drift', 'check', '--baseline', 'b', '--data', name, '--json', '--no-save'],
          {
            cwd: dir,
            env,
          },
        );
        expect(r.code, `${name}: ${r.stderr}`).toBe(0);
        const cli = parseJson<ReportJson>(r);
        const lib = await checkDrift(repo, {
          baseline: 'b',
          data: join(dir, name),
          save: false,
          parallel: false,
        });
        const strip = (x: object) => ({ ...x, created_at: 0, id: null });
        expect(strip(cli), name).toEqual(strip(JSON.parse(JSON.stringify(lib.report)) as object));
        expect(cli.current.rows, name).toBe(120_000);
        if (name === 'mismatch.csv')
          expect(cli.warnings.join('\n')).toContain(
            '2 value(s) are not number (e.g. "oops" in row 90001',
          );
      }
    } finally {
      repo.close();
    }
  });

  it('exits at once with the input error after starting the worker early', () => {
    const dir = makeRepo();
    const lines = ['a,b'];
    for (let i = 0; i < 400_000; i++) lines.push(`${i % 1000}.25,${i % 7}`);
    writeFileSync(join(dir, 'big.csv'), lines.join('\n') + '\n');
    const env = { MLO_PARALLEL: '1' };
    // the worker is started before the input is checked: the error still comes at once
    const r = mlo(['baseline', 'create', 'b', '--data', 'big.csv', '--target', 'nope'], {
      cwd: dir,
      env,
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no column "nope" (named by --target)');
    const c = mlo(['drift', 'check', '--baseline', 'none', '--data', 'big.csv'], {
      cwd: dir,
      env,
      timeoutMs: 30_000,
    });
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('no baseline "none"');
  });
});
