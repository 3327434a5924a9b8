/** On-demand expressions and ttl durations: the small languages of the definitions. */
import { describe, expect, it } from 'vitest';
import type { MloError } from '../../../src/index.js';
import { compileExpr, type Value } from '../../../src/index.js';
// the feature store's own ttl spellings (src/index.ts exports util/duration's under these names)
import { formatDuration, parseDuration } from '../../../src/features/index.js';

function run(text: string, vars: Record<string, Value> = {}): Value {
  const e = compileExpr(text);
  return e.evaluate((slot) => vars[e.names[slot]] ?? null);
}

describe('on-demand expressions', () => {
  it('computes with precedence, functions and view.feature names', () => {
    expect(run('1 + 2 * 3 - 4 / 2')).toBe(5);
    expect(run('-(1 + 2) * 2 % 4')).toBe(-2);
    expect(run('amount / customer_stats.avg', { amount: 30, 'customer_stats.avg': 12 })).toBe(2.5);
    expect(run('log1p(max(x, 0)) * 2', { x: -5 })).toBe(0);
    expect(run('min(3, x, 1.5)', { x: 2 })).toBe(1.5);
    expect(run('if(n > 0, total / n, 0)', { n: 0, total: 5 })).toBe(0);
    expect(run("coalesce(tier, 'none')", {})).toBe('none');
    expect(run('a > 1 and not b or c == 2', { a: 2, b: false, c: 0 })).toBe(true);
    expect(run('round(2.5) + floor(-1.5) + ceil(1.2) + abs(-3) + sqrt(16)')).toBe(
      3 - 2 + 2 + 3 + 4,
    );
    expect(compileExpr('a + a * b.c').names).toEqual(['a', 'b.c']);
  });

  it('gives null for nulls, division by zero and results that are not finite', () => {
    expect(run('x + 1', {})).toBeNull();
    expect(run('x / 0', { x: 1 })).toBeNull();
    expect(run('log(0)')).toBeNull();
    expect(run('x > 1', {})).toBeNull();
    expect(run('is_null(x)', {})).toBe(true);
    expect(run('max(1, x)', {})).toBeNull();
  });

  it('points at the spot of a mistake', () => {
    const error = (text: string): MloError => {
      try {
        compileExpr(text);
      } catch (err) {
        return err as MloError;
      }
      throw new Error('no error');
    };
    expect(error('a + * b').message).toBe('expression "a + * b": unexpected "*" at column 5');
    expect(error('a + * b').hint).toBe('a + * b\n    ^');
    expect(error('f(1)').message).toMatch(/unknown function f\(\) at column 1/);
    expect(error('abs(1, 2)').message).toMatch(/abs\(\) takes 1 argument/);
    expect(error('(a + 1').message).toMatch(/expected "\)"/);
    expect(error("'open").message).toMatch(/never closed/);
    expect(error('a $ b').message).toMatch(/unexpected "\$" at column 3/);
  });
});

describe('durations', () => {
  it('reads and writes ttl spellings', () => {
    expect(parseDuration('30d')).toBe(30 * 86400);
    expect(parseDuration('1d12h')).toBe(36 * 3600);
    expect(parseDuration('90m')).toBe(5400);
    expect(parseDuration('2w')).toBe(14 * 86400);
    expect(parseDuration('1.5h')).toBe(5400);
    expect(parseDuration(3600)).toBe(3600);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('3 weeks')).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
    expect(formatDuration(36 * 3600)).toBe('1d12h');
    expect(formatDuration(90.5)).toBe('1m30.5s');
    expect(formatDuration(0)).toBe('0');
  });
});
