/**
 * A store for the UI's tests, made with the library as a project would make it: runs
 * with params, metric series, tags, inputs (a tracked file with its pointer committed
 * to git) and artifacts; a model with two versions, aliases and their audit; an
 * evaluation with slices; a baseline and a drift report; a validation; and rows of
 * the prediction log.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  add,
  buildLinearClassifier,
  checkDrift,
  createBaseline,
  evaluateGates,
  evaluateModel,
  hashPaths,
  ingestLabels,
  initRepo,
  measurePerformance,
  openRepo,
  parseGates,
  recordPromotion,
  recordRuns,
  registerModel,
  setAlias,
  startRun,
  validateFile,
  type Repo,
} from '../../src/index.js';
import { addTraffic, insertPredictionRows, type NewPredictionRow } from '../../src/store/index.js';

export interface UiStore {
  dir: string;
  repo: Repo;
  /** the run that trained the model (inputs, artifacts, a 50-step loss curve) */
  trainRun: string;
  /** two sweep runs with differing params and 200-step curves */
  sweepRuns: [string, string];
  /** the stored drift report */
  driftReport: number;
  validation: number;
  cleanup(): void;
}

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

/** A tiny valid PNG (2×2, red), so an image preview has something real to show. */
function png(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.from([0, 255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 0]);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const csv = (header: string[], rows: (string | number)[][]): string =>
  [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';

/** What the logged model answered for request i, instance k, and the true label of request i. */
export const SERVED_PREDICTION = (i: number, k: number): number => ((i + k) % 3 === 0 ? 1 : 0);
export const SERVED_LABEL = (i: number): number => i % 2;

export async function makeUiStore(options: { extraRuns?: number } = {}): Promise<UiStore> {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-ui-'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Ada Tester');
  git(dir, 'config', 'user.email', 'ada@example.com');
  git(dir, 'config', 'commit.gpgsign', 'false');
  initRepo(dir);
  // data: x1 and x2 predict y; next month's x1 has moved
  const rows = (n: number, shift: number): (string | number)[][] =>
    Array.from({ length: n }, (_, i) => {
      const x1 = ((i * 37) % 100) / 10 + shift;
      const x2 = ((i * 53) % 100) / 10;
      return [x1, x2, i % 2 ? 'north' : 'south', x1 + x2 > 10 + shift ? 1 : 0];
    });
  writeFileSync(join(dir, 'train.csv'), csv(['x1', 'x2', 'region', 'y'], rows(400, 0)));
  writeFileSync(join(dir, 'next.csv'), csv(['x1', 'x2', 'region', 'y'], rows(300, 4)));
  writeFileSync(
    join(dir, 'mlo.yaml'),
    `validation:
  incoming:
    - expect_column_values_to_be_between: {column: x1, min_value: 0, max_value: 10}
    - expect_column_values_to_not_be_null: {column: x2}
    - expect_column_values_to_be_in_set: {column: region, value_set: [north, south]}
promotion:
  champion:
    data: train.csv
    target: y
    gates:
      - accuracy >= 0.6
      - gap(accuracy, region) <= 0.5
`,
  );
  const repo = openRepo(dir);
  await add(repo, ['train.csv'], { cwd: dir });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'data');

  // the training run: input with its hash, artifacts, a loss curve
  const run = await startRun(repo, {
    name: 'train-main',
    experiment: 'churn',
    stage: 'train',
    params: { model: 'logistic', lr: 0.1, depth: 3 },
    tags: { team: 'red' },
    command: 'node train.js',
    attach: false,
    endOnExit: false,
  });
  const input = hashPaths(repo, ['train.csv']).get('train.csv');
  if (!input) throw new Error('train.csv did not hash');
  run.recordPath('input', input);
  for (let s = 0; s < 50; s++) run.logMetric('loss', 1 / (1 + s), s);
  run.logMetric('accuracy', 0.9, 49);
  writeFileSync(join(dir, 'confusion.png'), png());
  writeFileSync(join(dir, 'notes.txt'), 'training went fine\nline two\n');
  writeFileSync(
    join(dir, 'evil.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
  );
  for (const f of ['confusion.png', 'notes.txt', 'evil.svg']) await run.logArtifact(join(dir, f));
  await run.end('finished', { exitCode: 0, logTail: 'epoch 49 loss 0.02\ndone\n' });

  // a sweep across two experiments' worth of runs, with curves
  const sweep = recordRuns(
    repo,
    [0.01, 0.1].map((lr, i) => ({
      name: `sweep-lr-${lr}`,
      experiment: i === 0 ? 'churn' : 'churn-v2',
      stage: 'train',
      startMs: Date.now() - 3_600_000 + i * 1000,
      endMs: Date.now() - 3_000_000,
      params: { model: 'gbt', lr, depth: 4 + i },
      tags: { 'mlo.sweep': 'sweep-1', team: 'blue' },
      metrics: {
        loss: { values: Array.from({ length: 200 }, (_, s) => Math.exp(-s / (40 + 60 * i))) },
        accuracy: 0.8 + 0.05 * i,
      },
    })),
  ) as [string, string];
  // filler runs so the table has something to filter
  recordRuns(
    repo,
    Array.from({ length: options.extraRuns ?? 40 }, (_, i) => ({
      name: `run-${i}`,
      experiment: i % 2 ? 'churn' : 'baseline-models',
      stage: i % 3 ? 'train' : 'evaluate',
      status: i % 7 === 0 ? ('failed' as const) : ('finished' as const),
      startMs: Date.now() - 86_400_000 + i * 60_000,
      params: { model: i % 2 ? 'rf' : 'svm', lr: (i % 5) / 10 },
      metrics: { accuracy: (i % 10) / 10, loss: 1 - (i % 10) / 10 },
      tags: { team: i % 2 ? 'red' : 'blue' },
    })),
  );

  // the registry: two versions, an alias moved by a promotion, a refused one
  for (const v of [1, 2]) {
    const bytes = await buildLinearClassifier({
      coefficients: [[0.5 * v, 0.5 * v]],
      intercepts: [-5 * v],
    });
    writeFileSync(join(dir, `m${v}.onnx`), bytes);
    await registerModel(repo, {
      name: 'churn',
      path: `m${v}.onnx`,
      runId: run.id,
      features: ['x1', 'x2'],
      baselineData: v === 1 ? 'train.csv' : undefined,
      target: v === 1 ? 'y' : undefined,
    });
  }
  const gates = parseGates(['accuracy >= 0.6', 'p99_ms <= 50']);
  const pass = evaluateGates(gates, { metrics: { accuracy: 0.9, p99_ms: 3 } });
  await recordPromotion(repo, {
    name: 'churn',
    alias: 'champion',
    version: 1,
    expectedFrom: null,
    move: pass.passed,
    gates: pass.results,
  });
  const fail = evaluateGates(gates, { metrics: { accuracy: 0.4, p99_ms: 3 } });
  await recordPromotion(repo, {
    name: 'churn',
    alias: 'champion',
    version: 2,
    expectedFrom: 1,
    move: fail.passed,
    gates: fail.results,
  });
  await setAlias(repo, { name: 'churn', alias: 'staging', version: 2 });
  await evaluateModel(repo, {
    model: 'churn@1',
    data: 'train.csv',
    target: 'y',
    slices: ['region'],
    cwd: dir,
  });

  // data quality: a failing validation, a baseline and a drift check
  const validation = await validateFile(repo, { file: 'next.csv', suite: 'incoming', cwd: dir });
  await createBaseline(repo, { name: 'reference', data: 'train.csv', cwd: dir, target: 'y' });
  const { report } = await checkDrift(repo, { baseline: 'reference', data: 'next.csv', cwd: dir });

  // the prediction log: v1 on the main route, a few requests of 2 instances
  const now = Date.now();
  const log: NewPredictionRow[] = [];
  for (let i = 0; i < 60; i++) {
    const ts = now - (60 - i) * 30_000;
    for (let k = 0; k < 2; k++)
      log.push([
        ts,
        'churn',
        1,
        'primary',
        'main',
        `req-${i}`,
        2 + (i % 10),
        JSON.stringify({ x1: i % 10, x2: k }),
        JSON.stringify({ prediction: SERVED_PREDICTION(i, k), probabilities: [0.5, 0.5] }),
      ]);
  }
  insertPredictionRows(repo.store, log);
  // ground truth for every logged answer, and one `mlo perf` measurement of it
  ingestLabels(
    repo,
    Array.from({ length: 120 }, (_, n) => ({
      requestId: `req-${n >> 1}`,
      index: n & 1,
      label: SERVED_LABEL(n >> 1),
    })),
  );
  await measurePerformance(repo, { model: 'churn', minLabels: 10, seed: 1 });
  // the server's per-minute request counts: 200 requests, 3 answered 5xx, 7 refused
  addTraffic(repo.store, [
    {
      model: 'churn',
      version: 1,
      route: 'main',
      minuteMs: Math.floor((now - 120_000) / 60_000) * 60_000,
      requests: 200,
      errors: 3,
      rejected: 7,
    },
  ]);

  return {
    dir,
    repo,
    trainRun: run.id,
    sweepRuns: sweep,
    driftReport: report.id as number,
    validation: validation.id as number,
    cleanup: () => {
      repo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
