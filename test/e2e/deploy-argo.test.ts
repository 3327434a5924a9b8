/**
 * `mlo dag --export argo` and `mlo repro STAGE --single`: the Workflow is valid against
 * Argo's schema (from @kubernetes-models/argo-workflows), has one template per stage
 * and the DAG's edges as dependencies; each step's command, run here exactly as the
 * Workflow spells it (no Argo controller runs on this machine), brings the pipeline up
 * to date one stage at a time, and a hostile stage name stays data.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { IWorkflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/Workflow';
import { makeRepo, mlo, MLO_BIN, parseJson, tempDir, writeTree } from '../helpers/cli.js';
import { kubeModelErrors } from '../helpers/kube-schemas.js';

const IMAGE = 'registry.example.com/ml/project:1.4.0';
const MARK = `const mark = (n) => require('fs').appendFileSync('executions.log', n + '\\n');\n`;

/** prepare → train → evaluate (which also reads prepare's output), and an independent lint. */
const PIPELINE = {
  'data/raw.txt': '1\n2\n3\n4\n5\n6\n',
  'params.yaml': 'train:\n  lr: 0.5\n',
  'src/prepare.js': `${MARK}const fs = require('fs');
fs.mkdirSync('data/prepared', { recursive: true });
fs.writeFileSync('data/prepared/rows.txt', fs.readFileSync('data/raw.txt', 'utf8').trim());
mark('prepare');`,
  'src/train.js': `${MARK}const fs = require('fs');
const xs = fs.readFileSync('data/prepared/rows.txt', 'utf8').split('\\n').map(Number);
fs.mkdirSync('models', { recursive: true });
fs.writeFileSync('models/model.json', JSON.stringify({ w: 0.5 * xs.reduce((a, b) => a + b, 0) }));
mark('train');`,
  'src/evaluate.js': `${MARK}const fs = require('fs');
const { w } = JSON.parse(fs.readFileSync('models/model.json', 'utf8'));
const n = fs.readFileSync('data/prepared/rows.txt', 'utf8').split('\\n').length;
fs.writeFileSync('eval.json', JSON.stringify({ score: w / n }));
mark('evaluate');`,
  'src/lint.js': `${MARK}require('fs').writeFileSync('lint.json', '{"ok":1}'); mark('lint');`,
  'mlo.yaml': `stages:
  prepare:
    cmd: node src/prepare.js
    deps: [data/raw.txt, src/prepare.js]
    outs: [data/prepared]
  train:
    cmd: node src/train.js
    deps: [data/prepared, src/train.js]
    params: [train.lr]
    outs: [models]
  evaluate:
    cmd: node src/evaluate.js
    deps: [models, data/prepared, src/evaluate.js]
    metrics: [eval.json]
  lint:
    cmd: node src/lint.js
    deps: [src/lint.js]
    metrics: [lint.json]
`,
};

interface StageJson {
  stage: string;
  outcome: string;
  error?: string;
}

const executions = (dir: string): string[] =>
  existsSync(join(dir, 'executions.log'))
    ? readFileSync(join(dir, 'executions.log'), 'utf8').trim().split('\n')
    : [];

function exportWorkflow(dir: string, ...extra: string[]): IWorkflow {
  const r = mlo(['dag', '--export', 'argo', '--image', IMAGE, '--json', ...extra], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return parseJson<{ workflow: IWorkflow }>(r).workflow;
}

/** A directory with an `mlo` on PATH that runs this checkout's build, as the image would. */
function mloOnPath(): string {
  const bin = tempDir('mlo-path-');
  const shim = join(bin, 'mlo');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${MLO_BIN}" "$@"\n`);
  chmodSync(shim, 0o755);
  return bin;
}

/** Run a step's container command and args as the pod would, in `dir`. */
function runStep(
  dir: string,
  wf: IWorkflow,
  task: string,
  bin: string,
  env: Record<string, string> = {},
) {
  const t = wf.spec.templates!.find((x) => x.name === task)!;
  const c = t.container!;
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  const stepEnv = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: dir,
    env: { ...process.env, ...stepEnv, ...env, PATH: `${bin}:${process.env.PATH ?? ''}` },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mlo dag --export argo', () => {
  it('writes a valid Workflow: a template per stage, dependencies from the DAG', () => {
    const dir = makeRepo();
    writeTree(dir, PIPELINE);
    const wf = exportWorkflow(dir, '--name', 'churn', '--namespace', 'ml');
    expect(kubeModelErrors(wf)).toEqual([]);
    expect(wf.metadata.generateName).toBe('churn-');
    expect(wf.metadata.namespace).toBe('ml');
    const [entry, ...stages] = wf.spec.templates!;
    expect(wf.spec.entrypoint).toBe(entry.name);
    expect(stages.map((t) => t.name)).toEqual(['prepare', 'train', 'evaluate', 'lint']);
    expect(entry.dag!.tasks).toEqual([
      { name: 'prepare', template: 'prepare' },
      { name: 'train', template: 'train', dependencies: ['prepare'] },
      { name: 'evaluate', template: 'evaluate', dependencies: ['prepare', 'train'] },
      { name: 'lint', template: 'lint' },
    ]);
    for (const t of stages) {
      expect(t.container!.image).toBe(IMAGE);
      expect(t.container!.command).toEqual(['mlo']);
      expect(t.container!.args).toEqual([
        'repro',
        '--single',
        t.metadata!.annotations!['mlo.io/stage'],
      ]);
      expect(t.container!.securityContext).toMatchObject({ allowPrivilegeEscalation: false });
    }
    expect(wf.spec.securityContext).toMatchObject({ runAsNonRoot: true });

    // the YAML form is the same object, and a file with --out
    const yaml = mlo(
      ['dag', '--export', 'argo', '--image', IMAGE, '--name', 'churn', '--namespace', 'ml'],
      {
        cwd: dir,
      },
    );
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(parse(yaml.stdout)).toEqual(wf);
    const out = mlo(['dag', '--export', 'argo', '--image', IMAGE, '--out', 'wf.yaml'], {
      cwd: dir,
    });
    expect(out.code, out.stderr).toBe(0);
    expect(kubeModelErrors(parse(readFileSync(join(dir, 'wf.yaml'), 'utf8')) as IWorkflow)).toEqual(
      [],
    );
    const again = mlo(['dag', '--export', 'argo', '--image', IMAGE, '--out', 'wf.yaml'], {
      cwd: dir,
    });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/wf.yaml already exists/);

    // only what `train` needs
    const part = exportWorkflow(dir, 'train');
    expect(part.spec.templates!.slice(1).map((t) => t.name)).toEqual(['prepare', 'train']);
  });

  it('refuses bad flags with a one-line error', () => {
    const dir = makeRepo();
    writeTree(dir, PIPELINE);
    const cases: [string[], RegExp][] = [
      [['--export', 'airflow', '--image', IMAGE], /--export airflow: unknown orchestrator/],
      [['--export', 'argo'], /--export argo needs --image/],
      [['--export', 'argo', '--image', 'project:latest'], /--image/],
      [['--export', 'argo', '--image', IMAGE, '--remote', 'nope'], /--remote nope: no such remote/],
      [['--export', 'argo', '--image', IMAGE, '--name', 'Bad_Name'], /not a DNS label/],
      [['--export', 'argo', '--image', IMAGE, 'nosuchstage'], /no stage named nosuchstage/],
    ];
    for (const [args, message] of cases) {
      const r = mlo(['dag', ...args], { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const empty = makeRepo();
    writeTree(empty, { 'mlo.yaml': 'stages: {}\n' });
    const r = mlo(['dag', '--export', 'argo', '--image', IMAGE], { cwd: empty });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no stages to export/);
  });

  it('its steps, run in DAG order as written, bring the pipeline up to date one stage each', () => {
    const dir = makeRepo();
    writeTree(dir, PIPELINE);
    const wf = exportWorkflow(dir);
    const bin = mloOnPath();
    for (const task of ['prepare', 'lint', 'train', 'evaluate']) {
      const r = runStep(dir, wf, task, bin);
      expect(r.code, r.stderr).toBe(0);
      // each step ran its own stage and nothing else
      expect(executions(dir).at(-1)).toBe(task);
    }
    expect(executions(dir)).toHaveLength(4);
    expect(JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8'))).toEqual({ score: 1.75 });
  });

  it('with --remote each step pulls, runs its stage and pushes, the names passed as data', () => {
    const dir = makeRepo();
    const store = tempDir('mlo-remote-');
    writeTree(dir, PIPELINE);
    expect(mlo(['remote', 'add', 'team', store], { cwd: dir }).code).toBe(0);
    const wf = exportWorkflow(dir, '--remote', 'team', '--env-secret', 'remote-creds');
    expect(kubeModelErrors(wf)).toEqual([]);
    const c = wf.spec.templates!.find((t) => t.name === 'train')!.container!;
    expect(c.command!.slice(0, 2)).toEqual(['sh', '-c']);
    expect(c.command!.slice(3)).toEqual(['mlo-stage', 'train']);
    expect(c.command![2]).not.toContain('train');
    expect(c.env).toContainEqual({ name: 'MLO_REMOTE', value: 'team' });
    expect(c.envFrom).toEqual([{ secretRef: { name: 'remote-creds' } }]);
    // data tracked with mlo add travels through the remote: the step pulls it first
    writeFileSync(join(dir, 'data/raw.txt'), '2\n4\n');
    expect(mlo(['add', 'data/raw.txt'], { cwd: dir }).code).toBe(0);
    expect(mlo(['push'], { cwd: dir }).code).toBe(0);
    rmSync(join(dir, 'data/raw.txt'));
    const bin = mloOnPath();
    const r = runStep(dir, wf, 'prepare', bin);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'data/prepared/rows.txt'), 'utf8')).toBe('2\n4');
    expect(executions(dir)).toEqual(['prepare']);
  });

  it('a stage name from a foreach value stays data in the shell; "{{" is refused', () => {
    const dir = makeRepo();
    mkdirSync(join(dir, 'src'));
    writeTree(dir, {
      'src/say.js': MARK + "mark('say');",
      'mlo.yaml': `stages:
  say:
    foreach: ['$(touch pwned)', "x'; touch pwned2; echo '"]
    do:
      cmd: node src/say.js \${key}
      deps: [src/say.js]
`,
    });
    const store = tempDir('mlo-remote-');
    expect(mlo(['remote', 'add', 'team', store], { cwd: dir }).code).toBe(0);
    const wf = exportWorkflow(dir, '--remote', 'team');
    expect(kubeModelErrors(wf)).toEqual([]);
    const bin = mloOnPath();
    for (const t of wf.spec.templates!.slice(1)) {
      const r = runStep(dir, wf, t.name!, bin);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(existsSync(join(dir, 'pwned2'))).toBe(false);
    // both steps ran their stage, found by the name passed as "$1"
    expect(executions(dir)).toEqual(['say', 'say']);

    writeTree(dir, {
      'mlo.yaml': `stages:\n  say:\n    foreach: ['{{workflow.name}}']\n    do:\n      cmd: node src/say.js x\n`,
    });
    const r = mlo(['dag', '--export', 'argo', '--image', IMAGE], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /stage name say@\{\{workflow.name\}\} holds "\{\{", which Argo would expand/,
    );
  });
});

describe('mlo repro STAGE --single', () => {
  it('runs only the named stage; what it needs must come from mlo.lock or the run cache', () => {
    const dir = makeRepo();
    writeTree(dir, PIPELINE);
    const repro = (...args: string[]) => mlo(['repro', '--json', ...args], { cwd: dir });

    // nothing has run: the upstream stage would have to run, so nothing does
    let r = repro('train', '--single');
    expect(r.code).toBe(1);
    let stages = parseJson<{ stages: StageJson[] }>(r).stages;
    expect(stages.map((s) => [s.stage, s.outcome])).toEqual([
      ['prepare', 'failed'],
      ['train', 'blocked'],
    ]);
    expect(stages[0].error).toMatch(/--single: upstream stage prepare is not up to date/);
    expect(executions(dir)).toEqual([]);

    // upstream up to date: skipped, the target runs
    expect(repro('prepare').code).toBe(0);
    r = repro('train', '--single');
    expect(r.code, r.stderr).toBe(0);
    stages = parseJson<{ stages: StageJson[] }>(r).stages;
    expect(stages.map((s) => [s.stage, s.outcome])).toEqual([
      ['prepare', 'skipped'],
      ['train', 'ran'],
    ]);

    // upstream outputs gone but in the run cache: restored, never run again
    rmSync(join(dir, 'data/prepared'), { recursive: true });
    rmSync(join(dir, 'models'), { recursive: true });
    r = repro('train', '--single', '--force');
    expect(r.code, r.stderr).toBe(0);
    stages = parseJson<{ stages: StageJson[] }>(r).stages;
    expect(stages.map((s) => [s.stage, s.outcome])).toEqual([
      ['prepare', 'restored'],
      ['train', 'ran'],
    ]);
    expect(executions(dir)).toEqual(['prepare', 'train', 'train']);

    const none = mlo(['repro', '--single'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--single needs the stages to run/);
  });
});
