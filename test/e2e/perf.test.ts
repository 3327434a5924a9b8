/**
 * The production loop end to end with the built CLI: `mlo serve` logs predictions,
 * `mlo feedback add` joins labels to them, `mlo perf` measures them — the same
 * numbers `mlo eval` computes on a file of the same rows — and compares a primary with
 * its shadow.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier, type PerfComparison, type PerfResult } from '../../src/index.js';
import { makeRepo, mlo, parseJson } from '../helpers/cli.js';
import { sendRows, startServe } from '../helpers/serve.js';

const FEATURES = ['age', 'tenure', 'spend'];
const W = { w: [0.04, -0.9, 0.8], b: -1.2 };

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  id: string;
  x: Record<string, number>;
  y: number;
}

/** Rows drawn from the model's own probabilities (a calibrated model), tenure in {0, 1, 2}. */
function makeRows(n: number, seed: number, flip = 0): Row[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const x = {
      age: Math.round(20 + r() * 50),
      tenure: Math.floor(r() * 3),
      spend: Math.round(r() * 400) / 100,
    };
    const z = W.b + W.w[0] * x.age + W.w[1] * x.tenure + W.w[2] * x.spend;
    let y = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    if (r() < flip) y = 1 - y;
    return { id: `req-${seed}-${i}`, x, y };
  });
}

function csv(rows: Row[]): string {
  return `request_id,${FEATURES.join(',')},churned\n${rows.map((r) => `${r.id},${FEATURES.map((f) => r.x[f]).join(',')},${r.y}`).join('\n')}\n`;
}

async function repoWithModels(): Promise<string> {
  const dir = makeRepo();
  writeFileSync(
    join(dir, 'v1.onnx'),
    await buildLinearClassifier({ coefficients: [W.w], intercepts: [W.b] }),
  );
  writeFileSync(
    join(dir, 'v2.onnx'),
    await buildLinearClassifier({ coefficients: [W.w.map((v) => -v)], intercepts: [-W.b] }),
  );
  for (const file of ['v1.onnx', 'v2.onnx']) {
    const r = mlo(['model', 'register', 'churn', file, '--features', FEATURES.join(',')], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
  }
  return dir;
}

describe('mlo feedback + mlo perf (built CLI)', () => {
  it('measures labelled traffic with the numbers mlo eval gives on the same rows, with intervals', async () => {
    const dir = await repoWithModels();
    const rows = makeRows(600, 1);
    writeFileSync(join(dir, 'traffic.csv'), csv(rows));
    // one row per model run on both sides: onnxruntime's batched kernels may round the last
    // bit differently, and eval must see the very probabilities that were logged
    const s = await startServe(dir, ['churn@1', '--log-predictions', '--max-batch', '1']);
    await sendRows(
      s.url,
      rows.map((r) => ({ id: r.id, instance: r.x })),
    );
    expect((await s.stop()).code).toBe(0);

    // labels for all but 50 requests, plus three for requests never logged
    writeFileSync(
      join(dir, 'labels.csv'),
      `rid,churned\n${rows
        .slice(50)
        .map((r) => `${r.id},${r.y}`)
        .join('\n')}\nghost-1,1\nghost-2,0\nghost-3,1\n`,
    );
    const fed = mlo(
      ['feedback', 'add', 'labels.csv', '--id', 'rid', '--label', 'churned', '--json'],
      { cwd: dir },
    );
    expect(fed.code, fed.stderr).toBe(0);
    expect(parseJson(fed)).toMatchObject({ received: 553, new: 553, joined: 550, unknown: 3 });
    const again = mlo(['feedback', 'add', 'labels.csv', '--id', 'rid', '--label', 'churned'], {
      cwd: dir,
    });
    expect(again.stdout).toMatch(/553 label\(s\): 0 new, 0 changed, 553 unchanged/);
    expect(again.stderr).toMatch(
      /3 label\(s\) match no logged request id \(e\.g\. ghost-1, ghost-2, ghost-3\)/,
    );

    // mlo eval on exactly the labelled rows
    writeFileSync(join(dir, 'labelled.csv'), csv(rows.slice(50)));
    const ev = mlo(
      [
        'eval',
        'churn@1',
        '--data',
        'labelled.csv',
        '--target',
        'churned',
        '--slice',
        'tenure',
        '--batch-rows',
        '1',
        '--json',
      ],
      { cwd: dir },
    );
    expect(ev.code, ev.stderr).toBe(0);
    const evaluation = parseJson<{
      metrics: Record<string, number | null>;
      slices: Record<
        string,
        {
          gaps: Record<string, { value: number | null }>;
          groups: { group: number; metrics: Record<string, number | null> }[];
        }
      >;
    }>(ev);

    const p = mlo(['perf', '--model', 'churn@1', '--slice', 'tenure', '--by', 'day', '--json'], {
      cwd: dir,
    });
    expect(p.code, p.stderr).toBe(0);
    const perf = parseJson<PerfResult>(p);
    expect(perf).toMatchObject({ labelled: 550, logged: 600, versions: [1], verdict: 'ok' });
    expect(perf.coverage).toBeCloseTo(550 / 600, 12);
    for (const m of [
      'accuracy',
      'precision',
      'recall',
      'f1',
      'roc_auc',
      'log_loss',
      'precision_macro',
      'recall_macro',
      'f1_macro',
    ]) {
      const f = perf.overall.metrics[m];
      expect(f.value, m).not.toBeNull();
      expect(f.value, m).toBeCloseTo(evaluation.metrics[m]!, 12);
      expect(f.low!, m).toBeLessThanOrEqual(f.value!);
      expect(f.high!, m).toBeGreaterThanOrEqual(f.value!);
      expect(f.high! - f.low!, m).toBeGreaterThan(0);
    }
    expect(perf.overall.metrics.accuracy).toMatchObject({ method: 'wilson', n: 550 });
    expect(perf.overall.metrics.roc_auc.method).toBe('bootstrap');
    expect(perf.overall.metrics.log_loss.method).toBe('t');
    // slices: eval --slice's gaps, per group the same metrics
    const slice = perf.overall.slices!.tenure;
    for (const m of ['accuracy', 'selection_rate', 'tpr', 'fpr']) {
      expect(slice.gaps[m].value, m).toBeCloseTo(evaluation.slices.tenure.gaps[m].value!, 12);
    }
    expect(slice.gaps.accuracy.method).toBe('newcombe');
    expect(slice.groups.map((g) => g.group)).toEqual(
      evaluation.slices.tenure.groups.map((g) => g.group),
    );
    // one day of traffic: the day group is the whole
    expect(perf.groups).toHaveLength(1);
    expect(perf.groups[0].metrics.roc_auc.value).toBeCloseTo(evaluation.metrics.roc_auc!, 12);
    // no evaluation of v1 stored on a holdout before this one: eval's own run counts
    expect(perf.concept[0]).toMatchObject({ version: 1, verdict: 'no drop' });

    const few = mlo(['perf', '--model', 'churn@1', '--min-labels', '1000', '--json'], { cwd: dir });
    expect(parseJson<PerfResult>(few)).toMatchObject({
      verdict: 'not enough data',
      overall: { enough: false },
    });
    const hist = mlo(['perf', '--model', 'churn', '--history', '--json'], { cwd: dir });
    expect(parseJson<unknown[]>(hist)).toHaveLength(2);
  });

  it('finds concept drift against the holdout, and compares a primary with its shadow (paired)', async () => {
    const dir = await repoWithModels();
    writeFileSync(join(dir, 'holdout.csv'), csv(makeRows(800, 2)));
    for (const v of ['1', '2']) {
      const ev = mlo(['eval', `churn@${v}`, '--data', 'holdout.csv', '--target', 'churned'], {
        cwd: dir,
      });
      expect(ev.code, ev.stderr).toBe(0);
    }
    // live traffic whose labels changed meaning for a third of the customers
    const rows = makeRows(700, 3, 0.35);
    const s = await startServe(dir, ['churn@1', '--shadow', 'churn@2', '--log-predictions']);
    await sendRows(
      s.url,
      rows.map((r) => ({ id: r.id, instance: r.x })),
    );
    expect((await s.stop()).code).toBe(0);
    writeFileSync(
      join(dir, 'labels.csv'),
      `request_id,y\n${rows.map((r) => `${r.id},${r.y}`).join('\n')}\n`,
    );
    const fed = mlo(
      ['feedback', 'add', 'labels.csv', '--id', 'request_id', '--label', 'y', '--json'],
      { cwd: dir },
    );
    expect(parseJson(fed)).toMatchObject({ joined: 700, rows: 1400 });

    const p = mlo(['perf', '--model', 'churn@1', '--fail-on-drop', '--json'], { cwd: dir });
    expect(p.code).toBe(1);
    const perf = parseJson<PerfResult>(p);
    expect(perf.verdict).toBe('drop');
    expect(perf.concept[0]).toMatchObject({ version: 1, verdict: 'drop', primary: 'roc_auc' });
    const shadow = mlo(['perf', '--model', 'churn@2', '--role', 'shadow', '--json'], { cwd: dir });
    expect(parseJson<PerfResult>(shadow)).toMatchObject({ labelled: 700, role: 'shadow' });

    const c = mlo(['perf', '--model', 'churn', '--compare', '1,2', '--fail-on-worse', '--json'], {
      cwd: dir,
    });
    expect(c.code).toBe(1);
    const cmp = parseJson<PerfComparison>(c);
    expect(cmp).toMatchObject({ paired: true, pairs: 700, verdict: 'worse', primary: 'roc_auc' });
    const acc = cmp.metrics.find((m) => m.metric === 'accuracy')!;
    expect(acc).toMatchObject({ test: 'mcnemar', significant: true, better: false });
    const auc = cmp.metrics.find((m) => m.metric === 'roc_auc')!;
    expect(auc.test).toBe('paired-bootstrap');
    expect(auc.high!).toBeLessThan(0);
    // the table names the verdict
    const table = mlo(['perf', '--model', 'churn', '--compare', '1,2'], { cwd: dir });
    expect(table.stdout).toMatch(/verdict: 2 is worse: roc_auc/);
  });
});
