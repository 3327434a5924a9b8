import { describe, expect, it } from 'vitest';
import {
  featureJson,
  predictionBatchOf,
  type LogBatch,
  type LogSource,
} from '../../../src/serve/log-rows.js';

function rowsOf(batch: LogBatch): unknown[][] {
  const b = predictionBatchOf(batch);
  return Array.from({ length: b.n }, (_, i) => {
    const params: unknown[] = ['untouched'];
    b.fill(i, params, 1);
    return params;
  });
}

const base = {
  ts: Float64Array.from([10, 11]),
  latency: Float64Array.from([0.5, 0.25]),
  ids: ['r1', 'r2'],
  labels: null,
  values: null,
  targets: 0,
  probs: null,
  classes: 0,
};

describe('prediction log rows', () => {
  it('builds JSON inputs by feature name and outputs with labels and probabilities', () => {
    const source: LogSource = {
      model: 'm',
      version: 2,
      route: 'main',
      role: 'primary',
      names: ['age', 'say "hi"'],
      nFeatures: 2,
    };
    const batch: LogBatch = {
      ...base,
      source,
      n: 2,
      x: Float64Array.from([41, 0.1, NaN, -3]),
      labels: ['yes', 0],
      probs: Float32Array.from([0.25, 0.75, 1, 0]),
      classes: 2,
    };
    expect(predictionBatchOf(batch).head).toEqual({
      model: 'm',
      version: 2,
      role: 'primary',
      route: 'main',
    });
    const rows = rowsOf(batch);
    expect(rows[0]).toEqual(['untouched', 10, 'r1', 0.5, expect.any(String), expect.any(String)]);
    expect(JSON.parse(rows[0][4] as string)).toEqual({ age: 41, 'say "hi"': 0.1 });
    expect(JSON.parse(rows[0][5] as string)).toEqual({
      prediction: 'yes',
      probabilities: [0.25, 0.75],
    });
    // JSON has no NaN: it is logged as null
    expect(JSON.parse(rows[1][4] as string)).toEqual({ age: null, 'say "hi"': -3 });
    expect(JSON.parse(rows[1][5] as string)).toEqual({ prediction: 0, probabilities: [1, 0] });
  });

  it('logs regressions (one or several targets) with positional keys when names are unknown', () => {
    const source: LogSource = {
      model: 'r',
      version: 1,
      route: 'shadow',
      role: 'shadow',
      names: null,
      nFeatures: 1,
    };
    const one = rowsOf({
      ...base,
      source,
      n: 2,
      x: Float64Array.from([1, 2]),
      values: Float64Array.from([1.5, Infinity]),
      targets: 1,
    });
    expect(one.map((r) => JSON.parse(r[4] as string) as unknown)).toEqual([{ '0': 1 }, { '0': 2 }]);
    expect(one.map((r) => JSON.parse(r[5] as string) as unknown)).toEqual([
      { prediction: 1.5 },
      { prediction: null },
    ]);
    const two = rowsOf({
      ...base,
      source,
      n: 2,
      x: Float64Array.from([1, 2]),
      values: Float64Array.from([1, 2, 3, 4]),
      targets: 2,
    });
    expect(two.map((r) => JSON.parse(r[5] as string) as unknown)).toEqual([
      { prediction: [1, 2] },
      { prediction: [3, 4] },
    ]);
    const none = rowsOf({ ...base, source, n: 2, x: Float64Array.from([1, 2]) });
    expect(JSON.parse(none[1][5] as string)).toEqual({ prediction: null });
  });
});

describe('feature values as JSON', () => {
  it('writes the same text as String for integers, short decimals and everything else', () => {
    // a deterministic spread: short decimals of every scale and sign, long fractions,
    // float32-rounded values, tiny and huge magnitudes
    let seed = 42;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = [0, -0, 1, -1, 0.5, -0.25, 0.1, 0.2, 0.3, 0.1 + 0.2, 1e-6, 1.5e-6, 1e-7];
    values.push(123456.789, -0.000125, 999999999.5, 1e9 + 0.5, 2 ** 53, 1e21, Math.PI);
    for (let i = 0; i < 5_000; i++) {
      const k = i % 8;
      const scale = 10 ** ((i % 13) - 4);
      const v = (rand() - 0.4) * scale;
      values.push(k < 7 ? Math.round(v * 10 ** k) / 10 ** k : v, Math.fround(v));
    }
    for (const v of values) expect(featureJson(v)).toBe(String(v));
  });

  it('writes null for what JSON cannot hold', () => {
    expect([NaN, Infinity, -Infinity].map(featureJson)).toEqual(['null', 'null', 'null']);
  });
});
