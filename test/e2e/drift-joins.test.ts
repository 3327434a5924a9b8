/**
 * Drift joined with the other capabilities, through the built CLI:
 * - `mlo model register --baseline-data` stores the version's baseline, which
 *   `mlo drift check --model NAME@ALIAS` then finds;
 * - `mlo baseline create --model REF` ties a named baseline to a version;
 * - `mlo drift check --model REF --predictions [--since]` reads the prediction log
 *   (the table shape in src/store/predictions.ts, written here as `mlo serve
 *   --log-predictions` writes it);
 * - `--role shadow` and a baseline's `--score` column, against the log a real
 *   `mlo serve --shadow --log-predictions` wrote.
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildLinearClassifier, buildLinearRegressor } from '../../src/onnx/index.js';
import { makeRepo, mlo, mloAsync, parseJson, writeTree } from '../helpers/cli.js';

interface ReportJson {
  dataset_drift: boolean;
  drift_share: number;
  baseline: { name: string; model: { name: string; version: number } | null };
  current: { source: string; rows: number; since?: string | null };
  columns: {
    column: string;
    status: string;
    drifted: boolean;
    current: { count: number; nulls: number };
    stats: Record<string, number | null>;
  }[];
}

/** A seeded table: x1 ~ N(shift, 1), x2 uniform, segment a/b/c, y = 2 x1 - x2 + 1. */
function rows(
  n: number,
  seed: number,
  shift: number,
): { x1: number; x2: number; segment: string; y: number }[] {
  let s = seed;
  const rand = () => (s = (s * 48271) % 2147483647) / 2147483647;
  const out = [];
  for (let i = 0; i < n; i++) {
    const x1 =
      Math.round(
        (Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand()) + shift) * 1e4,
      ) / 1e4;
    const x2 = Math.round(rand() * 1e4) / 1e4;
    const segment = ['a', 'b', 'c'][Math.floor(rand() * 3)];
    out.push({ x1, x2, segment, y: Math.round((2 * x1 - x2 + 1) * 1e4) / 1e4 });
  }
  return out;
}

function csv(data: ReturnType<typeof rows>): string {
  return (
    'x1,x2,segment,y\n' + data.map((r) => `${r.x1},${r.x2},${r.segment},${r.y}`).join('\n') + '\n'
  );
}

async function repoWithModel(): Promise<string> {
  const dir = makeRepo();
  const model = await buildLinearRegressor({ coefficients: [2, -1], intercept: 1 });
  writeFileSync(join(dir, 'model.onnx'), model);
  writeTree(dir, {
    'train.csv': csv(rows(2000, 11, 0)),
    'same.csv': csv(rows(1500, 12, 0)),
    'moved.csv': csv(rows(1500, 13, 1.5)),
  });
  return dir;
}

describe('model versions and their baselines', () => {
  it('register --baseline-data creates the baseline; --model NAME@ALIAS finds it', async () => {
    const dir = await repoWithModel();
    const reg = mlo(
      [
        'model',
        'register',
        'churn',
        'model.onnx',
        '--features',
        'x1,x2',
        '--baseline-data',
        'train.csv',
        '--target',
        'y',
        '--json',
      ],
      { cwd: dir },
    );
    expect(reg.code, reg.stderr).toBe(0);
    const registered = parseJson<{ version: number; baseline: { name: string; rows: number } }>(
      reg,
    );
    expect(registered.version).toBe(1);
    expect(registered.baseline.name).toBe('churn@1');
    expect(registered.baseline.rows).toBe(2000);

    const list = parseJson<{ baselines: { name: string; model: unknown }[] }>(
      mlo(['baseline', 'list', '--json'], { cwd: dir }),
    );
    expect(list.baselines).toEqual([
      expect.objectContaining({ name: 'churn@1', model: { name: 'churn', version: 1 } }),
    ]);
    const show = mlo(['baseline', 'show', '--model', 'churn@1', '--json'], { cwd: dir });
    expect(parseJson<{ target: string }>(show).target).toBe('y');

    expect(mlo(['model', 'alias', 'set', 'churn', 'champion', '1'], { cwd: dir }).code).toBe(0);
    const same = parseJson<ReportJson>(
      mlo(['drift', 'check', '--model', 'churn@champion', '--data', 'same.csv', '--json'], {
        cwd: dir,
      }),
    );
    expect(same.baseline).toMatchObject({ name: 'churn@1', model: { name: 'churn', version: 1 } });
    expect(same.dataset_drift).toBe(false);
    const moved = mlo(
      [
        'drift',
        'check',
        '--model',
        'churn@champion',
        '--data',
        'moved.csv',
        '--fail-on-drift',
        '--json',
      ],
      { cwd: dir },
    );
    expect(moved.code).toBe(1);
    const report = parseJson<ReportJson>(moved);
    const drifted = Object.fromEntries(report.columns.map((c) => [c.column, c.drifted]));
    // x1 moved by 1.5 sd and y = 2 x1 - x2 + 1 with it; x2 and segment did not
    expect(drifted).toEqual({ x1: true, y: true, x2: false, segment: false });
    // history follows the model version's baseline name
    const h = parseJson<{ reports: unknown[] }>(
      mlo(['drift', 'history', 'churn@1', '--json'], { cwd: dir }),
    );
    expect(h.reports).toHaveLength(2);
  });

  it('a bad --baseline-data file registers nothing', async () => {
    const dir = await repoWithModel();
    writeTree(dir, { 'empty.csv': 'x1,x2,segment,y\n' });
    const r = mlo(
      [
        'model',
        'register',
        'churn',
        'model.onnx',
        '--features',
        'x1,x2',
        '--baseline-data',
        'empty.csv',
      ],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/empty\.csv: no data rows/);
    expect(
      parseJson<{ models: unknown[] }>(mlo(['model', 'list', '--json'], { cwd: dir })).models,
    ).toEqual([]);
  });

  it('baseline create --model ties a named baseline to a version; one per version', async () => {
    const dir = await repoWithModel();
    expect(
      mlo(['model', 'register', 'churn', 'model.onnx', '--features', 'x1,x2'], { cwd: dir }).code,
    ).toBe(0);
    const noBaseline = mlo(['drift', 'check', '--model', 'churn', '--data', 'same.csv'], {
      cwd: dir,
    });
    expect(noBaseline.code).toBe(2);
    expect(noBaseline.stderr).toMatch(/model churn@1 has no baseline/);
    const b = mlo(
      [
        'baseline',
        'create',
        'ref',
        '--data',
        'train.csv',
        '--model',
        'churn@latest',
        '--target',
        'y',
      ],
      {
        cwd: dir,
      },
    );
    expect(b.code, b.stderr).toBe(0);
    const r = parseJson<ReportJson>(
      mlo(['drift', 'check', '--model', 'churn', '--data', 'same.csv', '--json'], { cwd: dir }),
    );
    expect(r.baseline.name).toBe('ref');
    const again = mlo(['baseline', 'create', 'ref2', '--data', 'train.csv', '--model', 'churn@1'], {
      cwd: dir,
    });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/model churn@1 already has baseline "ref"/);
    const unknown = mlo(
      ['baseline', 'create', 'x', '--data', 'train.csv', '--model', 'nope@champion'],
      { cwd: dir },
    );
    expect(unknown.code).toBe(2);
  });
});

describe('drift check --predictions', () => {
  /** Log rows as the server would: one instance per row, inputs by feature name. */
  function logPredictions(
    dir: string,
    entries: {
      ts: number;
      version: number;
      inputs: Record<string, unknown>;
      prediction: number;
      role?: string;
    }[],
  ): void {
    const db = new Database(join(dir, '.mlo/mlo.db'));
    try {
      const insert = db.prepare(
        'INSERT INTO prediction_log (ts_ms, model, version, role, request_id, latency_ms, inputs, outputs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      db.transaction(() => {
        entries.forEach((e, i) =>
          insert.run(
            e.ts,
            'churn',
            e.version,
            e.role ?? 'primary',
            `req-${i}`,
            0.4,
            JSON.stringify(e.inputs),
            JSON.stringify({ prediction: e.prediction }),
          ),
        );
      })();
    } finally {
      db.close();
    }
  }

  it('compares the logged inputs and predictions of a model version with its baseline', async () => {
    const dir = await repoWithModel();
    const reg = mlo(
      [
        'model',
        'register',
        'churn',
        'model.onnx',
        '--features',
        'x1,x2',
        '--baseline-data',
        'train.csv',
        '--target',
        'y',
      ],
      { cwd: dir },
    );
    expect(reg.code, reg.stderr).toBe(0);
    // the baseline's prediction column: profile the training data's model output as "y_hat"
    const train = rows(2000, 11, 0);
    writeTree(dir, {
      'scored.csv':
        'x1,x2,segment,y_hat\n' +
        train.map((r) => `${r.x1},${r.x2},${r.segment},${2 * r.x1 - r.x2 + 1}`).join('\n') +
        '\n',
    });
    const b = mlo(
      ['baseline', 'create', 'scored', '--data', 'scored.csv', '--prediction', 'y_hat'],
      { cwd: dir },
    );
    expect(b.code, b.stderr).toBe(0);

    const now = Date.now();
    const old = rows(300, 21, 0).map((r) => ({
      ts: now - 3 * 86_400_000,
      version: 1,
      inputs: { x1: r.x1, x2: r.x2 },
      prediction: 2 * r.x1 - r.x2 + 1,
    }));
    const recent = rows(400, 22, 2).map((r) => ({
      ts: now - 3_600_000,
      version: 1,
      inputs: { x1: r.x1, x2: r.x2 },
      prediction: 2 * r.x1 - r.x2 + 1,
    }));
    // another version's and the shadow's rows must be left out
    const noise = rows(200, 23, 5).map((r) => ({
      ts: now - 3_600_000,
      version: 2,
      inputs: { x1: r.x1, x2: r.x2 },
      prediction: 0,
    }));
    const shadow = noise.map((e) => ({ ...e, version: 1, role: 'shadow' }));
    logPredictions(dir, [...old, ...recent, ...noise, ...shadow]);

    // the model's own baseline: features from the log, the target is not logged
    const all = parseJson<ReportJson>(
      mlo(['drift', 'check', '--model', 'churn@1', '--predictions', '--json'], { cwd: dir }),
    );
    expect(all.current.source).toBe('predictions:churn@1');
    expect(all.current.rows).toBe(700);
    const status = Object.fromEntries(all.columns.map((c) => [c.column, c.status]));
    expect(status).toEqual({ x1: 'ok', x2: 'ok', segment: 'missing', y: 'skipped' });

    const day = parseJson<ReportJson>(
      mlo(['drift', 'check', '--model', 'churn@1', '--predictions', '--since', '24h', '--json'], {
        cwd: dir,
      }),
    );
    expect(day.current.rows).toBe(400);
    expect(Date.parse(day.current.since!)).toBeGreaterThan(now - 86_400_000 - 60_000);
    expect(day.columns.find((c) => c.column === 'x1')!.drifted).toBe(true);
    expect(day.columns.find((c) => c.column === 'x2')!.drifted).toBe(false);

    // a named baseline with a prediction column, checked against the log of a model version:
    // outputs.prediction fills y_hat
    const pred = parseJson<ReportJson>(
      mlo(
        ['drift', 'check', '--baseline', 'scored', '--model', 'churn@1', '--predictions', '--json'],
        { cwd: dir },
      ),
    );
    const yHat = pred.columns.find((c) => c.column === 'y_hat')!;
    expect(yHat.status).toBe('ok');
    expect(yHat.current).toEqual({ count: 700, nulls: 0 });
    expect(pred.columns.find((c) => c.column === 'segment')!.status).toBe('missing');
  });

  it('says what is wrong when there is no log, no model, or a bad --since', async () => {
    const dir = await repoWithModel();
    mlo(
      [
        'model',
        'register',
        'churn',
        'model.onnx',
        '--features',
        'x1,x2',
        '--baseline-data',
        'train.csv',
      ],
      {
        cwd: dir,
      },
    );
    mlo(['baseline', 'create', 'plain', '--data', 'train.csv'], { cwd: dir });
    const noLog = mlo(['drift', 'check', '--model', 'churn@1', '--predictions'], { cwd: dir });
    expect(noLog.code).toBe(2);
    expect(noLog.stderr).toMatch(/no prediction log/);
    expect(noLog.stderr).toMatch(/mlo serve .*--log-predictions/);
    const noModel = mlo(['drift', 'check', '--baseline', 'plain', '--predictions'], { cwd: dir });
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/not tied to a model version/);
    const since = mlo(
      ['drift', 'check', '--model', 'churn@1', '--predictions', '--since', 'yesterday'],
      {
        cwd: dir,
      },
    );
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since expects a duration/);
    // an empty window is a report with no rows, not an error
    logPredictions(dir, [
      { ts: Date.now() - 10 * 86_400_000, version: 1, inputs: { x1: 0, x2: 0 }, prediction: 1 },
    ]);
    const empty = mlo(
      ['drift', 'check', '--model', 'churn@1', '--predictions', '--since', '1d', '--json'],
      {
        cwd: dir,
      },
    );
    expect(empty.code).toBe(0);
    const r = parseJson<ReportJson & { warnings: string[] }>(empty);
    expect(r.current.rows).toBe(0);
    expect(r.dataset_drift).toBe(false);
    expect(r.warnings).toContain('the current data has no rows');
    // ... but with --fail-on-drift an empty window fails the check (exit 1), saying why
    const failing = mlo(
      ['drift', 'check', '--model', 'churn@1', '--predictions', '--since', '1d', '--fail-on-drift'],
      { cwd: dir },
    );
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(
      /^error: nothing was checked: no prediction of churn@1 was logged since \S+ \(--since 1d\)$/m,
    );
    expect(failing.stdout).not.toMatch(/dataset drift: no/);
  });
});

describe('drift check of a shadow model and of predicted scores', () => {
  const W = { w: [1.5, -2], b: 0.25 };
  /** the shadow's probability of class 1, as its ONNX graph computes it */
  const score = (x1: number, x2: number): number =>
    1 / (1 + Math.exp(-(W.w[0] * x1 + W.w[1] * x2 + W.b)));

  async function serve(
    dir: string,
    args: string[],
  ): Promise<{ url: string; stop: () => Promise<void> }> {
    const { child, done } = mloAsync(['serve', ...args, '--port', '0'], { cwd: dir });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const poll = setInterval(() => {
        const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (m) {
          clearInterval(poll);
          resolve(m[1]);
        }
      }, 20);
      void done.then((r) => {
        clearInterval(poll);
        reject(new Error(`mlo serve exited ${r.code}: ${r.stderr}`));
      });
    });
    return {
      url,
      stop: async () => {
        child.kill('SIGTERM');
        const end = await done;
        expect(end.code, end.stderr).toBe(0);
      },
    };
  }

  it('--role shadow reads what the shadow answered, and --score columns get the logged probabilities', async () => {
    const dir = makeRepo();
    writeFileSync(
      join(dir, 'v1.onnx'),
      await buildLinearClassifier({ coefficients: [[-1, 1]], intercepts: [0] }),
    );
    writeFileSync(
      join(dir, 'v2.onnx'),
      await buildLinearClassifier({ coefficients: [W.w], intercepts: [W.b] }),
    );
    for (const file of ['v1.onnx', 'v2.onnx']) {
      const r = mlo(['model', 'register', 'churn', file, '--features', 'x1,x2'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
    }
    // the shadow's reference: training rows with its label and score
    const scored = (data: ReturnType<typeof rows>): string =>
      'x1,x2,label,score\n' +
      data
        .map((r) => {
          const p = score(r.x1, r.x2);
          return `${r.x1},${r.x2},${p > 0.5 ? 1 : 0},${p}`;
        })
        .join('\n') +
      '\n';
    const traffic = rows(400, 31, 1);
    writeTree(dir, { 'ref.csv': scored(rows(1500, 30, 0)), 'traffic.csv': scored(traffic) });
    const b = mlo(
      [
        'baseline',
        'create',
        'shadow-ref',
        '--data',
        'ref.csv',
        '--model',
        'churn@2',
        '--prediction',
        'label',
        '--score',
        'score',
      ],
      { cwd: dir },
    );
    expect(b.code, b.stderr).toBe(0);

    const s = await serve(dir, ['churn@1', '--shadow', 'churn@2', '--log-predictions']);
    for (let i = 0; i < traffic.length; i += 50) {
      const res = await fetch(`${s.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: traffic.slice(i, i + 50).map((r) => [r.x1, r.x2]) }),
      });
      expect(res.status).toBe(200);
    }
    await s.stop();

    // churn@2 only ever answered as a shadow
    const primary = mlo(['drift', 'check', '--model', 'churn@2', '--predictions'], { cwd: dir });
    expect(primary.code).toBe(2);
    expect(primary.stderr).toMatch(/^error: no primary predictions logged for churn@2$/m);
    expect(primary.stderr).toMatch(/^hint: .*--role shadow/m);

    const shadow = mlo(
      ['drift', 'check', '--model', 'churn@2', '--predictions', '--role', 'shadow', '--json'],
      { cwd: dir },
    );
    expect(shadow.code, shadow.stderr).toBe(0);
    const r = parseJson<ReportJson>(shadow);
    expect(r.current).toMatchObject({ source: 'predictions:churn@2 (shadow)', rows: 400 });
    const col = (report: ReportJson, name: string) =>
      report.columns.find((c) => c.column === name)!;
    for (const name of ['x1', 'x2', 'label', 'score']) {
      expect(col(r, name).status, name).toBe('ok');
      expect(col(r, name).current, name).toEqual({ count: 400, nulls: 0 });
    }
    // the shadow's scores moved with its inputs
    expect(col(r, 'score').drifted).toBe(true);

    // the logged scores are the shadow's probabilities: the same statistics as the
    // scores computed here for the same rows (to float32 rounding)
    const file = parseJson<ReportJson>(
      mlo(['drift', 'check', '--baseline', 'shadow-ref', '--data', 'traffic.csv', '--json'], {
        cwd: dir,
      }),
    );
    for (const stat of ['wasserstein', 'psi', 'ks_statistic']) {
      expect(col(r, 'score').stats[stat], stat).toBeCloseTo(col(file, 'score').stats[stat]!, 4);
    }
    // and the label is what it answered
    expect(col(r, 'label').stats.psi).toBeCloseTo(col(file, 'label').stats.psi!, 6);

    const bad = mlo(
      ['drift', 'check', '--model', 'churn@2', '--data', 'traffic.csv', '--role', 'shadow'],
      {
        cwd: dir,
      },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --role goes with --predictions$/m);
    const unknown = mlo(
      ['drift', 'check', '--model', 'churn@2', '--predictions', '--role', 'canary'],
      { cwd: dir },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/primary, shadow/);
  });
});
