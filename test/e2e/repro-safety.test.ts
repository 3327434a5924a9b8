/**
 * Hostile values and interrupted runs in pipelines: values from --set and params.yaml
 * are data, never shell; an interrupted sweep leaves params.yaml as it was; a failed
 * stage never reaches mlo.lock; expansions are capped.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MLO_BIN,
  git,
  makeRepo,
  mlo,
  mloAsync,
  parseJson,
  tempDir,
  writeTree,
} from '../helpers/cli.js';

const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');

/** A stage that writes its arguments, as the program received them, to args.json. */
const ARGV_STAGE = {
  'argv.js':
    "require('fs').writeFileSync(process.env.OUT || 'args.json', JSON.stringify(process.argv.slice(2)));",
  'params.yaml': 'm:\n  v: plain\n',
  'mlo.yaml': `stages:
  show:
    cmd: node argv.js \${m.v} "\${m.v}" '\${m.v}' "pre \${m.v} post" --k=\${m.v}
    params: [m.v]
    outs: [args.json]
`,
};

const HOSTILE = [
  '$(touch pwned)',
  '`touch pwned`',
  '"; touch pwned; "',
  "'; touch pwned; '",
  "it's",
  'line one\ntouch pwned',
  'back\\slash\\',
  '$HOME',
  '*',
];

const expectedArgs = (v: string): string[] => [v, v, v, `pre ${v} post`, `--k=${v}`];

describe('values in stage commands are data', () => {
  it('repro --set: hostile values reach the stage as one literal argument each', () => {
    const dir = makeRepo();
    writeTree(dir, ARGV_STAGE);
    for (const v of HOSTILE) {
      const r = mlo(['repro', '--set', `m.v=${JSON.stringify(v)}`], { cwd: dir });
      expect(r.code, `${v}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(read(dir, 'args.json')), v).toEqual(expectedArgs(v));
      expect(existsSync(join(dir, 'pwned')), v).toBe(false);
    }
  });

  it('repro --set with the unquoted YAML form of the attack from the report', () => {
    const dir = makeRepo();
    writeTree(dir, {
      ...ARGV_STAGE,
      'mlo.yaml':
        'stages:\n  echo:\n    cmd: echo "${m.v}" > said.txt\n    params: [m.v]\n    outs: [said.txt]\n',
    });
    const r = mlo(['repro', '--set', 'm.v=$(touch pwned)'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(read(dir, 'said.txt')).toBe('$(touch pwned)\n');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('a hostile value committed in params.yaml runs nothing', () => {
    const dir = makeRepo();
    writeTree(dir, {
      ...ARGV_STAGE,
      'params.yaml': 'm:\n  v: "\\"; touch pwned; echo \\""\n',
    });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'a pull request');
    const r = mlo(['repro'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(read(dir, 'args.json'))).toEqual(expectedArgs('"; touch pwned; echo "'));
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('exp run --set: every value of the grid is data', () => {
    const dir = makeRepo();
    writeTree(dir, {
      ...ARGV_STAGE,
      'mlo.yaml': `stages:
  show:
    cmd: OUT=args-$RANDOM$$.json node argv.js "\${m.v}" && touch ran
    params: [m.v]
`,
    });
    const r = mlo(['exp', 'run', '--set', 'm.v=$(touch pwned),`touch pwned`', '--json'], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    const sweep = parseJson<{ combinations: { ok: boolean }[] }>(r);
    expect(sweep.combinations.map((c) => c.ok)).toEqual([true, true]);
    expect(existsSync(join(dir, 'ran'))).toBe(true);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });

  it('plain values leave the command exactly as before; ${raw:x} opts into shell text', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'argv.js': ARGV_STAGE['argv.js'],
      'params.yaml': 'train:\n  lr: 0.01\n  flags: --epochs 3 --seed 7\n',
      'mlo.yaml': `stages:
  train:
    cmd: node argv.js --lr \${train.lr} \${raw:train.flags} \${train.flags}
    params: [train]
    outs: [args.json]
`,
    });
    const r = mlo(['repro'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(read(dir, 'args.json'))).toEqual([
      '--lr',
      '0.01',
      '--epochs',
      '3',
      '--seed',
      '7',
      '--epochs 3 --seed 7',
    ]);
    expect(read(dir, 'mlo.lock')).toContain(
      "cmd: node argv.js --lr 0.01 --epochs 3 --seed 7 '--epochs 3 --seed 7'",
    );
  });

  it('refuses a value it cannot quote where it stands, naming the file, line and hint', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'params.yaml': 'm:\n  v: "$(touch pwned)"\n',
      'mlo.yaml': 'stages:\n  s:\n    cmd: echo `echo ${m.v}`\n    params: [m.v]\n',
    });
    const r = mlo(['repro'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: mlo\.yaml:3:5: stages\.s\.cmd: \$\{m\.v\}: the value .* after a backtick/m,
    );
    expect(r.stderr).toMatch(/^hint: pass it as an environment variable/m);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });
});

describe('a failed stage is never recorded as done', () => {
  it('when its run cannot be recorded as finished, mlo.lock keeps no entry and the next repro runs it', () => {
    const dir = makeRepo();
    // The run disappears from the store while the stage runs, so marking it finished
    // fails after the command succeeded and its output was written: the last step,
    // as a full disk failed it in the report.
    writeTree(dir, {
      'mlo.yaml': `stages:
  train:
    cmd: node ${JSON.stringify(MLO_BIN)} runs delete --force $MLO_RUN_ID && echo model > model.txt
    outs: [model.txt]
`,
    });
    const r = mlo(['repro', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const out = parseJson<{ stages: { outcome: string; error?: string }[] }>(r);
    expect(out.stages[0]).toMatchObject({ outcome: 'failed' });
    expect(out.stages[0].error).toMatch(/deleted while it was running/);
    expect(existsSync(join(dir, 'mlo.lock'))).toBe(false);
    writeTree(dir, {
      'mlo.yaml': 'stages:\n  train:\n    cmd: echo model > model.txt\n    outs: [model.txt]\n',
    });
    const again = parseJson<{ stages: { outcome: string }[] }>(
      mlo(['repro', '--json'], { cwd: dir }),
    );
    expect(again.stages[0].outcome).toBe('ran');
  });
});

describe('an interrupted sweep', () => {
  it('kill -9 during exp run: the next mlo command restores params.yaml and mlo.lock and says so', async () => {
    const dir = makeRepo();
    const params = '# knobs\ntrain:\n  lr: 0.1   # learning rate\n';
    writeTree(dir, {
      'params.yaml': params,
      'train.js': `const fs = require('fs');
const lr = /lr: ([0-9.]+)/.exec(fs.readFileSync('params.yaml', 'utf8'))[1];
if (lr !== '0.1') { fs.writeFileSync('started', lr); setInterval(() => {}, 1000); }
else fs.writeFileSync('model.txt', lr);`,
      'mlo.yaml':
        'stages:\n  train:\n    cmd: node train.js\n    params: [train.lr]\n    outs: [model.txt]\n',
    });
    expect(mlo(['repro'], { cwd: dir }).code).toBe(0);
    const lock = read(dir, 'mlo.lock');
    const p = mloAsync(['exp', 'run', '--set', 'train.lr=0.5,0.7'], { cwd: dir });
    const end = Date.now() + 20_000;
    while (!existsSync(join(dir, 'started')) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    expect(read(dir, 'params.yaml')).toContain('lr: 0.5');
    p.child.kill('SIGKILL');
    await p.done;
    expect(read(dir, 'params.yaml')).toContain('lr: 0.5');

    const next = mlo(['runs', 'list'], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(
      /mlo: `mlo exp run` \(pid \d+\) was interrupted: restored params\.yaml to what it was before it ran/,
    );
    expect(read(dir, 'params.yaml')).toBe(params);
    expect(read(dir, 'mlo.lock')).toBe(lock);
    // said once: the record is gone
    expect(mlo(['runs', 'list'], { cwd: dir }).stderr).not.toMatch(/interrupted/);

    // the next sweep starts from the original value and puts it back
    const again = mlo(['exp', 'run', '--set', 'train.lr=0.1', '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(read(dir, 'params.yaml')).toBe(params);
  });

  it('a command reading the repository during a live sweep leaves its files alone', async () => {
    const dir = makeRepo();
    writeTree(dir, {
      'params.yaml': 'train:\n  lr: 0.1\n',
      'train.js': `const fs = require('fs');
fs.writeFileSync('started', '');
const t = setInterval(() => { if (fs.existsSync('go')) { clearInterval(t); } }, 20);`,
      'mlo.yaml': 'stages:\n  train:\n    cmd: node train.js\n    params: [train.lr]\n',
    });
    const p = mloAsync(['exp', 'run', '--set', 'train.lr=0.5'], { cwd: dir });
    const end = Date.now() + 20_000;
    while (!existsSync(join(dir, 'started')) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    const during = mlo(['runs', 'list'], { cwd: dir });
    expect(during.stderr).not.toMatch(/interrupted/);
    expect(read(dir, 'params.yaml')).toContain('lr: 0.5');
    writeTree(dir, { go: '' });
    expect((await p.done).code).toBe(0);
    expect(read(dir, 'params.yaml')).toBe('train:\n  lr: 0.1\n');
  });
});

/** A "billion laughs" document: nine levels of ten aliases each. */
function aliasBomb(last = ''): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n${last}`;
}

describe("the user's input, not a bug in mlo: exit 2 naming the file", () => {
  it('a YAML alias bomb in mlo.yaml, params.yaml, mlo.lock, .mlo/config.yaml or a pointer file', () => {
    const cases: [string, string, string[], string][] = [
      ['mlo.yaml', aliasBomb('stages: {}\n'), ['dag'], 'mlo.yaml'],
      ['mlo.yaml', aliasBomb('stages: {}\n'), ['promote', 'm', '--to', 'prod'], 'mlo.yaml'],
      ['params.yaml', aliasBomb(), ['repro'], 'params.yaml'],
      ['mlo.lock', aliasBomb(), ['repro'], 'mlo.lock'],
      ['.mlo/config.yaml', aliasBomb(), ['status'], '.mlo/config.yaml'],
      ['data.csv.mlo', aliasBomb('path: data.csv\n'), ['status'], 'data.csv.mlo'],
    ];
    for (const [file, text, args, named] of cases) {
      const dir = makeRepo();
      writeTree(dir, {
        'mlo.yaml': 'stages:\n  s:\n    cmd: echo ${m.v} > o.txt\n    outs: [o.txt]\n',
        'params.yaml': 'm:\n  v: 1\n',
      });
      writeTree(dir, { [file]: text });
      const r = mlo(args, { cwd: dir });
      expect(r.code, `${file} / mlo ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, file).toMatch(
        new RegExp(`^error: ${named.replace('.', '\\.')}.*alias`, 'm'),
      );
      expect(r.stderr).not.toMatch(/internal error/);
    }
  });

  it('mlo.yaml, params.yaml or mlo.lock being a directory', () => {
    for (const [file, args] of [
      ['mlo.yaml', ['repro']],
      ['mlo.yaml', ['dag']],
      ['mlo.yaml', ['promote', 'm', '--to', 'prod']],
      ['params.yaml', ['repro']],
      ['mlo.lock', ['repro']],
    ] as const) {
      const dir = makeRepo();
      writeTree(dir, {
        'mlo.yaml': 'stages:\n  s:\n    cmd: echo ${m.v} > o.txt\n    outs: [o.txt]\n',
        'params.yaml': 'm:\n  v: 1\n',
      });
      rmSync(join(dir, file), { force: true });
      mkdirSync(join(dir, file));
      const r = mlo([...args], { cwd: dir });
      expect(r.code, `${file}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(`^error: ${file.replace('.', '\\.')} is a directory; expected a file$`, 'm'),
      );
    }
  });
});

describe('expansions are capped before anything is built', () => {
  const values = (n: number): string => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;

  it('a matrix of a million combinations is refused at once, naming the stage and the count', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'mlo.yaml': `stages:\n  fit:\n    matrix:\n      a: ${values(100)}\n      b: ${values(100)}\n      c: ${values(100)}\n    cmd: echo \${item.a}\n`,
    });
    const started = Date.now();
    const r = mlo(['dag'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^error: mlo\.yaml:3:5: stages\.fit\.matrix: stage fit: matrix expands to 1000000 stages, more than the limit of 10000$/m,
    );
    expect(r.stderr).toMatch(/^hint: set MLO_MAX_EXPANSIONS to allow more/m);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('the limit is configurable, for matrix and foreach stages and in all', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'mlo.yaml': `stages:\n  fit:\n    matrix:\n      a: ${values(5)}\n      b: ${values(5)}\n    cmd: echo \${item.a} \${item.b}\n  each:\n    foreach: ${values(10)}\n    do:\n      cmd: echo \${item}\n`,
    });
    expect(mlo(['dag'], { cwd: dir }).code).toBe(0);
    const small = mlo(['dag'], { cwd: dir, env: { MLO_MAX_EXPANSIONS: '20' } });
    expect(small.code).toBe(2);
    expect(small.stderr).toMatch(
      /stage fit: matrix expands to 25 stages, more than the limit of 20/,
    );
    const all = mlo(['dag'], { cwd: dir, env: { MLO_MAX_EXPANSIONS: '30' } });
    expect(all.code).toBe(2);
    expect(all.stderr).toMatch(/stage each: mlo\.yaml expands to more than 30 stages in all/);
    const bad = mlo(['dag'], { cwd: dir, env: { MLO_MAX_EXPANSIONS: 'lots' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/MLO_MAX_EXPANSIONS=lots: expected a positive whole number/);
  });

  it('exp run refuses a grid over the limit before running anything', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'params.yaml': 'a: 0\nb: 0\n',
      'mlo.yaml': 'stages:\n  s:\n    cmd: touch ran\n    params: [a, b]\n',
    });
    const list = (n: number): string => Array.from({ length: n }, (_, i) => i).join(',');
    const r = mlo(['exp', 'run', '--set', `a=${list(101)}`, '--set', `b=${list(101)}`], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: --set: the sweep has 10201 combinations, more than the limit of 10000$/m,
    );
    const small = mlo(['exp', 'run', '--set', 'a=1,2', '--set', 'b=1,2'], {
      cwd: dir,
      env: { MLO_MAX_EXPANSIONS: '3' },
    });
    expect(small.code).toBe(2);
    expect(small.stderr).toMatch(/the sweep has 4 combinations, more than the limit of 3/);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });
});

describe('stage outputs never lead out of the repository', () => {
  it('a committed link in an output path fails the stage; nothing outside is removed or written', () => {
    const dir = makeRepo();
    const outside = tempDir('mlo-outside-');
    writeFileSync(join(outside, 'model.txt'), 'precious');
    symlinkSync(outside, join(dir, 'models'));
    symlinkSync('.git', join(dir, 'gitlink'));
    const gitConfig = read(dir, '.git/config');
    writeTree(dir, {
      'mlo.yaml': `stages:
  train:
    cmd: echo trained > models/model.txt
    outs: [models/model.txt]
  hook:
    cmd: echo x > gitlink/config
    outs: [gitlink/config]
`,
    });
    const r = mlo(['repro', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = parseJson<{ stages: { stage: string; outcome: string; error?: string }[] }>(r);
    const by = Object.fromEntries(out.stages.map((s) => [s.stage, s]));
    expect(by.train.outcome).toBe('failed');
    expect(by.train.error).toMatch(
      /^stage train: output models\/model\.txt: models is a symbolic link to .*, outside the repository$/,
    );
    expect(by.hook.error).toMatch(/gitlink is a symbolic link to .*\.git, inside \.git\//);
    expect(readFileSync(join(outside, 'model.txt'), 'utf8')).toBe('precious');
    expect(read(dir, '.git/config')).toBe(gitConfig);
    expect(existsSync(join(dir, 'mlo.lock'))).toBe(false);
  });
});
