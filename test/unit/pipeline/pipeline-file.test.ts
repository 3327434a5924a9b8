import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MloError, buildDag, loadPipeline, selectStages, type Repo } from '../../../src/index.js';
import { tempRepo } from '../tracking/temp-repo.js';

function withFiles(files: Record<string, string>): Repo {
  const repo = tempRepo();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(repo.root, name), text);
  return repo;
}

function loadError(yaml: string, extra: Record<string, string> = {}): MloError {
  const repo = withFiles({ 'mlo.yaml': yaml, ...extra });
  try {
    buildDag(loadPipeline(repo));
  } catch (err) {
    if (err instanceof MloError) return err;
    throw err;
  }
  throw new Error('loaded without error');
}

describe('mlo.yaml', () => {
  it('expands foreach lists, foreach maps and matrices, interpolating item, key, vars and params.yaml', () => {
    const repo = withFiles({
      'params.yaml': 'train:\n  epochs: 7\n',
      'mlo.yaml': `
vars:
  out: results
stages:
  build:
    foreach: [uk, us]
    do:
      cmd: make \${item}
      outs:
        - \${vars_out}/\${item}.bin
  fit:
    foreach:
      small: {size: 1}
      big: {size: 9}
    do:
      cmd: fit --size \${item.size} --name \${key} --epochs \${train.epochs}
  grid:
    matrix:
      model: [rf, svm]
      depth: [3, 5]
    cmd: train \${item.model} \${item.depth}
    outs:
      - models/\${item.model}-\${item.depth}.json
`.replace('${vars_out}', '${out}'),
    });
    const p = loadPipeline(repo);
    expect(p.stages.map((s) => s.name)).toEqual([
      'build@uk',
      'build@us',
      'fit@small',
      'fit@big',
      'grid@rf-3',
      'grid@rf-5',
      'grid@svm-3',
      'grid@svm-5',
    ]);
    expect(p.byName.get('build@us')).toMatchObject({ cmd: ['make us'], group: 'build' });
    expect(p.byName.get('build@us')?.outs).toEqual([
      { path: 'results/us.bin', cache: true, persist: false, gitignore: true },
    ]);
    expect(p.byName.get('fit@big')?.cmd).toEqual(['fit --size 9 --name big --epochs 7']);
    expect(p.byName.get('grid@svm-5')?.outs.map((o) => o.path)).toEqual(['models/svm-5.json']);
  });

  it('normalises paths, reads params declarations and out options', () => {
    const repo = withFiles({
      'mlo.yaml': `
stages:
  s:
    cmd: [a, b]
    deps: [./data//x.csv, src/]
    params:
      - train.lr
      - other.yaml: [k1, k2]
      - all.json: []
    outs:
      - model.pkl
      - small.json: {cache: false}
      - state: {persist: true}
    metrics: [m.json]
    env: {SEED: 1, MODE: fast}
    always_changed: true
`,
    });
    const s = loadPipeline(repo).stages[0];
    expect(s.cmd).toEqual(['a', 'b']);
    expect(s.deps).toEqual(['data/x.csv', 'src']);
    expect(s.params).toEqual([
      { file: 'params.yaml', keys: ['train.lr'] },
      { file: 'other.yaml', keys: ['k1', 'k2'] },
      { file: 'all.json', keys: [] },
    ]);
    expect(s.outs).toEqual([
      { path: 'model.pkl', cache: true, persist: false, gitignore: true },
      { path: 'small.json', cache: false, persist: false, gitignore: false },
      { path: 'state', cache: true, persist: true, gitignore: true },
    ]);
    expect(s.metrics).toEqual([{ path: 'm.json', cache: true, persist: false, gitignore: false }]);
    expect(s.env).toEqual({ SEED: '1', MODE: 'fast' });
    expect(s.alwaysChanged).toBe(true);
  });

  it.each([
    ['stages:\n  a:\n    cmd: x\n    depz: [a]\n', 'mlo.yaml:4:5', 'depz'],
    ['stages:\n  a:\n    cmd: 3\n', 'mlo.yaml:3:10', 'expected a command'],
    ['stages:\n  a:\n    deps: [x]\n', 'mlo.yaml:3:5', 'missing "cmd"'],
    ['stages:\n  a:\n    cmd: x\n    deps: data\n', 'mlo.yaml:4:11', 'expected a list of paths'],
    [
      'stages:\n  a:\n    foreach: [1]\n    cmd: x\n',
      'mlo.yaml:3:14',
      'mlo.yaml:4:10: stages.a.cmd: with foreach, "cmd" belongs under "do:"',
    ],
    ['stages:\n  a:\n    do: {cmd: x}\n', 'mlo.yaml:3:9', 'needs "foreach:"'],
    [
      'stages:\n  a:\n    cmd: x\n    outs: [/abs/path]\n',
      'mlo.yaml:4:12',
      'relative to the repository root',
    ],
    ['stages:\n  a:\n    cmd: x\n    deps: [../up]\n', 'mlo.yaml:4:12', 'outside the repository'],
    ['stages:\n  a:\n    cmd: echo ${nope}\n', 'mlo.yaml:3:5', '${nope} is not defined'],
    ['stages:\n  a b:\n    cmd: x\n', 'mlo.yaml:2:3', 'stage name'],
    ['stages:\n  a:\n    cmd: x\n    outs: [o, o]\n', 'mlo.yaml:4:15', 'listed twice'],
    ['stages:\n  a:\n    cmd: [x\n', 'mlo.yaml:4:1', 'Flow sequence in block collection'],
  ])('%j is refused at %s', (yaml, where, message) => {
    const err = loadError(yaml);
    expect(err.exitCode).toBe(2);
    expect(`${err.message}\n${err.hint ?? ''}`).toContain(message);
    expect(err.message.startsWith(where)).toBe(true);
  });

  it('leaves other top-level sections to their owners', () => {
    const repo = withFiles({ 'mlo.yaml': 'suites: {x: 1}\nstages:\n  a:\n    cmd: x\n' });
    expect(loadPipeline(repo).stages).toHaveLength(1);
  });
});

describe('stage graph', () => {
  const yaml = `
stages:
  prepare:
    cmd: p
    deps: [raw.csv]
    outs: [data]
  train:
    cmd: t
    deps: [data/train.csv]
    outs: [model.pkl]
  report:
    cmd: r
    deps: [model.pkl, data]
    metrics: [m.json]
  other:
    cmd: o
`;

  it('links a stage to the writer of its deps (same path, inside, or holding an output)', () => {
    const dag = buildDag(loadPipeline(withFiles({ 'mlo.yaml': yaml })));
    // file order among stages that are ready together
    expect(dag.order).toEqual(['prepare', 'train', 'report', 'other']);
    expect([...(dag.upstream.get('train') ?? [])]).toEqual(['prepare']);
    expect([...(dag.upstream.get('report') ?? [])].sort()).toEqual(['prepare', 'train']);
    expect(selectStages(dag, ['train'])).toEqual(['prepare', 'train']);
    expect(() => selectStages(dag, ['nope'])).toThrow(/no stage named nope/);
  });

  it('names the stages of a cycle', () => {
    const err = loadError(`
stages:
  a:
    cmd: a
    deps: [y]
    outs: [x]
  b:
    cmd: b
    deps: [x]
    outs: [y]
`);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/cycle: (a -> b -> a|b -> a -> b)/);
  });

  it('names both stages writing one output, and overlapping outputs', () => {
    expect(
      loadError('stages:\n  a:\n    cmd: a\n    outs: [o]\n  b:\n    cmd: b\n    outs: [o]\n')
        .message,
    ).toBe('stages a and b both write o');
    expect(
      loadError(
        'stages:\n  a:\n    cmd: a\n    outs: [d]\n  b:\n    cmd: b\n    metrics: [d/m.json]\n',
      ).message,
    ).toContain('outputs overlap: d (stage a) and d/m.json (stage b)');
    expect(loadError('stages:\n  a:\n    cmd: a\n    deps: [o/x]\n    outs: [o]\n').message).toBe(
      'stage a depends on its own output o',
    );
  });
});
