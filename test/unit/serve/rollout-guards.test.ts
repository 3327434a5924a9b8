import { describe, expect, it } from 'vitest';
import { checkGuard, parseGuard } from '../../../src/serve/rollout/index.js';
import { StepStats } from '../../../src/serve/rollout/stats.js';

describe('rollout guards', () => {
  it('parses fixed and champion-relative limits', () => {
    expect(parseGuard('error_rate <= champion + 0.01')).toMatchObject({
      metric: 'error_rate',
      op: '<=',
      relative: true,
      offset: 0.01,
    });
    expect(parseGuard('accuracy >= champion - 0.02')).toMatchObject({
      relative: true,
      offset: -0.02,
    });
    expect(parseGuard('p99_ms<50')).toMatchObject({ op: '<', relative: false, offset: 50 });
    expect(() => parseGuard('accuracy >= best')).toThrow(/expected METRIC OP LIMIT/);
  });

  it('holds against the champion plus its margin; no data decides nothing', () => {
    const g = parseGuard('accuracy >= champion - 0.02');
    expect(checkGuard(g, 0.79, 0.8)).toMatchObject({ passed: true });
    expect(checkGuard(g, 0.77, 0.8)).toMatchObject({ passed: false });
    expect(checkGuard(g, 0.77, 0.8).threshold).toBeCloseTo(0.78, 12);
    expect(checkGuard(g, null, 0.8)).toMatchObject({ passed: null });
    expect(checkGuard(g, 0.9, null)).toMatchObject({ passed: null, threshold: null });
  });

  it('step statistics: error rate and numpy-style latency quantiles', () => {
    const s = new StepStats();
    expect(s.errorRate()).toBeNull();
    expect(s.quantile(0.99)).toBeNull();
    for (let i = 1; i <= 100; i++) s.count(i % 25 === 0 ? 503 : 200, i);
    expect(s.errorRate()).toBe(4 / 100);
    // numpy.percentile(range(1, 101), 99) == 99.01
    expect(s.quantile(0.99)).toBeCloseTo(99.01, 12);
    expect(s.quantile(0.5)).toBeCloseTo(50.5, 12);
  });
});
