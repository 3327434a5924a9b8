import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { tableFromRecords, textAt, valueAt } from '../../../src/io/index.js';

describe('tableFromRecords', () => {
  it('follows the JSON Lines rules: kinds, nulls, missing keys, mismatches', () => {
    const t = tableFromRecords(
      [
        { age: 30, plan: 'pro', churned: false },
        { age: null, plan: 'free' },
        { age: 'NA', plan: 'pro', churned: true },
        { age: 'old', plan: 'basic', churned: 'maybe' },
      ],
      { sampleRows: 2, source: 'predictions of churn@3' },
    );
    expect(t.format).toBe('records');
    expect(t.schema.columns.map((c) => `${c.name}:${c.kind}`)).toEqual([
      'age:number',
      'plan:category',
      'churned:boolean',
    ]);
    const [age, plan, churned] = t.batch.columns;
    expect([0, 1, 2, 3].map((i) => valueAt(age, i))).toEqual([30, null, null, null]);
    expect(age.nullCount).toBe(2);
    expect(age.mismatchCount).toBe(1);
    expect(textAt(age, 3)).toBe('old');
    expect(valueAt(plan, 3)).toBe('basic');
    expect([0, 1, 2, 3].map((i) => textAt(churned, i))).toEqual(['false', null, 'true', 'maybe']);
    expect(t.issues.map((i) => [i.column, i.examples])).toEqual([
      ['age', [{ rowIndex: 3, value: 'old' }]],
      ['churned', [{ rowIndex: 3, value: 'maybe' }]],
    ]);
  });

  it('projects, overrides and names its source in errors', () => {
    const t = tableFromRecords([{ a: 1, b: 2 }], { columns: ['b'], types: { b: 'category' } });
    expect(t.batch.columns.map((c) => textAt(c, 0))).toEqual(['2']);
    expect(() => tableFromRecords([{ a: 1 }], { columns: ['z'], source: 'log' })).toThrow(MloError);
    expect(() => tableFromRecords([{ a: 1 }], { columns: ['z'], source: 'log' })).toThrow(
      /^log: no column "z"/,
    );
    expect(() => tableFromRecords([1 as never])).toThrow(/record 1 is not an object/);
  });
});
