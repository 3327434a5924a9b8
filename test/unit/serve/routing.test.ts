import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { goesToCanary, hashRequestId, parseCanary } from '../../../src/serve/routing.js';

describe('canary routing', () => {
  it('hashes request ids with 32-bit FNV-1a (published test vectors)', () => {
    expect(hashRequestId('')).toBe(0x811c9dc5);
    expect(hashRequestId('a')).toBe(0xe40c292c);
    expect(hashRequestId('foobar')).toBe(0xbf9cf968);
  });

  it('parses NAME@REF:PCT and refuses the rest', () => {
    expect(parseCanary('churn@challenger:10')).toEqual({ ref: 'churn@challenger', percent: 10 });
    expect(parseCanary('churn@4:2.5%')).toEqual({ ref: 'churn@4', percent: 2.5 });
    for (const bad of ['churn@4', 'churn@4:0', 'churn@4:100', 'churn@4:x', ':10', 'churn@@:5']) {
      expect(() => parseCanary(bad), bad).toThrow(MloError);
    }
  });

  it('sends the same id to the same side, and about PCT% of ids to the canary', () => {
    const n = 20_000;
    let canary = 0;
    for (let i = 0; i < n; i++) {
      const id = `req-${i}-${(i * 2654435761) >>> 0}`;
      const side = goesToCanary(id, 20);
      expect(goesToCanary(id, 20)).toBe(side);
      if (side) canary++;
    }
    // binomial(n, 0.2): sd = sqrt(n * 0.2 * 0.8) ≈ 57; allow 4 sd
    expect(Math.abs(canary - n * 0.2)).toBeLessThan(4 * Math.sqrt(n * 0.2 * 0.8));
  });

  it('puts a bucket on the canary side exactly when hash mod 10000 is below PCT × 100', () => {
    for (const id of ['a', 'b', 'retry-42', '0f8fad5b-d9cb-469f-a165-70867728950e']) {
      expect(goesToCanary(id, 37.5)).toBe(hashRequestId(id) % 10_000 < 3750);
    }
  });
});
