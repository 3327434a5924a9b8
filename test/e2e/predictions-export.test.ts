/**
 * `mlo predictions export` through the built CLI: the logged rows of a window with
 * their labels where one joined, as JSON lines on stdout, CSV in a file and Parquet
 * that DuckDB reads back.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier, ingestLabels, openRepo, registerModel } from '../../src/index.js';
import { insertPredictionRows, type NewPredictionRow } from '../../src/store/index.js';
import { makeRepo, mlo, parseJson } from '../helpers/cli.js';

/** 30 logged answers of churn@1 (the last 10 two days old), labels for the first 20. */
async function repoWithLog(): Promise<{ dir: string; now: number }> {
  const dir = makeRepo();
  const repo = openRepo(dir);
  const now = Date.now();
  try {
    writeFileSync(
      join(dir, 'm.onnx'),
      await buildLinearClassifier({ coefficients: [[1, -1]], intercepts: [0] }),
    );
    await registerModel(repo, { name: 'churn', path: 'm.onnx', features: ['a', 'b'] });
    const rows: NewPredictionRow[] = Array.from({ length: 30 }, (_, i) => [
      i < 20 ? now - 60_000 + i : now - 2 * 86_400_000 + i,
      'churn',
      1,
      'primary',
      i % 5 === 0 ? 'canary' : 'main',
      `r${i}`,
      1.5 + i,
      `{"a":${i},"b":${i / 4}}`,
      `{"prediction":${i % 2},"probabilities":[${1 - (i % 2)},${i % 2}]}`,
    ]);
    insertPredictionRows(repo.store, rows);
    ingestLabels(
      repo,
      Array.from({ length: 20 }, (_, i) => ({ requestId: `r${i}`, label: i < 15 ? i % 2 : 7 })),
    );
  } finally {
    repo.close();
  }
  return { dir, now };
}

interface Line {
  at: string;
  model: string;
  version: number;
  route: string;
  request_id: string;
  latency_ms: number;
  inputs: Record<string, number>;
  prediction: number;
  probabilities: number[];
  label: number | null;
}

describe('mlo predictions export (built CLI)', () => {
  it('JSON lines on stdout: the window, every field, and the label where one joined', async () => {
    const { dir } = await repoWithLog();
    const r = mlo(['predictions', 'export', '--model', 'churn@1', '--since', '24h'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/20 row\(s\), 20 with a label/);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(20);
    expect(lines[5]).toMatchObject({
      model: 'churn',
      version: 1,
      route: 'canary',
      request_id: 'r5',
      latency_ms: 6.5,
      inputs: { a: 5, b: 1.25 },
      prediction: 1,
      probabilities: [0, 1],
      label: 1,
    });
    expect(lines.map((l) => l.label)).toEqual(
      Array.from({ length: 20 }, (_, i) => (i < 15 ? i % 2 : 7)),
    );
    const all = mlo(['predictions', 'export', '--model', 'churn'], { cwd: dir });
    expect(all.stdout.trim().split('\n')).toHaveLength(30);
    expect(JSON.parse(all.stdout.trim().split('\n')[0]) as Line).toMatchObject({
      request_id: 'r20',
      label: null,
    });
  });

  it('CSV and Parquet files (Parquet read back by DuckDB); Parquet needs --out', async () => {
    const { dir } = await repoWithLog();
    const csv = mlo(
      ['predictions', 'export', '--model', 'churn@1', '--format', 'csv', '-o', 'p.csv', '--json'],
      { cwd: dir },
    );
    expect(csv.code, csv.stderr).toBe(0);
    expect(parseJson(csv)).toMatchObject({ rows: 30, labelled: 20, features: ['a', 'b'] });
    const text = readFileSync(join(dir, 'p.csv'), 'utf8').trim().split('\n');
    expect(text[0]).toBe(
      'at,model,version,role,route,request_id,latency_ms,a,b,prediction,p0,p1,label',
    );
    expect(text).toHaveLength(31);
    // oldest first: the two-day-old rows (no label), then the labelled ones
    expect(text[1].split(',').slice(1)).toEqual([
      'churn',
      '1',
      'primary',
      'canary',
      'r20',
      '21.5',
      '20',
      '5',
      '0',
      '1',
      '0',
      '',
    ]);
    expect(text[11].split(',').slice(-6)).toEqual(['0', '0', '0', '1', '0', '0']);

    const pq = mlo(
      ['predictions', 'export', '--model', 'churn@1', '--format', 'parquet', '-o', 'p.parquet'],
      { cwd: dir },
    );
    expect(pq.code, pq.stderr).toBe(0);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const reader = await conn.runAndReadAll(
        `SELECT request_id, a, b, prediction, p1, label, route, version, latency_ms
         FROM read_parquet('${join(dir, 'p.parquet')}') ORDER BY latency_ms`,
      );
      const rows = reader.getRowObjectsJson();
      expect(rows).toHaveLength(30);
      expect(rows[17]).toEqual({
        request_id: 'r17',
        a: 17,
        b: 4.25,
        prediction: 1,
        p1: 1,
        label: 7,
        route: 'main',
        version: 1,
        latency_ms: 18.5,
      });
      expect(rows[25]).toMatchObject({ request_id: 'r25', label: null });
    } finally {
      conn.closeSync();
    }

    const noOut = mlo(['predictions', 'export', '--model', 'churn', '--format', 'parquet'], {
      cwd: dir,
    });
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/^error: Parquet is binary: name the file with --out/);
    const bad = mlo(['predictions', 'export', '--model', 'churn', '--format', 'xml'], {
      cwd: dir,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format/);
  });
});
