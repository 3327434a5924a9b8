import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, mlo, mloAsync, parseJson, writeTree } from '../helpers/cli.js';

interface StageJson {
  stage: string;
  outcome: string;
  reasons: string[];
  runId?: string;
  error?: string;
  exitCode?: number;
}
interface ReproJson {
  stages: StageJson[];
  ok: boolean;
}

const LOG = `const mark = (name) => require('fs').appendFileSync('executions.log', name + '\\n');\n`;

/** prepare → train → evaluate, as node scripts that record each execution. */
const PIPELINE = {
  'data/raw.txt': '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n',
  'params.yaml': '# knobs\ntrain:\n  lr: 0.1   # learning rate\n  epochs: 3\neval:\n  k: 5\n',
  'src/prepare.js': `${LOG}const fs = require('fs');
const rows = fs.readFileSync('data/raw.txt', 'utf8').trim().split('\\n');
fs.mkdirSync('data/prepared', { recursive: true });
fs.writeFileSync('data/prepared/train.txt', rows.slice(0, 6).join('\\n'));
fs.writeFileSync('data/prepared/test.txt', rows.slice(6).join('\\n'));
mark('prepare');`,
  'src/train.js': `${LOG}const fs = require('fs');
const lr = Number(/lr: ([0-9.]+)/.exec(fs.readFileSync('params.yaml', 'utf8'))[1]);
const xs = fs.readFileSync('data/prepared/train.txt', 'utf8').split('\\n').map(Number);
fs.mkdirSync('models', { recursive: true });
fs.writeFileSync('models/model.json', JSON.stringify({ w: lr * xs.reduce((a, b) => a + b, 0) }));
fs.appendFileSync(process.env.MLO_LOG, JSON.stringify({ metric: 'loss', value: 1 - lr }) + '\\n');
fs.writeFileSync('metrics.json', JSON.stringify({ train: { loss: 1 - lr } }));
mark('train');`,
  'src/evaluate.js': `${LOG}const fs = require('fs');
const { w } = JSON.parse(fs.readFileSync('models/model.json', 'utf8'));
const test = fs.readFileSync('data/prepared/test.txt', 'utf8').split('\\n').map(Number);
fs.writeFileSync('eval.json', JSON.stringify({ score: w + test.length }));
mark('evaluate');`,
  'mlo.yaml': `stages:
  prepare:
    cmd: node src/prepare.js
    deps: [data/raw.txt, src/prepare.js]
    outs: [data/prepared]
  train:
    cmd: node src/train.js
    deps: [data/prepared/train.txt, src/train.js]
    params: [train.lr]
    outs: [models]
    metrics: [metrics.json]
  evaluate:
    cmd: node src/evaluate.js
    deps: [models, data/prepared/test.txt, src/evaluate.js]
    params: [eval.k]
    metrics: [eval.json]
`,
};

function setup(): string {
  const dir = makeRepo();
  writeTree(dir, PIPELINE);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'pipeline');
  return dir;
}

const executions = (dir: string): string[] =>
  existsSync(join(dir, 'executions.log'))
    ? readFileSync(join(dir, 'executions.log'), 'utf8').trim().split('\n')
    : [];

function repro(dir: string, ...args: string[]): ReproJson {
  const r = mlo(['repro', '--json', ...args], { cwd: dir });
  const out = parseJson<ReproJson>(r);
  return out;
}

const outcomes = (r: ReproJson): Record<string, string> =>
  Object.fromEntries(r.stages.map((s) => [s.stage, s.outcome]));
const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');

describe('mlo repro', () => {
  it('runs stages in order, then skips or reruns exactly what changed', () => {
    const dir = setup();
    const first = repro(dir);
    expect(first.ok).toBe(true);
    expect(outcomes(first)).toEqual({ prepare: 'ran', train: 'ran', evaluate: 'ran' });
    expect(executions(dir)).toEqual(['prepare', 'train', 'evaluate']);
    const lock = read(dir, 'mlo.lock');
    expect(lock.indexOf('  evaluate:')).toBeLessThan(lock.indexOf('  prepare:'));
    expect(lock).toContain('train.lr: 0.1');
    // each stage run is a run with the stage's params and metrics
    const train = first.stages[1];
    const run = parseJson<{
      params: Record<string, string>;
      metrics: Record<string, number>;
      tags: Record<string, string>;
      status: string;
    }>(mlo(['runs', 'show', train.runId as string, '--json'], { cwd: dir }));
    expect(run).toMatchObject({
      status: 'finished',
      params: { 'train.lr': '0.1' },
      tags: { 'mlo.stage': 'train' },
    });
    expect(run.metrics).toEqual({ loss: 0.9, 'train.loss': 0.9 });
    // outs are kept out of git
    expect(read(dir, 'data/.gitignore')).toContain('/prepared');

    // nothing changed: all skipped, lock byte-identical
    expect(outcomes(repro(dir))).toEqual({
      prepare: 'skipped',
      train: 'skipped',
      evaluate: 'skipped',
    });
    expect(read(dir, 'mlo.lock')).toBe(lock);
    expect(executions(dir)).toHaveLength(3);

    // a dep changes only the test split: prepare and evaluate run, train's dep is unchanged
    writeFileSync(join(dir, 'data/raw.txt'), `${PIPELINE['data/raw.txt']}11\n`);
    expect(outcomes(repro(dir))).toEqual({ prepare: 'ran', train: 'skipped', evaluate: 'ran' });

    // a param: train and (its model changed) evaluate
    writeFileSync(join(dir, 'params.yaml'), PIPELINE['params.yaml'].replace('lr: 0.1', 'lr: 0.2'));
    const p = repro(dir);
    expect(outcomes(p)).toEqual({ prepare: 'skipped', train: 'ran', evaluate: 'ran' });
    expect(p.stages[1].reasons).toEqual(['param train.lr changed (0.1 -> 0.2)']);

    // a param the stage does not declare: nothing
    writeFileSync(
      join(dir, 'params.yaml'),
      read(dir, 'params.yaml').replace('epochs: 3', 'epochs: 4'),
    );
    expect(outcomes(repro(dir))).toEqual({
      prepare: 'skipped',
      train: 'skipped',
      evaluate: 'skipped',
    });

    // the command
    writeFileSync(
      join(dir, 'mlo.yaml'),
      PIPELINE['mlo.yaml'].replace(
        'cmd: node src/evaluate.js',
        'cmd: node src/evaluate.js --verbose',
      ),
    );
    const c = repro(dir);
    expect(outcomes(c)).toEqual({ prepare: 'skipped', train: 'skipped', evaluate: 'ran' });
    expect(c.stages[2].reasons).toEqual(['command changed']);
    expect(executions(dir)).toEqual([
      'prepare',
      'train',
      'evaluate',
      'prepare',
      'evaluate',
      'train',
      'evaluate',
      'evaluate',
    ]);
  });

  it('restores deleted outputs from the run cache instead of running', () => {
    const dir = setup();
    repro(dir);
    const model = read(dir, 'models/model.json');
    rmSync(join(dir, 'models'), { recursive: true });
    const r = repro(dir);
    expect(outcomes(r)).toEqual({ prepare: 'skipped', train: 'restored', evaluate: 'skipped' });
    expect(r.stages[1].reasons).toEqual(['out models is missing']);
    expect(read(dir, 'models/model.json')).toBe(model);
    expect(executions(dir)).toEqual(['prepare', 'train', 'evaluate']);
    // and says so in the terminal
    rmSync(join(dir, 'eval.json'));
    const human = mlo(['repro'], { cwd: dir });
    expect(human.stdout).toMatch(
      /restored evaluate from the run cache \(outputs of run [0-9a-f]{8}\)/,
    );

    // back to an earlier param value: its outputs come from the cache too
    writeFileSync(join(dir, 'params.yaml'), PIPELINE['params.yaml'].replace('lr: 0.1', 'lr: 0.3'));
    repro(dir);
    writeFileSync(join(dir, 'params.yaml'), PIPELINE['params.yaml']);
    expect(outcomes(repro(dir))).toEqual({
      prepare: 'skipped',
      train: 'restored',
      evaluate: 'restored',
    });
    expect(read(dir, 'models/model.json')).toBe(model);
    expect(executions(dir).filter((e) => e === 'train')).toHaveLength(2);

    // gc keeps what the lock and the run cache need
    const gc = mlo(['gc', '--json'], { cwd: dir });
    expect(gc.code, gc.stderr).toBe(0);
    rmSync(join(dir, 'models'), { recursive: true });
    expect(outcomes(repro(dir)).train).toBe('restored');
  });

  it('--dry-run says what would happen and changes nothing; --force runs everything', () => {
    const dir = setup();
    const dry = repro(dir, '--dry-run');
    expect(outcomes(dry)).toEqual({
      prepare: 'would-run',
      train: 'would-run',
      evaluate: 'would-run',
    });
    expect(existsSync(join(dir, 'mlo.lock'))).toBe(false);
    expect(executions(dir)).toEqual([]);
    repro(dir);
    rmSync(join(dir, 'models'), { recursive: true });
    expect(outcomes(repro(dir, '-n'))).toEqual({
      prepare: 'skipped',
      train: 'would-restore',
      evaluate: 'skipped',
    });
    expect(existsSync(join(dir, 'models'))).toBe(false);
    expect(outcomes(repro(dir, '--force', 'train'))).toEqual({ prepare: 'ran', train: 'ran' });
  });

  it('runs independent stages in parallel with -j', () => {
    const dir = makeRepo();
    // each stage waits for the other's marker: they finish only if they run at the same time
    const wait = (me: string, other: string): string => `
const fs = require('fs');
fs.writeFileSync('${me}.started', '');
const t0 = Date.now();
const t = setInterval(() => {
  if (fs.existsSync('${other}.started')) { clearInterval(t); fs.writeFileSync('${me}.out', 'ok'); }
  else if (Date.now() - t0 > 15000) { console.error('${other} never started'); process.exit(1); }
}, 20);`;
    writeTree(dir, {
      'a.js': wait('a', 'b'),
      'b.js': wait('b', 'a'),
      'mlo.yaml':
        'stages:\n  a:\n    cmd: node a.js\n    outs: [a.out]\n  b:\n    cmd: node b.js\n    outs: [b.out]\n  join:\n    cmd: cat a.out b.out > joined.txt\n    deps: [a.out, b.out]\n    outs: [joined.txt]\n',
    });
    const r = mlo(['repro', '-j', '2'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(read(dir, 'joined.txt')).toBe('okok');
  });

  it('a failing stage blocks its dependents; independent stages finish; exit 1 with a summary', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'mlo.yaml': `stages:
  broken:
    cmd: node -e "console.log('step 1'); console.error('cannot open weights'); process.exit(4)"
    outs: [x.txt]
  after:
    cmd: cp x.txt y.txt
    deps: [x.txt]
    outs: [y.txt]
  lazy:
    cmd: node -e "0"
    outs: [never.txt]
  fine:
    cmd: echo fine > fine.txt
    outs: [fine.txt]
`,
    });
    const r = mlo(['repro', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = parseJson<ReproJson>(r);
    expect(out.ok).toBe(false);
    expect(outcomes(out)).toEqual({
      broken: 'failed',
      after: 'blocked',
      lazy: 'failed',
      fine: 'ran',
    });
    const by = Object.fromEntries(out.stages.map((s) => [s.stage, s]));
    expect(by.broken).toMatchObject({ exitCode: 4, error: 'exited with code 4' });
    expect(by.after.reasons).toEqual(['upstream stage broken failed']);
    expect(by.lazy.error).toBe('the stage did not write its out never.txt');
    expect(read(dir, 'fine.txt')).toBe('fine\n');
    const run = parseJson<{ status: string; logTail: string }>(
      mlo(['runs', 'show', by.broken.runId as string, '--json'], { cwd: dir }),
    );
    expect(run).toMatchObject({ status: 'failed', logTail: 'step 1\ncannot open weights' });
    // the failed stages left no lock entry; the good one did
    const lock = read(dir, 'mlo.lock');
    expect(lock).toContain('  fine:');
    expect(lock).not.toContain('  broken:');
    const human = mlo(['repro'], { cwd: dir });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/summary: 1 skipped, 2 failed, 1 blocked/);
    expect(human.stdout).toMatch(/failed\s+broken: exited with code 4/);
    expect(human.stdout).toMatch(/\| cannot open weights/);
    expect(human.stdout).toMatch(/blocked\s+after: upstream stage broken failed/);
  });

  it('Ctrl-C stops the running stage tree, marks its run killed and records nothing for it', async () => {
    const dir = makeRepo();
    writeTree(dir, {
      'slow.js':
        "require('fs').writeFileSync('started', process.env.MLO_RUN_ID); setInterval(() => {}, 1000);",
      'mlo.yaml':
        'stages:\n  slow:\n    cmd: node slow.js\n    outs: [never.txt]\n  next:\n    cmd: touch n.txt\n    deps: [never.txt]\n    outs: [n.txt]\n',
    });
    const p = mloAsync(['repro', '--json'], { cwd: dir });
    const end = Date.now() + 20_000;
    while (!existsSync(join(dir, 'started')) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    p.child.kill('SIGINT');
    const r = await p.done;
    expect(r.code).toBe(130);
    const out = JSON.parse(r.stdout) as ReproJson;
    expect(outcomes(out)).toEqual({ slow: 'killed', next: 'blocked' });
    const run = parseJson<{ status: string }>(
      mlo(['runs', 'show', read(dir, 'started'), '--json'], { cwd: dir }),
    );
    expect(run.status).toBe('killed');
    expect(existsSync(join(dir, 'mlo.lock'))).toBe(false);
  });
});

describe('pipeline files', () => {
  it('expands foreach and matrix stages and draws the graph', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'mlo.yaml': `stages:
  prep:
    foreach: [a, b]
    do:
      cmd: echo \${item} > \${item}.txt
      outs:
        - \${item}.txt
  fit:
    matrix:
      src: [a, b]
      k: [1, 2]
    cmd: cat \${item.src}.txt > fit-\${item.src}-\${item.k}.txt
    deps:
      - \${item.src}.txt
    outs:
      - fit-\${item.src}-\${item.k}.txt
`,
    });
    const r = repro(dir, '-j', '2');
    expect(r.stages.map((s) => s.stage).sort()).toEqual([
      'fit@a-1',
      'fit@a-2',
      'fit@b-1',
      'fit@b-2',
      'prep@a',
      'prep@b',
    ]);
    expect(r.ok).toBe(true);
    expect(read(dir, 'fit-b-2.txt')).toBe('b\n');
    const tree = mlo(['dag'], { cwd: dir });
    expect(tree.stdout).toBe(
      'prep@a\n├─▶ fit@a-1\n└─▶ fit@a-2\nprep@b\n├─▶ fit@b-1\n└─▶ fit@b-2\n',
    );
    const mermaid = mlo(['dag', '--mermaid', 'fit@a-1'], { cwd: dir });
    expect(mermaid.stdout).toBe('flowchart TD\n  s0["prep@a"]\n  s1["fit@a-1"]\n  s0 --> s1\n');
    const dot = mlo(['dag', '--dot'], { cwd: dir });
    expect(dot.stdout).toContain('"prep@b" -> "fit@b-2";');
    expect(dot.stdout.startsWith('digraph pipeline {')).toBe(true);
  });

  it('refuses a cycle and two writers of one output, naming the stages (exit 2)', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'mlo.yaml':
        'stages:\n  a:\n    cmd: x\n    deps: [b.txt]\n    outs: [a.txt]\n  b:\n    cmd: y\n    deps: [a.txt]\n    outs: [b.txt]\n',
    });
    const cyc = mlo(['repro'], { cwd: dir });
    expect(cyc.code).toBe(2);
    expect(cyc.stderr).toMatch(/error: the stages form a cycle: (a -> b -> a|b -> a -> b)/);
    writeTree(dir, {
      'mlo.yaml':
        'stages:\n  a:\n    cmd: x\n    outs: [o.txt]\n  b:\n    cmd: y\n    outs: [o.txt]\n',
    });
    const dup = mlo(['dag'], { cwd: dir });
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/error: stages a and b both write o.txt/);
    writeTree(dir, {
      'mlo.yaml': 'stages:\n  a:\n    cmd: x\n    outs: [o.txt]\n    deps: [missing.txt]\n',
    });
    const missing = mlo(['repro'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /error: stage a: dependency missing.txt does not exist and no stage writes it/,
    );
    writeTree(dir, {
      'data/raw.csv': 'a\n',
      'mlo.yaml': 'stages:\n  a:\n    cmd: x\n    outs: [data/raw.csv]\n',
    });
    expect(mlo(['add', 'data/raw.csv'], { cwd: dir }).code).toBe(0);
    const tracked = mlo(['repro'], { cwd: dir });
    expect(tracked.code).toBe(2);
    expect(tracked.stderr).toMatch(
      /error: stage a writes data\/raw.csv, which is tracked by data\/raw.csv.mlo/,
    );
    writeTree(dir, { 'mlo.yaml': 'stages:\n  a:\n    cmd: x\n    outz: [o.txt]\n' });
    const typo = mlo(['repro'], { cwd: dir });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: mlo\.yaml:4:5: stages\.a\.outz: /m);
  });

  it('params diff and metrics diff compare the workspace with a git revision', () => {
    const dir = setup();
    repro(dir);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'results');
    const clean = mlo(['params', 'diff', '--json'], { cwd: dir });
    expect(parseJson<{ entries: unknown[] }>(clean).entries).toEqual([]);
    // --set writes the value into params.yaml, keeping its comments and layout
    repro(dir, '--set', 'train.lr=0.25');
    expect(read(dir, 'params.yaml')).toBe(PIPELINE['params.yaml'].replace('lr: 0.1', 'lr: 0.25'));
    const p = parseJson<{ rev: string; entries: unknown[] }>(
      mlo(['params', 'diff', '--json'], { cwd: dir }),
    );
    expect(p.rev).toBe('HEAD');
    expect(p.entries).toEqual([
      { path: 'params.yaml', key: 'train.lr', old: 0.1, new: 0.25, state: 'changed' },
    ]);
    const m = parseJson<{
      entries: { path: string; key: string; old: number; new: number; change: number }[];
    }>(mlo(['metrics', 'diff', 'HEAD', '--json'], { cwd: dir }));
    const loss = m.entries.find((e) => e.key === 'train.loss');
    expect(loss).toMatchObject({ path: 'metrics.json', old: 0.9, new: 0.75 });
    expect(loss?.change).toBeCloseTo(-0.15, 10);
    const table = mlo(['params', 'diff'], { cwd: dir });
    expect(table.stdout).toMatch(/params\.yaml\s+train\.lr\s+0\.1\s+0\.25/);
    expect(mlo(['params', 'diff', 'no-such-rev'], { cwd: dir }).code).toBe(2);
  });

  it('exp run sweeps a grid as tagged runs and puts params.yaml back; exp show compares them', () => {
    const dir = setup();
    repro(dir);
    const params = read(dir, 'params.yaml');
    const lock = read(dir, 'mlo.lock');
    const model = read(dir, 'models/model.json');
    const r = mlo(['exp', 'run', '--set', 'train.lr=0.2,0.4', '--set', 'eval.k=1,2', '--json'], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const sweep = parseJson<{
      sweep: string;
      combinations: { params: Record<string, unknown>; ok: boolean; runs: string[] }[];
    }>(r);
    expect(sweep.combinations.map((c) => c.params)).toEqual([
      { 'train.lr': 0.2, 'eval.k': 1 },
      { 'train.lr': 0.2, 'eval.k': 2 },
      { 'train.lr': 0.4, 'eval.k': 1 },
      { 'train.lr': 0.4, 'eval.k': 2 },
    ]);
    // each combination ran the stages that use the swept params
    expect(sweep.combinations.every((c) => c.ok && c.runs.length === 2)).toBe(true);
    expect(read(dir, 'params.yaml')).toBe(params);
    expect(read(dir, 'mlo.lock')).toBe(lock);
    expect(read(dir, 'models/model.json')).toBe(model);
    expect(outcomes(repro(dir))).toEqual({
      prepare: 'skipped',
      train: 'skipped',
      evaluate: 'skipped',
    });
    const show = parseJson<{
      sweep: string;
      params: string[];
      experiments: {
        params: Record<string, number>;
        status: string;
        metrics: Record<string, number>;
      }[];
    }>(mlo(['exp', 'show', '--json'], { cwd: dir }));
    expect(show.sweep).toBe(sweep.sweep);
    expect(show.params).toEqual(['train.lr', 'eval.k']);
    expect(
      show.experiments.map((e) => [
        e.params['train.lr'],
        e.params['eval.k'],
        e.status,
        e.metrics['train.loss'],
      ]),
    ).toEqual([
      [0.2, 1, 'finished', 0.8],
      [0.2, 2, 'finished', 0.8],
      [0.4, 1, 'finished', 0.6],
      [0.4, 2, 'finished', 0.6],
    ]);
    // evaluate's metric, from the model trained with that lr
    expect(show.experiments.map((e) => e.metrics.score)).toEqual([
      4.2 + 4,
      4.2 + 4,
      8.4 + 4,
      8.4 + 4,
    ]);
    const runs = parseJson<{ runs: unknown[] }>(
      mlo(['runs', 'list', '--json', '-f', `tags.\`mlo.sweep\` = '${sweep.sweep}'`], { cwd: dir }),
    );
    expect(runs.runs).toHaveLength(8);
    const unused = mlo(['exp', 'run', '--set', 'nobody.uses=1,2'], { cwd: dir });
    expect(unused.code).toBe(2);
    expect(unused.stderr).toMatch(/no stage uses param nobody.uses/);
  });
});

describe('one repro at a time', () => {
  it('a second repro in the same repository is refused while the first runs', async () => {
    const dir = makeRepo();
    writeTree(dir, {
      'slow.js':
        "const fs = require('fs'); fs.writeFileSync('started', ''); const t = setInterval(() => { if (fs.existsSync('go')) { clearInterval(t); fs.writeFileSync('out.txt', 'x'); } }, 20);",
      'mlo.yaml': 'stages:\n  slow:\n    cmd: node slow.js\n    outs: [out.txt]\n',
    });
    const first = mloAsync(['repro'], { cwd: dir });
    const end = Date.now() + 20_000;
    while (!existsSync(join(dir, 'started')) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    const second = mlo(['repro'], { cwd: dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /error: another mlo repro \(pid \d+\) is running in this repository/,
    );
    // a dry run only reads: allowed
    expect(mlo(['repro', '--dry-run'], { cwd: dir }).code).toBe(0);
    writeFileSync(join(dir, 'go'), '');
    expect((await first.done).code).toBe(0);
    // the lock went with it
    expect(mlo(['repro'], { cwd: dir }).code).toBe(0);
  });
});
