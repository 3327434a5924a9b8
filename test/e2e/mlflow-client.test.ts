/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- the client's answers are checked field by field */
/**
 * The npm `mlflow` package (a Node MLflow REST client nobody here wrote) inside
 * `mlo exec`: it finds MLFLOW_TRACKING_URI and MLFLOW_RUN_ID, logs into the mlo run,
 * and reads back what it logged.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeRepo, mlo, parseJson, writeTree, ROOT } from '../helpers/cli.js';

const CLIENT = join(ROOT, 'node_modules/mlflow/index.js');

const SCRIPT = `
const { createRequire } = require('node:module');
const MLflow = require(${JSON.stringify(CLIENT)});
console.log = () => {}; // the client prints every POST body
const out = (x) => process.stderr.write('RESULT ' + JSON.stringify(x) + '\\n');
(async () => {
  const client = new MLflow({
    endpoint: process.env.MLFLOW_TRACKING_URI,
    headers: { Authorization: 'Bearer ' + process.env.MLFLOW_TRACKING_TOKEN },
  });
  const run_id = process.env.MLFLOW_RUN_ID;
  const { Runs, Metrics, Experiments, Artifacts } = client;
  await Runs.logParameter({ run_id, key: 'lr', value: '0.01' });
  for (let step = 0; step < 3; step++) {
    await Runs.logMetric({ run_id, key: 'loss', value: 1 / (step + 1), timestamp: Date.now(), step });
  }
  await Runs.logBatch({ run_id, metrics: [{ key: 'auc', value: 0.9, timestamp: Date.now(), step: 0 }],
    params: [{ key: 'depth', value: '3' }], tags: [{ key: 'team', value: 'churn' }] });
  await Runs.setTag({ run_id, key: 'stage', value: 'dev' });
  const got = await Runs.get({ run_id });
  const history = await Metrics.getHistory({ run_id, metric_key: 'loss' });
  const { experiment_id } = await Experiments.create({ name: 'churn-exp' });
  const exp = await Experiments.get({ experiment_id });
  const list = await Experiments.list();
  const search = await Runs.search({ experiment_ids: ['0'], filter: "metrics.auc > 0.5 and params.lr = '0.01'" });
  const arts = await Artifacts.list({ run_id });
  let changed;
  try { await Runs.logParameter({ run_id, key: 'lr', value: '0.1' }); } catch (e) { changed = String(e.message); }
  out({ got, history, exp, list, search, arts, changed });
})().catch((e) => { process.stderr.write('FAIL ' + e.message + '\\n'); process.exit(1); });
`;

describe('the npm mlflow client inside mlo exec', () => {
  it('logs into the mlo run and reads it back', () => {
    const dir = makeRepo();
    writeTree(dir, { 'client.cjs': SCRIPT });
    const r = mlo(['exec', '--json', '--', 'node', 'client.cjs'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const line = r.stderr.split('\n').find((l) => l.startsWith('RESULT ')) as string;
    const res = JSON.parse(line.slice(7));
    const run = parseJson<{ id: string; metrics: Record<string, number> }>(r);
    expect(res.got.run.info.run_id).toBe(run.id);
    expect(res.got.run.data.params).toEqual(
      expect.arrayContaining([
        { key: 'lr', value: '0.01' },
        { key: 'depth', value: '3' },
      ]),
    );
    expect(
      res.history.metrics.map((m: { step: number; value: number }) => [m.step, m.value]),
    ).toEqual([
      [0, 1],
      [1, 0.5],
      [2, 1 / 3],
    ]);
    expect(res.exp.experiment.name).toBe('churn-exp');
    expect(res.list.experiments.map((e: { name: string }) => e.name)).toEqual([
      'Default',
      'churn-exp',
    ]);
    expect(res.search.runs.map((x: { info: { run_id: string } }) => x.info.run_id)).toEqual([
      run.id,
    ]);
    expect(res.arts.root_uri).toBe(`mlflow-artifacts:/0/${run.id}/artifacts`);
    expect(res.changed).toContain('INVALID_PARAMETER_VALUE');

    const shown = parseJson<{
      params: Record<string, string>;
      metrics: Record<string, number>;
      tags: Record<string, string>;
      status: string;
    }>(mlo(['runs', 'show', run.id, '--json'], { cwd: dir }));
    expect(shown.status).toBe('finished');
    expect(shown.params).toEqual({ lr: '0.01', depth: '3' });
    expect(shown.metrics).toMatchObject({ loss: 1 / 3, auc: 0.9 });
    expect(shown.tags).toEqual({ team: 'churn', stage: 'dev' });
  });

  it('--no-mlflow gives the command no MLflow endpoint', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'env.cjs': `process.stderr.write('URI=' + (process.env.MLFLOW_TRACKING_URI ?? 'none') + '\\n')`,
    });
    const off = mlo(['exec', '--no-mlflow', '--', 'node', 'env.cjs'], { cwd: dir });
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).toContain('URI=none');
    const on = mlo(['exec', '--', 'node', 'env.cjs'], { cwd: dir });
    expect(on.stderr).toMatch(/URI=http:\/\/127\.0\.0\.1:\d+/);
  });

  it('repro and exp run serve it to each stage, and --no-mlflow turns it off', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'env.cjs': `process.stderr.write('URI=' + (process.env.MLFLOW_TRACKING_URI ?? 'none') + '\\n')`,
      'params.yaml': 'lr: 0.1\n',
      'mlo.yaml': ['stages:', '  show:', '    cmd: node env.cjs', '    params: [lr]', ''].join(
        '\n',
      ),
    });
    const on = mlo(['repro'], { cwd: dir });
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout + on.stderr).toMatch(/URI=http:\/\/127\.0\.0\.1:\d+/);
    const off = mlo(['repro', '--force', '--no-mlflow'], { cwd: dir });
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout + off.stderr).toContain('URI=none');
    const sweep = mlo(['exp', 'run', '--no-mlflow', '--set', 'lr=0.2,0.3'], { cwd: dir });
    expect(sweep.code, sweep.stderr).toBe(0);
    expect((sweep.stdout + sweep.stderr).match(/URI=none/g)).toHaveLength(2);
  });
});
