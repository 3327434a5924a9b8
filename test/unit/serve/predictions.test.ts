import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { countPredictions, parseTimeBound, readPredictions, setAlias } from '../../../src/index.js';
import { insertPredictionRows, type NewPredictionRow } from '../../../src/store/index.js';
import { repoWithChurn } from './helpers.js';

describe('reading the prediction log', () => {
  it('parses durations and dates for --since', () => {
    const now = Date.UTC(2026, 0, 31, 12);
    expect(parseTimeBound('24h', '--since', now)).toBe(now - 24 * 3600e3);
    expect(parseTimeBound('30m', '--since', now)).toBe(now - 30 * 60e3);
    expect(parseTimeBound('7d', '--since', now)).toBe(now - 7 * 86400e3);
    expect(parseTimeBound('2026-01-30T00:00:00Z')).toBe(Date.UTC(2026, 0, 30));
    expect(parseTimeBound(1234)).toBe(1234);
    expect(() => parseTimeBound('yesterday')).toThrow(MloError);
  });

  it('filters by model, version (or alias), role and time; limit keeps the newest, oldest first', async () => {
    const repo = await repoWithChurn();
    const row = (
      ts: number,
      version: number,
      role: 'primary' | 'shadow',
      id: string,
    ): NewPredictionRow => [
      ts,
      'churn',
      version,
      role,
      role === 'shadow' ? 'shadow' : 'main',
      id,
      1.5,
      '{"age":1,"tenure":2,"spend":3}',
      '{"prediction":1,"probabilities":[0.25,0.75]}',
    ];
    insertPredictionRows(repo.store, [
      row(1000, 1, 'primary', 'a'),
      row(2000, 1, 'primary', 'b'),
      row(3000, 2, 'primary', 'c'),
      row(3000, 1, 'shadow', 'c'),
      row(4000, 1, 'primary', 'd'),
    ]);
    expect(readPredictions(repo, { model: 'churn' }).map((r) => r.requestId)).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(readPredictions(repo, { model: 'churn@1' }).map((r) => r.requestId)).toEqual([
      'a',
      'b',
      'd',
    ]);
    expect(
      readPredictions(repo, { model: 'churn@1', role: 'shadow' }).map((r) => r.requestId),
    ).toEqual(['c']);
    expect(
      readPredictions(repo, { model: 'churn', since: 2000, until: 4000 }).map((r) => r.requestId),
    ).toEqual(['b', 'c']);
    expect(readPredictions(repo, { model: 'churn@1', limit: 2 }).map((r) => r.requestId)).toEqual([
      'b',
      'd',
    ]);
    await setAlias(repo, { name: 'churn', alias: 'champion', version: 2 });
    expect(readPredictions(repo, { model: 'churn@champion' }).map((r) => r.requestId)).toEqual([
      'c',
    ]);
    expect(countPredictions(repo, { model: 'churn@1' })).toBe(3);
    const first = readPredictions(repo, { model: 'churn', limit: 10 })[0];
    expect(first).toEqual({
      id: 1,
      at: new Date(1000).toISOString(),
      tsMs: 1000,
      model: 'churn',
      version: 1,
      role: 'primary',
      route: 'main',
      requestId: 'a',
      latencyMs: 1.5,
      inputs: { age: 1, tenure: 2, spend: 3 },
      prediction: 1,
      probabilities: [0.25, 0.75],
    });
  });

  it('writes every row of a batch in order, past the eight rows a statement takes', async () => {
    const repo = await repoWithChurn();
    const rows: NewPredictionRow[] = Array.from({ length: 21 }, (_, i) => [
      1000 + i,
      'churn',
      1,
      'primary',
      'main',
      `r${i}`,
      i / 2,
      `{"age":${i},"tenure":0,"spend":0}`,
      `{"prediction":${i % 2}}`,
    ]);
    insertPredictionRows(repo.store, rows);
    const back = readPredictions(repo, { model: 'churn' });
    expect(back.map((r) => [r.tsMs, r.requestId, r.latencyMs, r.inputs.age, r.prediction])).toEqual(
      rows.map((_, i) => [1000 + i, `r${i}`, i / 2, i, i % 2]),
    );
  });
});
