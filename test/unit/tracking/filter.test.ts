import { describe, expect, it } from 'vitest';
import { MloError, listRuns, parseFilter, parseSortKey, startRun } from '../../../src/index.js';
import { tempRepo } from './temp-repo.js';

function errorOf(expr: string): MloError {
  try {
    parseFilter(expr);
  } catch (err) {
    if (err instanceof MloError) return err;
    throw err;
  }
  throw new Error(`parsed: ${expr}`);
}

describe('filter parser', () => {
  it('parses the MLflow form into an and of comparisons', () => {
    expect(
      parseFilter(
        "metrics.f1 > 0.8 and params.model = 'rf' and tags.team != 'x' and status = 'finished'",
      ),
    ).toEqual({
      type: 'and',
      items: [
        { type: 'cmp', field: { kind: 'metric', key: 'f1' }, op: '>', value: 0.8 },
        { type: 'cmp', field: { kind: 'param', key: 'model' }, op: '=', value: 'rf' },
        { type: 'cmp', field: { kind: 'tag', key: 'team' }, op: '!=', value: 'x' },
        { type: 'cmp', field: { kind: 'attr', name: 'status' }, op: '=', value: 'finished' },
      ],
    });
  });

  it('binds and tighter than or, and parentheses override', () => {
    const a = parseFilter('metrics.a = 1 or metrics.b = 2 and metrics.c = 3');
    expect(a.type).toBe('or');
    const b = parseFilter('(metrics.a = 1 or metrics.b = 2) and metrics.c = 3');
    expect(b.type).toBe('and');
    expect((b as { items: { type: string }[] }).items[0].type).toBe('or');
  });

  it('reads in, not in, like, ilike, is null, not, and keyword case', () => {
    expect(parseFilter('params.m IN (\'a\', "b", 3)')).toEqual({
      type: 'in',
      field: { kind: 'param', key: 'm' },
      values: ['a', 'b', 3],
      negated: false,
    });
    expect(parseFilter("params.m not in ('a')")).toMatchObject({ type: 'in', negated: true });
    expect(parseFilter("name LIKE 'tr%'")).toMatchObject({
      type: 'like',
      ignoreCase: false,
      pattern: 'tr%',
    });
    expect(parseFilter("name not ilike 'TR%'")).toMatchObject({
      type: 'like',
      ignoreCase: true,
      negated: true,
    });
    expect(parseFilter('metrics.f1 is null')).toMatchObject({ type: 'null', negated: false });
    expect(parseFilter('metrics.f1 IS NOT NULL')).toMatchObject({ type: 'null', negated: true });
    expect(parseFilter('not metrics.a > 1')).toMatchObject({ type: 'not' });
  });

  it('takes dotted, slashed and quoted keys, == and <>, negative and exponent numbers', () => {
    expect(parseFilter('params.train.lr>=1e-3')).toEqual({
      type: 'cmp',
      field: { kind: 'param', key: 'train.lr' },
      op: '>=',
      value: 0.001,
    });
    expect(parseFilter('metrics.val/loss == -0.5')).toMatchObject({
      field: { key: 'val/loss' },
      op: '=',
      value: -0.5,
    });
    expect(parseFilter('metrics.`val loss` <> 2')).toMatchObject({
      field: { key: 'val loss' },
      op: '!=',
    });
    expect(parseFilter('metric."a b" < 1')).toMatchObject({
      field: { kind: 'metric', key: 'a b' },
    });
    expect(parseFilter("params.s = 'it''s'")).toMatchObject({ value: "it's" });
  });

  it('turns dates into milliseconds for start and end', () => {
    expect(parseFilter("start >= '2024-05-01T00:00:00Z'")).toMatchObject({
      value: Date.UTC(2024, 4, 1),
    });
  });

  it.each([
    ['metrics.f1 >', 'expected a value', 13],
    ['metrics.f1 > 0.8 and', 'expected a field', 21],
    ['(metrics.f1 > 0.8', "expected ')'", 18],
    ['metrics.f1 > 0.8)', "unmatched ')'", 17],
    ["params.model = 'rf", 'unterminated string', 16],
    ['metrics.f1 ~ 2', "unexpected character '~'", 12],
    ["metrics.f1 > 'high'", 'is a number', 14],
    ['params.model = rf', "quote text values: 'rf'", 16],
    ["status = 'done'", 'status is one of', 10],
    ['foo = 1', "unknown field 'foo'", 1],
    ['metrics. > 1', 'expected a key', 9],
    ['metrics.a in ()', 'at least one value', 15],
    ["metrics.a like 'x'", 'compares text', 11],
    ['metrics.a > 1 metrics.b > 2', "expected 'and', 'or' or the end", 15],
    ['', 'empty filter', 1],
    ["start > 'yesterday'", 'takes a date', 9],
  ])('%j fails with exit 2 at the right column', (expr, message, column) => {
    const err = errorOf(expr);
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(message);
    expect(err.message).toContain(`column ${column}`);
    expect(err.details?.column).toBe(column);
    // the hint draws the expression and a caret under the column
    const [line, caret] = (err.hint ?? '').split('\n');
    expect(line).toBe(expr);
    expect(caret.indexOf('^')).toBe(column - 1);
  });

  it('parses sort keys with a direction', () => {
    expect(parseSortKey('metrics.f1:desc')).toEqual({
      field: { kind: 'metric', key: 'f1' },
      desc: true,
    });
    expect(parseSortKey('start')).toEqual({ field: { kind: 'attr', name: 'start' }, desc: false });
    expect(() => parseSortKey('metrics.f1 > 1')).toThrow(/--sort/);
  });
});

describe('filter limits', () => {
  it('refuses a filter nested too deep or too large with a usage error, not a crash', () => {
    const deep = `${'('.repeat(5000)}metrics.a > 1${')'.repeat(5000)}`;
    expect(errorOf(deep).message).toMatch(/^filter: nested more than 50 levels deep at column 51$/);
    expect(errorOf(`${'not '.repeat(5000)}metrics.a > 1`).message).toMatch(/nested more than 50/);
    const wide = Array.from({ length: 1101 }, (_, i) => `metrics.m${i} > ${i}`).join(' and ');
    expect(errorOf(wide).message).toMatch(/^filter: more than 200 comparisons at column \d+$/);
    const list = `params.p in (${Array.from({ length: 2001 }, (_, i) => `'${i}'`).join(', ')})`;
    expect(errorOf(list).message).toMatch(/more than 2000 values in 'in' lists/);
    for (const e of [deep, wide, list]) expect(errorOf(e).exitCode).toBe(2);
  });

  it('runs the largest filters it accepts against the real store', async () => {
    const repo = tempRepo();
    const r = await startRun(repo, { name: 'x', git: false, attach: false, params: { p: '7' } });
    r.logMetric('m0', 1);
    await r.end();
    const deep = `${'('.repeat(49)}metrics.m0 >= 1${')'.repeat(49)}`;
    const nots = `${'not '.repeat(50)}metrics.m0 >= 1`;
    const wide = Array.from({ length: 200 }, (_, i) => `metrics.m0 > ${-i}`).join(' and ');
    const ors = Array.from({ length: 200 }, (_, i) => `params.p = '${i}'`).join(' or ');
    const values = `params.p in (${Array.from({ length: 2000 }, (_, i) => `'${i}'`).join(', ')})`;
    for (const filter of [deep, nots, wide, ors, values]) {
      expect(
        listRuns(repo, { filter }).runs.map((x) => x.name),
        filter.slice(0, 40),
      ).toEqual(['x']);
    }
  });
});
