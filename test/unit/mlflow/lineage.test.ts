/**
 * Issue 11 item 13: `model register` without --run finds the run whose output has the
 * model file's hash; with a run, the run's params and metrics are copied into the
 * version so gates on them work.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLinearRegressor, cachePath, registerModel, startRun } from '../../../src/index.js';
import { tempRepo } from '../tracking/temp-repo.js';

async function onnxBytes(): Promise<Uint8Array> {
  return buildLinearRegressor({ coefficients: [0.5, -0.25], intercept: 0.1 });
}

describe('registry lineage', () => {
  it('finds the producing run from its recorded output and copies its params and metrics', async () => {
    const repo = tempRepo();
    mkdirSync(join(repo.root, 'models'), { recursive: true });
    writeFileSync(join(repo.root, 'models/m.onnx'), await onnxBytes());
    const run = await startRun(repo, {
      name: 'train',
      git: false,
      endOnExit: false,
      params: { train: { C: 1 } },
    });
    run.logMetrics({ cv_auc_std: 0.05, auc: 0.9 });
    run.recordPath('output', await cachePath(repo, 'models/m.onnx'));
    await run.end();
    const r = await registerModel(repo, { name: 'churn', path: 'models/m.onnx' });
    expect(r.lineageRun).toEqual({ id: run.id, found: 'output', path: 'models/m.onnx' });
    expect(r.model.lineage.runId).toBe(run.id);
    expect(r.model.lineage.params).toEqual({ 'train.C': '1' });
    expect(r.model.metrics).toEqual({ cv_auc_std: 0.05, auc: 0.9 });
  });

  it('records no run when nothing produced the bytes', async () => {
    const repo = tempRepo();
    writeFileSync(join(repo.root, 'm.onnx'), await onnxBytes());
    const r = await registerModel(repo, { name: 'churn', path: 'm.onnx', metrics: { auc: 0.8 } });
    expect(r.lineageRun).toBeNull();
    expect(r.model.metrics).toEqual({ auc: 0.8 });
  });
});
