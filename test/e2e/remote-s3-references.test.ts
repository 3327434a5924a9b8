/**
 * Everything the repository references travels through an S3 remote (s3rver on
 * 127.0.0.1): pipeline outputs and the run cache, run outputs, data at other
 * revisions; a part of a tracked directory; fetch without checkout; and the
 * remote's status, gc and fsck.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, mlo, parseJson, tempDir, writeTree } from '../helpers/cli.js';
import { s3Env, startS3rver, type S3rverHandle } from '../helpers/s3rver.mjs';
import { sha256 } from '../../src/data/hash.js';

let server: S3rverHandle;
let serverDir: string;
const env = s3Env();

beforeAll(async () => {
  serverDir = tempDir('mlo-s3rver-');
  server = await startS3rver({ directory: serverDir });
});
afterAll(async () => {
  await server?.stop();
});

function addS3Remote(dir: string): string {
  const prefix = randomBytes(6).toString('hex');
  const r = mlo(['remote', 'add', 'origin', `s3://mlo/${prefix}`, '--endpoint', server.endpoint], {
    cwd: dir,
  });
  expect(r.code, r.stderr).toBe(0);
  return prefix;
}

function onServer(prefix: string, content: string | Buffer): boolean {
  const h = sha256(content);
  return existsSync(join(serverDir, 'mlo', prefix, h.slice(0, 2), `${h.slice(2)}._S3rver_object`));
}

function clone(dir: string): string {
  const c = join(tempDir(), 'clone');
  git(dir, 'clone', '-q', dir, c);
  return c;
}

function commit(dir: string, message: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', message);
}

const STAGE = `stages:
  train:
    cmd: node -e "require('fs').mkdirSync('models',{recursive:true});require('fs').writeFileSync('models/model.onnx','weights v1')"
    outs: [models/model.onnx]
`;

describe('S3 remote: what the repository references', () => {
  it('pipeline outputs: push by path, and a fresh clone pulls them without rerunning', () => {
    const dir = makeRepo();
    writeTree(dir, { 'mlo.yaml': STAGE });
    expect(mlo(['repro'], { cwd: dir }).code).toBe(0);
    const prefix = addS3Remote(dir);
    const pushed = mlo(['push', 'models/model.onnx', '--json'], { cwd: dir, env });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(parseJson<{ uploaded: number }>(pushed).uploaded).toBe(1);
    expect(onServer(prefix, 'weights v1')).toBe(true);
    commit(dir, 'pipeline');

    const c = clone(dir);
    expect(existsSync(join(c, 'models/model.onnx'))).toBe(false);
    const pulled = mlo(['pull', '--json'], { cwd: c, env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(join(c, 'models/model.onnx'), 'utf8')).toBe('weights v1');
    // nothing to rerun: the output is the one in mlo.lock
    const repro = mlo(['repro', '--json'], { cwd: c });
    expect(repro.code, repro.stderr).toBe(0);
    const stages = parseJson<{ stages: { stage: string; outcome: string }[] }>(repro).stages;
    expect(stages).toEqual([expect.objectContaining({ stage: 'train', outcome: 'skipped' })]);
  });

  it('run outputs are pushed with everything else', () => {
    const dir = makeRepo();
    const run = mlo(
      [
        'exec',
        '-o',
        'result.txt',
        '--',
        'node',
        '-e',
        "require('fs').writeFileSync('result.txt','run output')",
      ],
      { cwd: dir },
    );
    expect(run.code, run.stderr).toBe(0);
    const prefix = addS3Remote(dir);
    const pushed = mlo(['push', '--json'], { cwd: dir, env });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(onServer(prefix, 'run output')).toBe(true);
  });

  it('--rev and --all-commits push what other revisions reference', () => {
    const dir = makeRepo();
    const prefix = addS3Remote(dir);
    writeTree(dir, { 'data.csv': 'version 1' });
    mlo(['add', 'data.csv'], { cwd: dir });
    commit(dir, 'v1');
    writeTree(dir, { 'data.csv': 'version 2' });
    mlo(['add', 'data.csv'], { cwd: dir });
    commit(dir, 'v2');
    writeTree(dir, { 'data.csv': 'version 3' });
    mlo(['add', 'data.csv'], { cwd: dir });
    commit(dir, 'v3');

    expect(mlo(['push'], { cwd: dir, env }).code).toBe(0);
    expect([1, 2, 3].map((v) => onServer(prefix, `version ${v}`))).toEqual([false, false, true]);
    expect(mlo(['push', '--rev', 'HEAD~2'], { cwd: dir, env }).code).toBe(0);
    expect([1, 2, 3].map((v) => onServer(prefix, `version ${v}`))).toEqual([true, false, true]);
    const all = parseJson<{ uploaded: number }>(
      mlo(['push', '--all-commits', '--json'], { cwd: dir, env }),
    );
    expect(all.uploaded).toBe(1);
    expect(onServer(prefix, 'version 2')).toBe(true);
    const bad = mlo(['push', '--rev', 'no-such-rev'], { cwd: dir, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no-such-rev: not a git revision/);
  });

  it('pull of a part of a tracked directory fetches only that part; fetch leaves the workspace alone', () => {
    const dir = makeRepo();
    const tree: Record<string, string> = {};
    for (let i = 0; i < 5; i++) {
      tree[`imgs/cats/${i}.txt`] = `cat ${i}`;
      tree[`imgs/dogs/${i}.txt`] = `dog ${i}`;
    }
    writeTree(dir, tree);
    mlo(['add', 'imgs'], { cwd: dir });
    addS3Remote(dir);
    expect(mlo(['push'], { cwd: dir, env }).code).toBe(0);
    commit(dir, 'imgs');

    const c = clone(dir);
    const part = mlo(['pull', 'imgs/cats', '--json'], { cwd: c, env });
    expect(part.code, part.stderr).toBe(0);
    expect(parseJson<{ downloaded: number }>(part).downloaded).toBe(6); // manifest + 5 cats
    expect(readFileSync(join(c, 'imgs/cats/3.txt'), 'utf8')).toBe('cat 3');
    expect(existsSync(join(c, 'imgs/dogs/3.txt'))).toBe(false);

    const f = mlo(['fetch', '--json'], { cwd: c, env });
    expect(f.code, f.stderr).toBe(0);
    expect(parseJson<{ downloaded: number }>(f).downloaded).toBe(5); // the dogs
    expect(existsSync(join(c, 'imgs/dogs/3.txt'))).toBe(false); // fetch checks nothing out
    expect(mlo(['checkout'], { cwd: c }).code).toBe(0);
    expect(readFileSync(join(c, 'imgs/dogs/3.txt'), 'utf8')).toBe('dog 3');
  });
});

describe('S3 remote: status, gc and fsck', () => {
  interface StatusJson {
    entries: { where: string; state: string }[];
    totals: { both: number; localOnly: number; remoteOnly: number; missing: number };
  }

  it('status --remote shows what is missing on each side', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'aaa', 'b/1.txt': 'one', 'b/2.txt': 'two' });
    mlo(['add', 'a.csv', 'b'], { cwd: dir });
    addS3Remote(dir);
    const before = parseJson<StatusJson>(
      mlo(['status', '--remote', 'origin', '--json'], { cwd: dir, env }),
    );
    expect(before.entries.map((e) => e.state).sort()).toEqual(['not pushed', 'not pushed']);
    expect(before.totals).toMatchObject({ localOnly: 4, both: 0 });
    expect(mlo(['push', 'a.csv'], { cwd: dir, env }).code).toBe(0);
    const mid = parseJson<StatusJson>(
      mlo(['status', '--remote', 'origin', '--json'], { cwd: dir, env }),
    );
    expect(mid.entries.find((e) => e.where === 'a.csv')?.state).toBe('ok');
    expect(mid.entries.find((e) => e.where === 'b')?.state).toBe('not pushed');
    expect(mlo(['status', '--remote', 'origin', '--exit-code'], { cwd: dir, env }).code).toBe(1);
    expect(mlo(['push'], { cwd: dir, env }).code).toBe(0);
    commit(dir, 'data');
    const c = clone(dir);
    const there = parseJson<StatusJson>(
      mlo(['status', '--remote', 'origin', '--json'], { cwd: c, env }),
    );
    expect(there.entries.map((e) => e.state)).toEqual(['not fetched', 'not fetched']);
    expect(there.totals).toMatchObject({ remoteOnly: 4 });
    const table = mlo(['status', '--remote', 'origin'], { cwd: c, env });
    expect(table.stdout).toMatch(/not fetched\s+a\.csv/);
  });

  it('gc --remote is a dry run unless --yes, and keeps what revisions and runs reference', () => {
    const dir = makeRepo();
    const prefix = addS3Remote(dir);
    writeTree(dir, { 'data.csv': 'old data' });
    mlo(['add', 'data.csv'], { cwd: dir });
    commit(dir, 'old');
    expect(mlo(['push'], { cwd: dir, env }).code).toBe(0);
    writeTree(dir, { 'data.csv': 'new data' });
    mlo(['add', 'data.csv'], { cwd: dir });
    commit(dir, 'new');
    mlo(
      [
        'exec',
        '-o',
        'kept.txt',
        '--',
        'node',
        '-e',
        "require('fs').writeFileSync('kept.txt','a run output')",
      ],
      {
        cwd: dir,
      },
    );
    expect(mlo(['push'], { cwd: dir, env }).code).toBe(0);

    // recent objects are kept by default (a teammate's push not yet in this clone)
    const recent = parseJson<{ removed: number; recent: number }>(
      mlo(['gc', '--remote', 'origin', '--json'], { cwd: dir, env }),
    );
    expect(recent).toMatchObject({ removed: 0, recent: 1 });
    const dry = parseJson<{ dryRun: boolean; removed: number; objects: string[] }>(
      mlo(['gc', '--remote', 'origin', '--grace', '0', '--json'], { cwd: dir, env }),
    );
    expect(dry).toMatchObject({ dryRun: true, removed: 1, objects: [sha256('old data')] });
    expect(onServer(prefix, 'old data')).toBe(true);
    // a revision asked for keeps its objects
    const keptByRev = parseJson<{ removed: number }>(
      mlo(['gc', '--remote', 'origin', '--grace', '0', '--rev', 'HEAD~1', '--yes', '--json'], {
        cwd: dir,
        env,
      }),
    );
    expect(keptByRev.removed).toBe(0);
    const real = mlo(['gc', '--remote', 'origin', '--grace', '0', '--yes'], { cwd: dir, env });
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/removed 1 object/);
    expect(onServer(prefix, 'old data')).toBe(false);
    expect(onServer(prefix, 'new data')).toBe(true);
    expect(onServer(prefix, 'a run output')).toBe(true);
    expect(mlo(['fsck', '--remote', 'origin'], { cwd: dir, env }).code).toBe(0);
    // the remembered index was dropped with the new epoch: a push re-sends what gc took
    writeTree(dir, { 'data.csv': 'old data' });
    mlo(['add', 'data.csv'], { cwd: dir });
    const again = parseJson<{ uploaded: number }>(mlo(['push', '--json'], { cwd: dir, env }));
    expect(again.uploaded).toBe(1);
    expect(onServer(prefix, 'old data')).toBe(true);
  });

  it("gc --remote from another clone drops this clone's remembered index", () => {
    const dir = makeRepo();
    const prefix = addS3Remote(dir);
    writeTree(dir, { 'x.csv': 'x1' });
    mlo(['add', 'x.csv'], { cwd: dir });
    commit(dir, 'x1');
    expect(mlo(['push'], { cwd: dir, env }).code).toBe(0);
    const other = clone(dir);
    writeTree(other, { 'x.csv': 'x2' });
    mlo(['add', 'x.csv'], { cwd: other });
    expect(mlo(['push'], { cwd: other, env }).code).toBe(0);
    expect(
      mlo(['gc', '--remote', 'origin', '--grace', '0', '--yes'], { cwd: other, env }).code,
    ).toBe(0);
    expect(onServer(prefix, 'x1')).toBe(false);
    // this clone remembers x1 on the remote; the epoch says otherwise, so it is sent again
    const r = parseJson<{ uploaded: number }>(mlo(['push', '--json'], { cwd: dir, env }));
    expect(r.uploaded).toBe(1);
    expect(onServer(prefix, 'x1')).toBe(true);
  });

  it('fsck --remote finds missing and damaged objects', () => {
    const dir = makeRepo();
    const prefix = addS3Remote(dir);
    writeTree(dir, { 'a.txt': 'alpha', 'b.txt': 'bravo' });
    mlo(['add', 'a.txt', 'b.txt'], { cwd: dir });
    expect(mlo(['push'], { cwd: dir, env }).code).toBe(0);
    expect(mlo(['fsck', '--remote', 'origin'], { cwd: dir, env }).code).toBe(0);
    const a = sha256('alpha');
    const b = sha256('bravo');
    // same size, other bytes: only a download notices
    writeFileSync(
      join(serverDir, 'mlo', prefix, a.slice(0, 2), `${a.slice(2)}._S3rver_object`),
      'ALPHA',
    );
    rmSync(join(serverDir, 'mlo', prefix, b.slice(0, 2), `${b.slice(2)}._S3rver_object`));
    const shallow = parseJson<{ problems: { problem: string; where: string }[] }>(
      mlo(['fsck', '--remote', 'origin', '--shallow', '--json'], { cwd: dir, env }),
    );
    expect(shallow.problems).toEqual([
      expect.objectContaining({ problem: 'missing', where: 'b.txt' }),
    ]);
    const deep = mlo(['fsck', '--remote', 'origin', '--json'], { cwd: dir, env });
    expect(deep.code).toBe(1);
    expect(
      parseJson<{ problems: { problem: string; where: string }[] }>(deep)
        .problems.map((p) => `${p.problem} ${p.where}`)
        .sort(),
    ).toEqual(['corrupt a.txt', 'missing b.txt']);
  });
});
