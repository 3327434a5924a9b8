import { describe, expect, it } from 'vitest';
import { GrowingLabels, growingFloat32, growingFloat64 } from '../../../src/evaluate/growing.js';
import { seeded } from '../onnx/helpers.js';

describe('growing columns', () => {
  it('hold every pushed batch in order across growth (float64 and float32)', () => {
    const r = seeded(9);
    const f64 = growingFloat64();
    const f32 = growingFloat32();
    const all: number[] = [];
    // batch sizes around the initial capacity (1024) and its doublings
    for (const n of [0, 1, 1000, 23, 1, 2048, 4097, 7]) {
      const batch = Array.from({ length: n }, () => r(-1e6, 1e6));
      f64.push(Float64Array.from(batch));
      f32.push(batch);
      all.push(...batch);
    }
    expect(f64.length).toBe(all.length);
    expect(Array.from(f64.values())).toEqual(all);
    expect(Array.from(f32.values())).toEqual(all.map(Math.fround));
  });

  it('keep labels as numbers until one is not, then as they came', () => {
    const labels = new GrowingLabels();
    labels.push(Float64Array.from([1, 0, 1]));
    labels.push(Int32Array.from([2]));
    labels.push([3, 4]);
    expect(labels.values()).toBeInstanceOf(Float64Array);
    expect(Array.from(labels.values())).toEqual([1, 0, 1, 2, 3, 4]);
    labels.push([5, 'six']);
    labels.push(Float64Array.from([7]));
    expect(Array.isArray(labels.values())).toBe(true);
    expect(labels.values()).toEqual([1, 0, 1, 2, 3, 4, 5, 'six', 7]);
    expect(labels.length).toBe(9);
  });
});
