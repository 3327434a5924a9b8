/**
 * Limited-memory BFGS for smooth convex objectives (the logistic losses). Deterministic:
 * no randomness, so a given data set always yields the same coefficients.
 */

/** Returns the objective at `x` and writes its gradient into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface MinimizeOptions {
  maxIterations?: number;
  /** stop when the gradient's max-norm falls below this */
  gradientTolerance?: number;
  /** history pairs kept */
  memory?: number;
}

export interface MinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
}

export function minimize(
  f: Objective,
  x0: Float64Array,
  options: MinimizeOptions = {},
): MinimizeResult {
  const maxIter = options.maxIterations ?? 500;
  const tol = options.gradientTolerance ?? 1e-6;
  const m = options.memory ?? 10;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const alpha = new Array<number>(m);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);

  for (let iter = 0; iter < maxIter; iter++) {
    if (maxAbs(g) < tol) return { x, value: fx, iterations: iter, converged: true };

    // Two-loop recursion: d = -H·g.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], d);
      axpy(-alpha[k], Y[k], d);
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k] * dot(Y[k], d);
      axpy(alpha[k] - beta, S[k], d);
    }
    let slope = dot(g, d);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      slope = dot(g, d);
    }

    // Backtracking line search with the Armijo condition.
    let step = S.length === 0 ? Math.min(1, 1 / Math.max(maxAbs(g), 1e-12)) : 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = f(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew < fx) && !(fNew <= fx && maxAbs(gNew) < maxAbs(g))) {
      return { x, value: fx, iterations: iter, converged: maxAbs(g) < tol * 100 };
    }

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    const relChange = Math.abs(fx - fNew) / Math.max(1, Math.abs(fx));
    fx = fNew;
    if (relChange < 1e-14) return { x, value: fx, iterations: iter + 1, converged: true };
  }
  return { x, value: fx, iterations: maxIter, converged: maxAbs(g) < tol };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
