/**
 * `mlo import mlflow`: a file store laid out as MLflow writes mlruns/ (experiment and
 * run meta.yaml, metrics as "timestamp value step" lines, params/tags as files,
 * artifacts, registered models with versions and aliases); importing twice changes
 * nothing. Plus the registry's tag/describe audit and lineage found from outputs.
 */
import { describe, expect, it } from 'vitest';
import { makeRepo, mlo, parseJson, writeTree } from '../helpers/cli.js';

const RUN = 'a'.repeat(32);

function mlruns(dir: string): void {
  writeTree(dir, {
    'mlruns/0/meta.yaml':
      'artifact_location: file:///x/mlruns/0\nexperiment_id: "0"\nlifecycle_stage: active\nname: Default\n',
    'mlruns/1/meta.yaml':
      'artifact_location: file:///x/mlruns/1\nexperiment_id: "1"\nlifecycle_stage: active\nname: churn\ncreation_time: 1700000000000\n',
    'mlruns/1/tags/owner': 'ana',
    [`mlruns/1/${RUN}/meta.yaml`]: `artifact_uri: file:///x/mlruns/1/${RUN}/artifacts\nend_time: 1700000005000\nexperiment_id: "1"\nlifecycle_stage: active\nrun_id: ${RUN}\nrun_name: sweep-1\nstart_time: 1700000000000\nstatus: 3\nuser_id: ana\n`,
    [`mlruns/1/${RUN}/metrics/loss`]:
      '1700000001000 0.9 0\n1700000002000 0.5 1\n1700000003000 0.25 2\n',
    [`mlruns/1/${RUN}/params/train/C`]: '1.0',
    [`mlruns/1/${RUN}/tags/mlflow.runName`]: 'sweep-1',
    [`mlruns/1/${RUN}/tags/team`]: 'churn',
    [`mlruns/1/${RUN}/artifacts/model/MLmodel`]:
      'flavors:\n  sklearn:\n    pickled_model: model.pkl\n',
    [`mlruns/1/${RUN}/artifacts/model/model.pkl`]: 'pickle',
    'mlruns/models/churn/meta.yaml': 'name: churn\ndescription: churn model\n',
    'mlruns/models/churn/version-1/meta.yaml': `name: churn\nversion: 1\nrun_id: ${RUN}\nsource: file:///x/mlruns/1/${RUN}/artifacts/model\ncurrent_stage: None\n`,
    'mlruns/models/churn/aliases/champion': '1',
  });
}

describe('mlo import mlflow', () => {
  it('imports experiments, runs, history, artifacts and models; twice changes nothing', () => {
    const dir = makeRepo();
    mlruns(dir);
    const first = parseJson<{
      runs: { imported: number };
      metricPoints: number;
      versions: { created: number };
    }>(mlo(['import', 'mlflow', 'mlruns', '--json'], { cwd: dir }));
    expect(first.runs.imported).toBe(1);
    expect(first.metricPoints).toBe(3);
    expect(first.versions.created).toBe(1);
    const second = parseJson<{
      runs: { imported: number; existing: number };
      versions: { created: number };
    }>(mlo(['import', 'mlflow', 'mlruns', '--json'], { cwd: dir }));
    expect(second.runs).toMatchObject({ imported: 0, existing: 1 });
    expect(second.versions.created).toBe(0);

    const run = parseJson<{
      name: string;
      experiment: string;
      params: Record<string, string>;
      tags: Record<string, string>;
      status: string;
      artifacts: { name: string }[];
    }>(mlo(['runs', 'show', RUN, '--json'], { cwd: dir }));
    expect(run).toMatchObject({ name: 'sweep-1', experiment: 'churn', status: 'finished' });
    expect(run.params).toEqual({ 'train/C': '1.0' });
    expect(run.artifacts.map((a) => a.name)).toEqual(['model/MLmodel', 'model/model.pkl']);
    const hist = parseJson<{ points: { step: number; value: number }[] }>(
      mlo(['metrics', 'history', RUN, 'loss', '--json'], { cwd: dir }),
    );
    expect(hist.points.map((p) => p.value)).toEqual([0.9, 0.5, 0.25]);
    const exps = parseJson<{ experiments: { name: string; runs: number }[] }>(
      mlo(['experiments', 'list', '--json'], { cwd: dir }),
    );
    expect(exps.experiments).toEqual([
      expect.objectContaining({ name: 'Default', runs: 0 }),
      expect.objectContaining({ name: 'churn', runs: 1 }),
    ]);
    const listed = parseJson<{ runs: { id: string }[] }>(
      mlo(['runs', 'list', '--experiment', 'churn', '--json'], { cwd: dir }),
    );
    expect(listed.runs.map((r) => r.id)).toEqual([RUN]);
    const shown = parseJson<{ format: string; aliases: string[]; lineage: { runId: string } }>(
      mlo(['model', 'show', 'churn@1', '--json'], { cwd: dir }),
    );
    expect(shown).toMatchObject({
      format: 'mlflow',
      aliases: ['champion'],
      lineage: { runId: RUN },
    });
    // not ONNX: serve/eval/promote say so
    writeTree(dir, { 'x.csv': 'a,y\n1,0\n2,1\n' });
    const ev = mlo(['eval', 'churn@1', '--data', 'x.csv', '--target', 'y'], { cwd: dir });
    expect(ev.code).toBe(2);
    expect(ev.stderr).toMatch(/churn@1 is an MLflow model directory without an onnx flavor/);
  });

  it('model tag and describe change a version after registration, audited', () => {
    const dir = makeRepo();
    mlruns(dir);
    mlo(['import', 'mlflow', 'mlruns'], { cwd: dir });
    const t = mlo(['model', 'tag', 'churn@1', 'reviewed=yes'], { cwd: dir });
    expect(t.code, t.stderr).toBe(0);
    const d = mlo(['model', 'describe', 'churn@1', 'L2 logistic regression'], { cwd: dir });
    expect(d.code, d.stderr).toBe(0);
    const v = parseJson<{ tags: Record<string, string>; description: string }>(
      mlo(['model', 'show', 'churn@1', '--json'], { cwd: dir }),
    );
    expect(v.tags).toEqual({ reviewed: 'yes' });
    expect(v.description).toBe('L2 logistic regression');
    const again = parseJson<{ changes: { changed: boolean }[] }>(
      mlo(['model', 'tag', 'churn@1', 'reviewed=yes', '--json'], { cwd: dir }),
    );
    expect(again.changes[0].changed).toBe(false);
    const bad = mlo(['model', 'tag', 'churn@x', 'a=b'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: churn@x: tag and describe take NAME or NAME@VERSION/m);
  });
});
