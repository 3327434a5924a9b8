/**
 * Every command that reads tabular data, on a Parquet file written by DuckDB with
 * every common type: BIGINT past 2^53, DECIMAL, DATE, TIMESTAMP with and without a
 * time zone, UUID, BLOB, ENUM, BOOLEAN, INTERVAL, all-null columns, and LIST<BIGINT>,
 * a STRUCT with a BIGINT field and MAP<VARCHAR,BIGINT> (which once ended in exit 3,
 * "Do not know how to serialize a BigInt"). None may end in exit 3.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier } from '../../src/onnx/index.js';
import { makeRepo, mlo, parseJson, writeTree, type RunResult } from '../helpers/cli.js';

const TYPES = join(import.meta.dirname, '../fixtures/parquet/types.parquet');

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

describe('a DuckDB file with every common type, through every command', () => {
  it('validate --infer, validate, baseline create, drift check and eval read it', async () => {
    const cwd = makeRepo();
    copyFileSync(TYPES, join(cwd, 'types.parquet'));
    const features = ['dec_mid', 'whole_double', 'big'];
    writeTree(cwd, {
      'model.onnx': Buffer.from(
        await buildLinearClassifier({
          coefficients: [[0.001, 0.01, 0]],
          intercepts: [-0.5],
          metadata: { 'mlo.feature_names': JSON.stringify(features) },
        }),
      ),
    });

    const inferred = parseJson<{ expectations: { kwargs: Record<string, unknown> }[] }>(
      ok(mlo(['validate', 'types.parquet', '--infer', '--out', 'suite.yaml', '--json'], { cwd })),
    );
    const typeOf = (column: string): unknown =>
      inferred.expectations.find((e) => e.kwargs.column === column && e.kwargs.type_ !== undefined)
        ?.kwargs.type_;
    expect(typeOf('list_big')).toBe('str');
    expect(typeOf('struct_big')).toBe('str');
    expect(typeOf('ts')).toBe('datetime');

    const validated = parseJson<{ success: boolean; statistics: { evaluated: number } }>(
      ok(mlo(['validate', 'types.parquet', '--suite', 'suite.yaml', '--json'], { cwd })),
    );
    expect(validated.success).toBe(true);
    expect(validated.statistics.evaluated).toBe(inferred.expectations.length);

    const baseline = ok(mlo(['baseline', 'create', 'ref', '--data', 'types.parquet'], { cwd }));
    expect(baseline.stdout).toMatch(/created baseline ref from types\.parquet: 75 rows/);
    const drift = parseJson<{ columns: { column: string }[] }>(
      ok(
        mlo(['drift', 'check', '--baseline', 'ref', '--data', 'types.parquet', '--json'], { cwd }),
      ),
    );
    const checked = drift.columns.map((c) => c.column);
    for (const name of ['big', 'dec_big', 'uid', 'mood', 'list_big', 'struct_big', 'map_big'])
      expect(checked).toContain(name);

    ok(mlo(['model', 'register', 'm', 'model.onnx'], { cwd }));
    const evaluated = parseJson<{
      metrics: Record<string, number | null>;
      data: { rows: number };
      slices: Record<string, unknown>;
    }>(
      ok(
        mlo(
          [
            'eval',
            'm',
            '--data',
            'types.parquet',
            '--target',
            'label',
            '--slice',
            'struct_big',
            '--slice',
            'mood',
            '--json',
          ],
          { cwd },
        ),
      ),
    );
    expect(evaluated.data.rows).toBeGreaterThan(0);
    expect(evaluated.metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(Object.keys(evaluated.slices).sort()).toEqual(['mood', 'struct_big']);
  });
});
