import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MLO_BIN, git, makeRepo, mlo, mloAsync, parseJson, writeTree } from '../helpers/cli.js';

interface RunJson {
  id: string;
  name: string;
  status: string;
  exitCode: number | null;
  error: string | null;
  logTail: string | null;
  params: Record<string, string>;
  metrics: Record<string, number | null>;
  tags: Record<string, string>;
  latest: Record<string, { value: number | null; step: number }>;
  inputs: { path: string; hash: string; size: number }[];
  outputs: { path: string; hash: string; size: number }[];
  artifacts: { name: string; hash: string; size: number }[];
  git: { commit: string | null; dirty: boolean | null };
}

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const show = (cwd: string, id: string): RunJson =>
  parseJson<RunJson>(mlo(['runs', 'show', id, '--json'], { cwd }));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Alive and not a zombie: a killed grandchild reparented to a non-reaping pid 1 stays a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(50);
  }
}

const TRAIN = `
const fs = require('fs');
const log = (o) => fs.appendFileSync(process.env.MLO_LOG, JSON.stringify(o) + '\\n');
for (let i = 0; i < 4; i++) log({ metric: 'loss', value: 1 / (i + 1), step: i });
log({ params: { lr: 0.01, layers: [8, 4] } });
log({ tag: 'team', value: 'vision' });
fs.appendFileSync(process.env.MLO_LOG, '{"metric": "diverged", "value": NaN}\\n');
fs.writeFileSync('metrics.json', JSON.stringify({ test: { f1: 0.8, acc: 0.9 }, name: 'x' }));
fs.writeFileSync('model.bin', 'weights-' + process.env.MLO_RUN_ID);
log({ artifact: 'model.bin', name: 'model' });
console.log('run', process.env.MLO_RUN_ID);
console.error('to stderr');
`;

describe('mlo exec', () => {
  it('runs a command as a run: MLO_LOG lines, params, deps, outs, metric files, artifacts', () => {
    const dir = makeRepo();
    writeTree(dir, { 'train.js': TRAIN, 'data.csv': 'a,b\n1,2\n' });
    const r = mlo(
      [
        'exec',
        '-n',
        'first',
        '-e',
        'exp1',
        '-p',
        'seed=1',
        '-t',
        'kind=test',
        '-d',
        'data.csv',
        '-o',
        'model.bin',
        '-m',
        'metrics.json',
        '--',
        'node',
        'train.js',
      ],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const id = /run ([0-9a-f]{32})/.exec(r.stdout)?.[1] as string;
    expect(r.stderr).toMatch(/to stderr/);
    const run = show(dir, id);
    expect(run).toMatchObject({ name: 'first', status: 'finished', exitCode: 0 });
    expect(run.params).toEqual({ seed: '1', lr: '0.01', layers: '[8,4]' });
    expect(run.tags).toEqual({ kind: 'test', team: 'vision' });
    expect(run.metrics).toEqual({ loss: 0.25, diverged: null, 'test.f1': 0.8, 'test.acc': 0.9 });
    expect(run.latest.loss.step).toBe(3);
    expect(run.inputs).toEqual([{ path: 'data.csv', hash: sha('a,b\n1,2\n'), size: 8 }]);
    const model = readFileSync(join(dir, 'model.bin'));
    expect(run.outputs).toEqual([{ path: 'model.bin', hash: sha(model), size: model.length }]);
    const names = run.artifacts.map((a) => a.name).sort();
    expect(names).toEqual(['model', 'output.log']);
    const log = run.artifacts.find((a) => a.name === 'output.log') as { hash: string };
    const obj = join(dir, '.mlo/cache', log.hash.slice(0, 2), log.hash.slice(2));
    expect(readFileSync(obj, 'utf8')).toBe(`run ${id}\nto stderr\n`);
    expect(existsSync(join(dir, '.mlo/cache', sha(model).slice(0, 2), sha(model).slice(2)))).toBe(
      true,
    );
    // gc keeps what the run keeps: its output, its artifacts and its log
    expect(mlo(['gc'], { cwd: dir }).code).toBe(0);
    for (const h of [sha(model), log.hash, ...run.artifacts.map((a) => a.hash)]) {
      expect(existsSync(join(dir, '.mlo/cache', h.slice(0, 2), h.slice(2))), h).toBe(true);
    }
    // runs in the experiment
    const listed = parseJson<{ runs: { id: string }[] }>(
      mlo(['runs', 'list', '-e', 'exp1', '--json'], { cwd: dir }),
    );
    expect(listed.runs.map((x) => x.id)).toEqual([id]);
    // deleted, the run keeps nothing alive
    expect(mlo(['runs', 'delete', id], { cwd: dir }).code).toBe(0);
    expect(mlo(['gc'], { cwd: dir }).code).toBe(0);
    expect(existsSync(obj)).toBe(false);
  });

  it('records the git commit and whether tracked files were dirty', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.txt': 'a' });
    git(dir, 'add', 'a.txt');
    git(dir, 'commit', '-qm', 'one');
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const clean = mlo(['exec', '--json', '--', 'node', '-e', '0'], { cwd: dir });
    expect(parseJson<RunJson>(clean).id).toBeTruthy();
    const cleanRun = show(dir, parseJson<{ id: string }>(clean).id);
    expect(cleanRun.git).toEqual({ commit: head, dirty: false });
    writeFileSync(join(dir, 'a.txt'), 'changed');
    const dirty = show(
      dir,
      parseJson<{ id: string }>(mlo(['exec', '--json', '--', 'node', '-e', '0'], { cwd: dir })).id,
    );
    expect(dirty.git).toEqual({ commit: head, dirty: true });
  });

  it('exits with the command exit code and marks the run failed with the log tail', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'fail.js':
        "for (let i = 0; i < 60; i++) console.log('line ' + i); console.error('boom: bad input'); process.exit(3);",
    });
    const r = mlo(['exec', '--json', '--', 'node', 'fail.js'], { cwd: dir });
    expect(r.code).toBe(3);
    const out = parseJson<{ id: string; status: string; exitCode: number }>(r);
    expect(out).toMatchObject({ status: 'failed', exitCode: 3 });
    // --json keeps stdout for the one document: the command's output went to stderr
    expect(r.stderr).toContain('line 59');
    const run = show(dir, out.id);
    expect(run.status).toBe('failed');
    expect(run.exitCode).toBe(3);
    expect(run.error).toBe('exited with code 3');
    const tail = (run.logTail ?? '').split('\n');
    expect(tail[tail.length - 1]).toBe('boom: bad input');
    expect(tail.length).toBeLessThan(60);
    expect(tail).toContain('line 59');
  });

  it('a command that does not exist fails with 127', () => {
    const dir = makeRepo();
    const r = mlo(['exec', '--json', '--', 'no-such-command-xyz'], { cwd: dir });
    expect(r.code).toBe(127);
    expect(parseJson<{ error: string }>(r).error).toContain('command not found');
  });

  it('refuses a command with dash options but no -- (mlo would take them as its own)', () => {
    const dir = makeRepo();
    const r = mlo(['exec', 'node', '-e', 'require("fs").writeFileSync("ran", "")'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/put -- before it/);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(mlo(['exec', 'node', '--trace-warnings', 'x.js'], { cwd: dir }).code).toBe(2);
    const plain = mlo(['exec', '-n', 'plain', 'node', 'x.js'], { cwd: dir, env: {} });
    expect(plain.stderr).not.toMatch(/put -- before it/);
  });

  it('runs a single argument with shell syntax through the shell', () => {
    const dir = makeRepo();
    const r = mlo(['exec', '--', 'echo one && echo two > two.txt'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('one\n');
    expect(readFileSync(join(dir, 'two.txt'), 'utf8')).toBe('two\n');
  });

  it('ingests MLO_LOG while the command is still running', async () => {
    const dir = makeRepo();
    writeTree(dir, {
      'live.js': `
const fs = require('fs');
fs.writeFileSync('run-id', process.env.MLO_RUN_ID);
fs.appendFileSync(process.env.MLO_LOG, JSON.stringify({ metric: 'epoch', value: 1 }) + '\\n');
const t = setInterval(() => { if (fs.existsSync('go')) { clearInterval(t); } }, 50);
`,
    });
    const p = mloAsync(['exec', '--', 'node', 'live.js'], { cwd: dir });
    await waitFor(() => existsSync(join(dir, 'run-id')));
    const id = readFileSync(join(dir, 'run-id'), 'utf8');
    // the command is blocked until we write "go": the metric must arrive before that
    await waitFor(() => {
      const r = mlo(['runs', 'show', id, '--json'], { cwd: dir });
      return r.code === 0 && (JSON.parse(r.stdout) as RunJson).metrics.epoch === 1;
    });
    expect(show(dir, id).status).toBe('running');
    writeFileSync(join(dir, 'go'), '');
    const done = await p.done;
    expect(done.code).toBe(0);
    expect(show(dir, id).status).toBe('finished');
  });

  it('mlo log writes to the run in MLO_RUN_ID from a shell script', () => {
    const dir = makeRepo();
    const m = `"${process.execPath}" "${MLO_BIN}"`;
    writeTree(dir, {
      'job.sh': `set -e\n${m} log metric acc 0.5\n${m} log metric acc 0.75 --step 9\n${m} log param depth 4\n${m} log tag stage eval\necho hi > out.txt\n${m} log artifact out.txt --name result\n`,
    });
    const r = mlo(['exec', '--json', '--', 'sh', 'job.sh'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const run = show(dir, parseJson<{ id: string }>(r).id);
    expect(run.metrics).toEqual({ acc: 0.75 });
    expect(run.latest.acc.step).toBe(9);
    expect(run.params).toEqual({ depth: '4' });
    expect(run.tags).toEqual({ stage: 'eval' });
    // the script printed nothing, so there is no output.log
    expect(run.artifacts.map((a) => a.name)).toEqual(['result']);
    // outside a run it needs --run
    const outside = mlo(['log', 'metric', 'x', '1'], { cwd: dir, env: { MLO_RUN_ID: undefined } });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/no run to log to/);
    const explicit = mlo(['log', 'metric', 'x', '2', '--run', run.id.slice(0, 7)], {
      cwd: dir,
      env: { MLO_RUN_ID: undefined },
    });
    expect(explicit.code, explicit.stderr).toBe(0);
    expect(show(dir, run.id).metrics.x).toBe(2);
    expect(mlo(['log', 'metric', 'x', 'high', '--run', run.id], { cwd: dir }).code).toBe(2);
  });

  it('warns about malformed MLO_LOG lines and keeps the rest', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'bad.js': `
const fs = require('fs');
fs.appendFileSync(process.env.MLO_LOG, '{"metric":"a","value":1}\\nnot json\\n{"metric":"b","value":"x"}\\n{"metric":"c","value":3}');
`,
    });
    const r = mlo(['exec', '--json', '--', 'node', 'bad.js'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/MLO_LOG line 2: not valid JSON/);
    expect(r.stderr).toMatch(/MLO_LOG line 3: metric b/);
    // the last line had no newline: it still counts at the end of the run
    expect(show(dir, parseJson<{ id: string }>(r).id).metrics).toEqual({ a: 1, c: 3 });
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s stops the whole process tree and marks the run killed', async (signal, code) => {
    const dir = makeRepo();
    writeTree(dir, {
      'tree.js': `
const { spawn } = require('child_process');
const fs = require('fs');
spawn('sh', ['-c', 'sleep 300 & echo $! > grandchild.pid; wait'], { stdio: 'ignore' });
fs.writeFileSync('child.pid', String(process.pid));
fs.writeFileSync('run-id', process.env.MLO_RUN_ID);
setInterval(() => {}, 1000);
`,
    });
    const p = mloAsync(['exec', '--', 'node', 'tree.js'], {
      cwd: dir,
      env: { MLO_KILL_GRACE_MS: '3000' },
    });
    // A pid file exists before its number is written: wait for a whole number (an
    // empty read would be pid 0, which names our own process group).
    const readPid = (name: string): number | undefined => {
      const p = join(dir, name);
      const text = existsSync(p) ? readFileSync(p, 'utf8').trim() : '';
      return /^\d+$/.test(text) ? Number(text) : undefined;
    };
    await waitFor(
      () => readPid('grandchild.pid') !== undefined && readPid('child.pid') !== undefined,
    );
    const child = readPid('child.pid')!;
    const grandchild = readPid('grandchild.pid')!;
    expect(alive(child) && alive(grandchild)).toBe(true);
    p.child.kill(signal);
    const r = await p.done;
    expect(r.code).toBe(code);
    await waitFor(() => !alive(child) && !alive(grandchild), 5000);
    const run = show(dir, readFileSync(join(dir, 'run-id'), 'utf8'));
    expect(run.status).toBe('killed');
    expect(run.exitCode).toBe(code);
    expect(run.error).toBe(`stopped by ${signal}`);
  });

  it('concurrent runs write to one store without lost writes or SQLITE_BUSY', async () => {
    const dir = makeRepo();
    const n = 5000;
    writeTree(dir, {
      'many.js': `
const fs = require('fs');
const lines = [];
for (let i = 0; i < ${n}; i++) {
  lines.push(JSON.stringify({ metric: 'loss', value: i, step: i }));
  if (lines.length === 500) { fs.appendFileSync(process.env.MLO_LOG, lines.join('\\n') + '\\n'); lines.length = 0; }
}
fs.appendFileSync(process.env.MLO_LOG, JSON.stringify({ param: 'worker', value: process.argv[2] }) + '\\n');
`,
    });
    const workers = Array.from({ length: 6 }, (_, i) =>
      mloAsync(['exec', '--json', '-n', `w${i}`, '--', 'node', 'many.js', String(i)], { cwd: dir }),
    );
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/SQLITE_BUSY|database is locked/);
    }
    const ids = results.map((r) => (JSON.parse(r.stdout) as { id: string }).id);
    expect(new Set(ids).size).toBe(6);
    for (const [i, id] of ids.entries()) {
      const h = parseJson<{ points: { step: number; value: number }[] }>(
        mlo(['metrics', 'history', id, 'loss', '--json'], { cwd: dir }),
      );
      expect(h.points).toHaveLength(n);
      expect(h.points.map((p) => p.step)).toEqual(Array.from({ length: n }, (_, k) => k));
      expect(show(dir, id).params.worker).toBe(String(i));
    }
  });

  it('gives the command MLO_LIB, the running mlo library, so scripts can train without installing mlo', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'uses-lib.mjs': `const mlo = await import(process.env.MLO_LIB);
const { makeClassification, trainLogisticRegression } = mlo;
const { X, y } = makeClassification({ nRows: 200, nFeatures: 3, seed: 1 });
const model = trainLogisticRegression(X, y);
console.log('classes', model.classes.length);`,
    });
    const r = mlo(['exec', '--', 'node', 'uses-lib.mjs'], { cwd: dir });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('classes 2');
  });
});
