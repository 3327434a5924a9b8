import { describe, expect, it } from 'vitest';
import { minimize } from '../../../src/train/lbfgs.js';

describe('minimize (L-BFGS)', () => {
  it('finds the Rosenbrock minimum at (1, 1)', () => {
    const r = minimize(
      (x, g) => {
        const [a, b] = [x[0], x[1]];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      Float64Array.from([-1.2, 1]),
      { gradientTolerance: 1e-8 },
    );
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
  });

  it('solves an ill-conditioned quadratic', () => {
    const d = [1, 10, 100, 1000, 1e4];
    const r = minimize(
      (x, g) => {
        let f = 0;
        for (let i = 0; i < d.length; i++) {
          g[i] = d[i] * (x[i] - i);
          f += 0.5 * d[i] * (x[i] - i) ** 2;
        }
        return f;
      },
      new Float64Array(d.length),
      { gradientTolerance: 1e-9 },
    );
    Array.from(r.x).forEach((v, i) => expect(v).toBeCloseTo(i, 6));
  });
});
