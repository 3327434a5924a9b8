/**
 * mlo eval with the CSV reader parsing all-numeric features straight into the model's
 * row-major matrix (batch.rowMajor) must give exactly what the column path gives:
 * building the matrix from column batches, as it still does for JSON Lines and when a
 * slice is also a feature. Both paths run here on the same real files with real
 * onnxruntime-node; metrics are compared bit for bit (log loss and rmse move with any
 * feature value that changes).
 */
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { evaluateModel, type EvaluationResult } from '../../../src/evaluate/index.js';
import {
  buildLinearClassifier,
  buildLinearRegressor,
  buildMlp,
  buildTreeEnsembleRegressor,
} from '../../../src/onnx/index.js';
import { registerModel } from '../../../src/registry/index.js';
import type { Repo } from '../../../src/repo/index.js';
import { tempRepo, writeFile } from '../registry/helpers.js';
import { randomWeights, seeded } from '../onnx/helpers.js';

type Cell = number | string | null;

/**
 * The same table as CSV (CRLF line ends, every `quoteEvery`-th row's cells quoted so
 * those rows take the general tokenizer) and as JSON Lines (the column path). Numbers
 * are written in full (17 significant digits: the reader's slower path) or rounded to
 * 6 decimals (its byte fast path), alternating by row.
 */
function writeTable(
  dir: string,
  name: string,
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
  quoteEvery = 7,
): void {
  const text = (v: Cell): string => (v === null ? '' : String(v));
  const lines = [header.join(',')];
  rows.forEach((r, i) => {
    const cells = r.map(text);
    lines.push((i % quoteEvery === 3 ? cells.map((c) => `"${c}"`) : cells).join(','));
  });
  writeFile(dir, `${name}.csv`, lines.join('\r\n') + '\r\n');
  const json = rows.map((r) => JSON.stringify(Object.fromEntries(header.map((h, j) => [h, r[j]]))));
  writeFile(dir, `${name}.jsonl`, json.join('\n') + '\n');
}

/** A number for row i: full precision on even rows, 6 decimals on odd ones. */
function value(r: () => number, i: number): number {
  const v = r() * 3;
  return i % 2 === 0 ? v : Number(v.toFixed(6));
}

/** What must not depend on the path: everything but timings, ids and the file's name. */
function comparable(r: EvaluationResult, file: string) {
  const metrics = { ...r.metrics };
  for (const k of ['p50_ms', 'p95_ms', 'p99_ms', 'rows_per_s']) delete metrics[k];
  return {
    metrics,
    reasons: r.reasons,
    classes: r.classes,
    rows: r.data.rows,
    task: r.task,
    warnings: r.warnings.map((w) => w.replaceAll(file, '<file>')),
  };
}

async function bothPaths(
  repo: Repo,
  model: string,
  name: string,
  target: string,
  extra: { batchRows?: number; slice: string },
) {
  const opts = { model, target, batchRows: extra.batchRows, latencyRows: 0, save: false };
  const rowMajor = await evaluateModel(repo, { ...opts, data: `${name}.csv` });
  // a slice that is a feature keeps the column path, on the very same file
  const sameFile = await evaluateModel(repo, {
    ...opts,
    data: `${name}.csv`,
    slices: [extra.slice],
  });
  const jsonl = await evaluateModel(repo, { ...opts, data: `${name}.jsonl` });
  return {
    rowMajor: comparable(rowMajor, `${name}.csv`),
    sameFile: comparable(sameFile, `${name}.csv`),
    jsonl: comparable(jsonl, `${name}.jsonl`),
    raw: rowMajor,
  };
}

describe('evaluateModel: features parsed straight into the model matrix (CSV)', () => {
  it('logistic regression, features in another order than the file, empty cells, quotes, CRLF', async () => {
    const { dir, repo } = tempRepo();
    const bytes = await buildLinearClassifier({
      coefficients: [[1.5, -2, 0.75, 0.5]],
      intercepts: [0.25],
    });
    await registerModel(repo, {
      name: 'lr',
      path: writeFile(dir, 'lr.onnx', bytes),
      features: ['a', 'b', 'c', 'd'],
    });
    const r = seeded(5);
    const rows: Cell[][] = [];
    for (let i = 0; i < 1003; i++) {
      const [a, b, c] = [0, 1, 2].map(() => value(() => r(-1, 1), i));
      const d = i % 4; // few distinct values: the slice that keeps the column path
      // file order: c, id, a, y, d, b (the model wants a, b, c, d)
      const y = 1.5 * a - 2 * b + 0.75 * c + 0.5 * d + r(-0.5, 0.5) > 0 ? 1 : 0;
      rows.push([c, i, a, y, d, b]);
    }
    // empty cells make the model's scores NaN there (no log loss): the same rows once
    // with and once without them
    const holed = rows.map((row, i) =>
      row.map((v, j) => ((j === 0 && i % 97 === 5) || (j === 5 && i % 101 === 9) ? null : v)),
    );
    writeTable(dir, 'd', ['c', 'id', 'a', 'y', 'd', 'b'], holed);
    writeTable(dir, 'e', ['c', 'id', 'a', 'y', 'd', 'b'], rows);
    const got = await bothPaths(repo, 'lr', 'd', 'y', { batchRows: 64, slice: 'd' });
    expect(got.rowMajor).toEqual(got.sameFile);
    expect(got.rowMajor).toEqual(got.jsonl);
    expect(got.rowMajor.warnings).toEqual([
      '<file>: 21 empty feature value(s) were given to the model as NaN',
    ]);
    expect(got.raw.features).toEqual(['a', 'b', 'c', 'd']);
    expect(got.raw.data.rows).toBe(1003);
    const full = await bothPaths(repo, 'lr', 'e', 'y', { batchRows: 64, slice: 'd' });
    expect(full.rowMajor).toEqual(full.sameFile);
    expect(full.rowMajor).toEqual(full.jsonl);
    expect(full.raw.metrics.log_loss).toBeGreaterThan(0);
    expect(full.raw.metrics.roc_auc).toBeGreaterThan(0.9);
    expect(full.raw.warnings).toEqual([]);
  });

  it('past one reader batch (262,144 rows here), where one matrix is reused batch after batch', async () => {
    const { dir, repo } = tempRepo();
    const lr = await buildLinearClassifier({ coefficients: [[1.5, -2, 0.5]], intercepts: [0.25] });
    await registerModel(repo, { name: 'lr', path: writeFile(dir, 'lr.onnx', lr) });
    const r = seeded(9);
    const lines = ['a,b,d,y'];
    for (let i = 0; i < 270_000; i++) {
      const [a, b, d] = [r(-1, 1), r(-1, 1), i % 4];
      lines.push(`${a},${b},${d},${1.5 * a - 2 * b + 0.5 * d + r(-0.5, 0.5) > 0 ? 1 : 0}`);
    }
    writeFile(dir, 'big.csv', lines.join('\n') + '\n');
    const opts = { model: 'lr', target: 'y', data: 'big.csv', latencyRows: 0, save: false };
    const rowMajor = await evaluateModel(repo, opts);
    // a slice that is a feature: the column path, a fresh column array per batch
    const columns = await evaluateModel(repo, { ...opts, slices: ['d'] });
    expect(comparable(rowMajor, 'big.csv')).toEqual(comparable(columns, 'big.csv'));
    expect(rowMajor.data.rows).toBe(270_000);
    expect(rowMajor.metrics.roc_auc).toBeGreaterThan(0.9);
  });

  it('an MLP with string classes, one run per 8192 rows', async () => {
    const { dir, repo } = tempRepo();
    const bytes = await buildMlp({
      layers: [
        { weights: randomWeights(8, 5, 1), bias: Array(8).fill(0.1), activation: 'relu' },
        { weights: randomWeights(3, 8, 2), bias: [0, 0.1, -0.1] },
      ],
      task: 'classification',
      classes: ['low', 'mid', 'high'],
    });
    await registerModel(repo, { name: 'mlp', path: writeFile(dir, 'm.onnx', bytes) });
    const r = seeded(7);
    const classes = ['low', 'mid', 'high'];
    const rows: Cell[][] = Array.from({ length: 2500 }, (_, i) => [
      ...[0, 1, 2, 3].map(() => value(() => r(-2, 2), i)),
      i % 3,
      classes[Math.floor(r(0, 3))],
    ]);
    writeTable(dir, 'm', ['p', 'q', 'r', 's', 't', 'label'], rows, 11);
    const got = await bothPaths(repo, 'mlp', 'm', 'label', { slice: 't' });
    expect(got.rowMajor).toEqual(got.sameFile);
    expect(got.rowMajor).toEqual(got.jsonl);
    expect(got.raw.classes?.labels).toEqual(expect.arrayContaining(classes));
  });

  it('regressions: a tree ensemble, and a linear model on float64 inputs (a float64 matrix)', async () => {
    const { dir, repo } = tempRepo();
    const trees = await buildTreeEnsembleRegressor({
      nFeatures: 2,
      trees: [
        {
          nodes: [
            { feature: 1, threshold: 0.1, left: 1, right: 2 },
            { value: -1.5 },
            { value: 2.25 },
          ],
        },
        {
          nodes: [
            { feature: 0, threshold: -0.3, left: 1, right: 2 },
            { value: 0.5 },
            { value: -0.25 },
          ],
        },
      ],
      baseValues: [3],
    });
    await registerModel(repo, {
      name: 'trees',
      path: writeFile(dir, 't.onnx', trees),
      features: ['v', 'u'],
    });
    const wide = await buildLinearRegressor({
      coefficients: [2, -1, 0.5],
      intercept: 1,
      outputShape: 'vector',
      inputType: 'float64',
    });
    await registerModel(repo, {
      name: 'wide',
      path: writeFile(dir, 'w.onnx', wide),
      features: ['u', 'v', 'w'],
    });
    const r = seeded(3);
    const rows: Cell[][] = Array.from({ length: 700 }, (_, i) => {
      const [u, v, w] = [0, 1, 2].map(() => value(() => r(-1, 1), i));
      return [w, i % 53 === 1 ? null : u, 2 * u - v + 0.5 * w + r(-0.2, 0.2), v];
    });
    writeTable(dir, 'r', ['w', 'u', 'y', 'v'], rows);
    for (const model of ['trees', 'wide']) {
      const got = await bothPaths(repo, model, 'r', 'y', { batchRows: 100, slice: 'u' });
      expect(got.rowMajor).toEqual(got.sameFile);
      expect(got.rowMajor).toEqual(got.jsonl);
      expect(got.raw.task).toBe('regression');
    }
    // the float64 model is fed the file's doubles: its rmse is the arithmetic's, in doubles
    const clean = rows.filter((row) => row[1] !== null) as number[][];
    writeTable(dir, 'c', ['w', 'u', 'y', 'v'], clean);
    const sq = clean.map(([w, u, y, v]) => (2 * u - v + 0.5 * w + 1 - y) ** 2);
    const exact = await evaluateModel(repo, { model: 'wide', data: 'c.csv', target: 'y' });
    expect(exact.metrics.rmse).toBeCloseTo(
      Math.sqrt(sq.reduce((s, x) => s + x, 0) / sq.length),
      12,
    );
  });

  it('a cell that is not a number, or not an integer for an int64 input: the same error on both paths', async () => {
    const { dir, repo } = tempRepo();
    const lr = await buildLinearClassifier({ coefficients: [[1, 1, 1]], intercepts: [0] });
    await registerModel(repo, {
      name: 'm',
      path: writeFile(dir, 'm.onnx', lr),
      features: ['a', 'b', 'c'],
    });
    // kinds come from the first 10,000 rows: a later "oops" is a mismatch in a number column
    const rows: Cell[][] = Array.from({ length: 10_010 }, (_, i) => [
      i % 3,
      i === 10_004 ? 'oops' : 1,
      2,
      i % 2,
    ]);
    writeTable(dir, 'bad', ['b', 'a', 'c', 'y'], rows);
    const messages: string[] = [];
    for (const opts of [{}, { slices: ['a'] }]) {
      const err = await evaluateModel(repo, { model: 'm', data: 'bad.csv', target: 'y', ...opts })
        .then(() => null)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MloError);
      expect((err as MloError).exitCode).toBe(2);
      messages.push((err as MloError).message);
    }
    expect(messages).toEqual([
      'bad.csv: data row 10005, column "a": "oops" is not a number',
      'bad.csv: data row 10005, column "a": "oops" is not a number',
    ]);

    const ints = await buildLinearRegressor({
      coefficients: [1, 1],
      intercept: 0,
      inputType: 'int64',
    });
    await registerModel(repo, {
      name: 'ints',
      path: writeFile(dir, 'i.onnx', ints),
      features: ['a', 'b'],
    });
    const intRows: Cell[][] = Array.from({ length: 300 }, (_, i) => [i, i === 250 ? 2.5 : 1, i]);
    writeTable(dir, 'int', ['a', 'b', 'y'], intRows);
    const intMessages: string[] = [];
    for (const opts of [{}, { slices: ['b'] }]) {
      const err = await evaluateModel(repo, {
        model: 'ints',
        data: 'int.csv',
        target: 'y',
        batchRows: 64,
        ...opts,
      })
        .then(() => null)
        .catch((e: unknown) => e);
      expect((err as MloError).exitCode).toBe(2);
      intMessages.push((err as MloError).message);
    }
    expect(intMessages[0]).toMatch(/^int\.csv: data row 251, column "b": .*int64$/);
    expect(intMessages[1]).toBe(intMessages[0]);
  });
});
