/** `mlo baseline create|list|show|rm` through the built CLI, and the drift settings of mlo.yaml. */
import { describe, expect, it } from 'vitest';
import { makeRepo, mlo, parseJson, writeTree } from '../helpers/cli.js';

interface ColumnInfo {
  name: string;
  kind: string;
  role: string;
  source_kind: string;
  kind_source: string;
  count: number;
  nulls: number;
  summary: Record<string, unknown>;
}
interface BaselineJson {
  name: string;
  source: string;
  source_hash: string;
  rows: number;
  target: string | null;
  prediction: string | null;
  columns: ColumnInfo[];
  skipped: { name: string; reason: string }[];
}

/** 200 rows: id (unique text), ts (datetime), zip (5 integer codes), age, city, active, label. */
function data(): string {
  const lines = ['id,ts,zip,age,city,active,label'];
  for (let i = 0; i < 1200; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    lines.push(
      [
        `user-${i}-${(i * 7919) % 10007}`,
        `2024-03-${day}T10:00:00Z`,
        [10115, 20095, 80331, 50667, 60311][i % 5],
        i % 97 === 0 ? '' : 20 + (i % 50),
        ['Berlin', 'Hamburg', 'Munich'][i % 3],
        i % 4 === 0 ? 'false' : 'true',
        i % 2,
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

describe('mlo baseline', () => {
  it('create infers kinds, skips ids and datetimes, and shows what it kept', () => {
    const dir = makeRepo();
    writeTree(dir, { 'data.csv': data() });
    const r = mlo(
      ['baseline', 'create', 'ref', '--data', 'data.csv', '--target', 'label', '--json'],
      {
        cwd: dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const b = parseJson<BaselineJson>(r);
    expect(b.rows).toBe(1200);
    expect(b.source).toBe('data.csv');
    expect(b.source_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.columns.map((c) => [c.name, c.kind, c.role])).toEqual([
      ['zip', 'numeric', 'feature'],
      ['age', 'numeric', 'feature'],
      ['city', 'categorical', 'feature'],
      ['active', 'categorical', 'feature'],
      ['label', 'numeric', 'target'],
    ]);
    expect(b.skipped.map((s) => s.name)).toEqual(['ts', 'id']);
    expect(b.skipped[1].reason).toMatch(/1200 distinct values/);
    const age = b.columns.find((c) => c.name === 'age')!;
    // i % 97 === 0 for i < 1200: 13 empty cells
    expect([age.count, age.nulls]).toEqual([1187, 13]);
    const active = b.columns.find((c) => c.name === 'active')!;
    expect(active.summary).toMatchObject({
      distinct: 2,
      top: [
        { category: 'true', count: 900 },
        { category: 'false', count: 300 },
      ],
    });
    const human = mlo(['baseline', 'create', 'ref2', '--data', 'data.csv'], { cwd: dir });
    expect(human.stdout).toMatch(
      /created baseline ref2 from data\.csv: 1,200 rows, 5 columns \(3 numeric, 2 categorical\)/,
    );
    expect(human.stderr).toMatch(/column "id" not profiled: text with 1200 distinct values/);
  });

  it('--columns, --kind and mlo.yaml drift.columns choose and override', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'data.csv': data(),
      'mlo.yaml': 'drift:\n  columns:\n    city: {skip: true}\n    ts: {kind: numeric}\n',
    });
    const r = mlo(
      ['baseline', 'create', 'b', '--data', 'data.csv', '--kind', 'zip=categorical', '--json'],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const b = parseJson<BaselineJson>(r);
    const kinds = Object.fromEntries(b.columns.map((c) => [c.name, [c.kind, c.kind_source]]));
    expect(kinds).toEqual({
      ts: ['numeric', 'override'],
      zip: ['categorical', 'override'],
      age: ['numeric', 'inferred'],
      active: ['categorical', 'inferred'],
      label: ['numeric', 'inferred'],
    });
    expect(b.skipped.map((s) => s.name).sort()).toEqual(['city', 'id']);
    const zip = b.columns.find((c) => c.name === 'zip')!;
    expect(zip.summary).toMatchObject({ distinct: 5 });

    const some = parseJson<BaselineJson>(
      mlo(
        [
          'baseline',
          'create',
          'c',
          '--data',
          'data.csv',
          '--columns',
          'age,city',
          '--prediction',
          'label',
          '--json',
        ],
        {
          cwd: dir,
        },
      ),
    );
    // named columns are kept even when mlo.yaml skips them
    expect(some.columns.map((c) => [c.name, c.role])).toEqual([
      ['age', 'feature'],
      ['city', 'feature'],
      ['label', 'prediction'],
    ]);
    expect(some.prediction).toBe('label');
  });

  it('list, show, rm, and the conflicts --force resolves', () => {
    const dir = makeRepo();
    writeTree(dir, { 'data.csv': data(), 'small.csv': 'age,city\n30,Berlin\n40,Munich\n' });
    expect(mlo(['baseline', 'list'], { cwd: dir }).stdout).toMatch(/no baselines/);
    expect(mlo(['baseline', 'create', 'b', '--data', 'data.csv'], { cwd: dir }).code).toBe(0);
    const dup = mlo(['baseline', 'create', 'b', '--data', 'small.csv'], { cwd: dir });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/baseline "b" exists \(from data\.csv/);
    expect(dup.stderr).toMatch(/hint: use --force/);
    mlo(['drift', 'check', '--baseline', 'b', '--data', 'data.csv'], { cwd: dir });
    const forced = mlo(['baseline', 'create', 'b', '--data', 'small.csv', '--force'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    mlo(['drift', 'check', '--baseline', 'b', '--data', 'small.csv'], { cwd: dir });
    const h = parseJson<{ reports: { baseline_changed: boolean }[] }>(
      mlo(['drift', 'history', 'b', '--json'], { cwd: dir }),
    );
    expect(h.reports.map((e) => e.baseline_changed)).toEqual([false, true]);

    const list = parseJson<{ baselines: { name: string; rows: number; columns: number }[] }>(
      mlo(['baseline', 'list', '--json'], { cwd: dir }),
    );
    expect(list.baselines).toEqual([expect.objectContaining({ name: 'b', rows: 2, columns: 2 })]);
    const show = mlo(['baseline', 'show', 'b'], { cwd: dir });
    expect(show.stdout).toMatch(
      /^age\s+numeric\s+feature\s+2\s+0\.0%\s+mean 35 sd 5 min 30 p50 35 max 40$/m,
    );
    expect(show.stdout).toMatch(
      /^city\s+categorical\s+feature\s+2\s+0\.0%\s+2 distinct: Berlin 50%, Munich 50%$/m,
    );

    const rm = mlo(['baseline', 'rm', 'b', '--json'], { cwd: dir });
    expect(parseJson(rm)).toEqual({ name: 'b', reports: 2 });
    expect(mlo(['baseline', 'rm', 'b'], { cwd: dir }).code).toBe(2);
    expect(mlo(['baseline', 'show', 'b'], { cwd: dir }).code).toBe(2);
    expect(mlo(['drift', 'history', 'b'], { cwd: dir }).code).toBe(2);
  });

  it('refuses bad names, kinds and columns with exit 2', () => {
    const dir = makeRepo();
    writeTree(dir, { 'data.csv': data(), 'empty.csv': '' });
    const cases: [string[], RegExp][] = [
      [['baseline', 'create', 'a b', '--data', 'data.csv'], /invalid baseline name "a b"/],
      [['baseline', 'create', 'x@1', '--data', 'data.csv'], /invalid baseline name/],
      [
        ['baseline', 'create', 'b', '--data', 'data.csv', '--kind', 'age=text'],
        /--kind expects COLUMN=numeric/,
      ],
      [
        ['baseline', 'create', 'b', '--data', 'data.csv', '--columns', 'age,nope'],
        /no column "nope"/,
      ],
      [['baseline', 'create', 'b', '--data', 'data.csv', '--target', 'nope'], /no column "nope"/],
      [
        ['baseline', 'create', 'b', '--data', 'data.csv', '--target', 'age', '--prediction', 'age'],
        /same column/,
      ],
      [['baseline', 'create', 'b', '--data', 'missing.csv'], /missing\.csv: no such file/],
      [['baseline', 'create', 'b', '--data', 'empty.csv'], /empty\.csv: empty file/],
      [['baseline', 'create', 'b'], /--data/],
      [['baseline', 'show'], /name a baseline, or give --model/],
    ];
    for (const [args, message] of cases) {
      const r = mlo(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(
      parseJson<{ baselines: unknown[] }>(mlo(['baseline', 'list', '--json'], { cwd: dir }))
        .baselines,
    ).toEqual([]);
  });
});

describe('mlo.yaml drift.test', () => {
  interface CheckJson {
    columns: { column: string; kind: string; test: string; threshold: number; status: string }[];
  }

  it("applies to every column it can score; a column's own test or threshold wins", () => {
    const dir = makeRepo();
    writeTree(dir, { 'data.csv': data() });
    expect(mlo(['baseline', 'create', 'b', '--data', 'data.csv'], { cwd: dir }).code).toBe(0);
    const tests = (yaml: string): Record<string, [string, number]> => {
      writeTree(dir, { 'mlo.yaml': yaml });
      const r = mlo(['drift', 'check', '--baseline', 'b', '--data', 'data.csv', '--json'], {
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(0);
      const report = parseJson<CheckJson>(r);
      return Object.fromEntries(report.columns.map((c) => [c.column, [c.test, c.threshold]]));
    };
    // Evidently's choice per column without settings (over 1,000 rows)
    const chosen = tests('drift: {}\n');
    expect(chosen).toMatchObject({ age: ['wasserstein', 0.1], city: ['jensenshannon', 0.1] });

    expect(tests('drift:\n  test: psi\n')).toEqual({
      zip: ['psi', 0.1],
      age: ['psi', 0.1],
      city: ['psi', 0.1],
      active: ['psi', 0.1],
      label: ['psi', 0.1],
    });
    expect(
      tests(
        'drift:\n  test: psi\n  threshold: 0.25\n  columns:\n    age: {test: ks}\n    city: {threshold: 0.5}\n',
      ),
    ).toEqual({
      zip: ['psi', 0.25],
      age: ['ks', 0.05],
      city: ['psi', 0.5],
      active: ['psi', 0.25],
      label: ['psi', 0.25],
    });
    // ks scores numeric columns only: the categorical ones keep their default test
    const ks = tests('drift:\n  test: ks\n');
    expect(ks.age).toEqual(['ks', 0.05]);
    expect(ks.city).toEqual(chosen.city);

    writeTree(dir, { 'mlo.yaml': 'drift:\n  threshold: 0.2\n' });
    const bad = mlo(['drift', 'check', '--baseline', 'b', '--data', 'data.csv'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe(
      'error: mlo.yaml:2:14: drift.threshold: a threshold needs the test it is for (drift: {test: psi, threshold: 0.2})',
    );
    writeTree(dir, { 'mlo.yaml': 'drift:\n  test: kss\n' });
    const typo = mlo(['drift', 'check', '--baseline', 'b', '--data', 'data.csv'], { cwd: dir });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: mlo\.yaml:2:9: drift\.test: /);
  });
});
