/**
 * The registry, eval and promotion through the built CLI in fresh git repositories:
 * JSON shapes, exit codes, every gate kind passing and failing, the audit log,
 * rollback, and gc keeping model files.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildLinearClassifier, GraphBuilder } from '../../src/onnx/index.js';
import { exportOnnx, makeClassification, trainLogisticRegression } from '../../src/train/index.js';
import { git, makeRepo, mlo, parseJson, ROOT, writeTree, type RunResult } from '../helpers/cli.js';

const FEATURES = ['f0', 'f1', 'f2', 'f3'];

/** A repository with a holdout file, a strong and a weak model file, and a first commit. */
async function project(): Promise<{ dir: string; head: string; strong: Buffer; weak: Buffer }> {
  const dir = makeRepo();
  const data = makeClassification({ nRows: 1500, nFeatures: 4, seed: 3 });
  const rows = data.X.map((x, i) => `${x.join(',')},${data.y[i]},${i % 4 === 0 ? 'east' : 'west'}`);
  const strong = Buffer.from(
    await exportOnnx(trainLogisticRegression(data.X, data.y, { featureNames: FEATURES })),
  );
  // uses one feature, weakly: clearly worse, still better than chance
  const weak = Buffer.from(
    await buildLinearClassifier({
      coefficients: [[0.2, 0, 0, 0]],
      intercepts: [0],
      metadata: { 'mlo.feature_names': JSON.stringify(FEATURES) },
    }),
  );
  writeTree(dir, {
    'data/holdout.csv': [`${FEATURES.join(',')},churned,region`, ...rows].join('\n') + '\n',
    'models/strong.onnx': strong,
    'models/weak.onnx': weak,
    'models/bad.onnx': 'not an onnx file',
    'README.md': 'project\n',
  });
  git(dir, 'add', 'README.md');
  git(dir, 'commit', '-q', '-m', 'init');
  return { dir, head: git(dir, 'rev-parse', 'HEAD').trim(), strong, weak };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

interface ModelJson {
  created?: boolean;
  name: string;
  version: number;
  hash: string;
  aliases: string[];
  features: string[] | null;
  signature: { inputs: { name: string }[] };
  warnings?: { message: string; hint?: string }[];
  aliasHistory?: {
    alias: string;
    action: string;
    outcome: string;
    fromVersion: number | null;
    toVersion: number | null;
    who: string;
    gitCommit: string | null;
    gates: { gate: string; observed: unknown; threshold: unknown; passed: boolean }[] | null;
  }[];
}

interface PromoteJson {
  promoted: boolean;
  gates: {
    gate: string;
    observed: number | boolean | null;
    threshold: number | boolean | null;
    passed: boolean;
    reason: string;
  }[];
}

describe('mlo model', () => {
  let p: Awaited<ReturnType<typeof project>>;
  beforeAll(async () => {
    p = await project();
  });

  it('register: versions, JSON shape, same bytes → same version, lineage', () => {
    const cwd = p.dir;
    const a = parseJson<ModelJson>(
      ok(
        mlo(
          [
            'model',
            'register',
            'churn',
            'models/weak.onnx',
            '--metric',
            'auc_train=0.61',
            '--tag',
            'team=risk',
            '--json',
          ],
          { cwd },
        ),
      ),
    );
    expect(a).toMatchObject({
      created: true,
      name: 'churn',
      version: 1,
      hash: sha(p.weak),
      aliases: [],
      features: FEATURES,
    });
    expect(a.signature.inputs.map((i) => i.name)).toEqual(['X']);
    const b = parseJson<ModelJson>(
      ok(mlo(['model', 'register', 'churn', 'models/strong.onnx', '--json'], { cwd })),
    );
    expect([b.version, b.hash]).toEqual([2, sha(p.strong)]);
    const again = ok(mlo(['model', 'register', 'churn', 'models/weak.onnx'], { cwd }));
    expect(again.stdout).toMatch(/churn@1 already holds these bytes/);

    const list = parseJson<{ models: { name: string; versions: number; latestVersion: number }[] }>(
      ok(mlo(['model', 'list', '--json'], { cwd })),
    );
    expect(list.models.find((m) => m.name === 'churn')).toMatchObject({
      versions: 2,
      latestVersion: 2,
    });
    const show = parseJson<
      ModelJson & { lineage: { gitCommit: string }; metrics: object; tags: object }
    >(ok(mlo(['model', 'show', 'churn@1', '--json'], { cwd })));
    expect(show.lineage.gitCommit).toBe(p.head);
    expect(show.metrics).toEqual({ auc_train: 0.61 });
    expect(show.tags).toEqual({ team: 'risk' });
    expect(ok(mlo(['model', 'show', 'churn'], { cwd })).stdout).toMatch(/^churn@2/);
  });

  it('inside mlo exec the version is linked to the run, its commit and its input hashes', () => {
    const cwd = p.dir;
    const run = parseJson<{ id: string }>(
      ok(
        mlo(
          [
            'exec',
            '--name',
            'train',
            '--dep',
            'data/holdout.csv',
            '--json',
            '--',
            process.execPath,
            join(ROOT, 'bin/mlo.js'),
            'model',
            'register',
            'linked',
            'models/strong.onnx',
          ],
          { cwd },
        ),
      ),
    );
    const show = parseJson<{
      lineage: { runId: string; gitCommit: string; inputs: { path: string; hash: string }[] };
    }>(ok(mlo(['model', 'show', 'linked', '--json'], { cwd })));
    const csvHash = sha(readFileSync(join(cwd, 'data/holdout.csv')));
    expect(show.lineage).toMatchObject({
      runId: run.id,
      gitCommit: p.head,
      inputs: [{ path: 'data/holdout.csv', hash: csvHash }],
    });
    // by --run, with an id prefix
    ok(
      mlo(['model', 'register', 'linked2', 'models/weak.onnx', '--run', run.id.slice(0, 8)], {
        cwd,
      }),
    );
    const again = parseJson<{ lineage: { runId: string } }>(
      ok(mlo(['model', 'show', 'linked2', '--json'], { cwd })),
    );
    expect(again.lineage.runId).toBe(run.id);
  });

  it('refuses invalid ONNX with exit 2 and one error line; warns about ZipMap outputs', async () => {
    const r = mlo(['model', 'register', 'bad', 'models/bad.onnx'], { cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: models\/bad\.onnx: not an ONNX model/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    writeTree(p.dir, {
      'models/zip.onnx': Buffer.from(
        await buildLinearClassifier({
          coefficients: [[1, 1, 1, 1]],
          intercepts: [0],
          outputs: 'zipmap',
        }),
      ),
    });
    const z = mlo(
      ['model', 'register', 'zip', 'models/zip.onnx', '--features', FEATURES.join(',')],
      { cwd: p.dir },
    );
    expect(z.code).toBe(0);
    expect(z.stderr).toMatch(
      /warning: .*output_probability.*cannot be returned by onnxruntime-node \(usable: output_label\)/,
    );
    expect(z.stderr).toMatch(/zipmap': False/);
  });

  it('unknown references exit 2 with what exists; aliases set, rm and export', () => {
    const cwd = p.dir;
    const r = mlo(['model', 'show', 'churn@9'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: model churn has no version 9\nhint: churn has versions 1 to 2\n');
    expect(mlo(['model', 'show', 'nope@champion'], { cwd }).stderr).toMatch(
      /^error: no model named "nope"/,
    );
    expect(mlo(['model', 'show', 'churn@x y'], { cwd }).code).toBe(2);

    ok(mlo(['model', 'alias', 'set', 'churn', 'staging', '1'], { cwd }));
    expect(
      parseJson<ModelJson>(ok(mlo(['model', 'show', 'churn@staging', '--json'], { cwd }))).version,
    ).toBe(1);
    ok(mlo(['model', 'alias', 'rm', 'churn', 'staging'], { cwd }));
    expect(mlo(['model', 'show', 'churn@staging'], { cwd }).stderr).toMatch(
      /has no alias "staging"/,
    );

    ok(mlo(['model', 'export', 'churn@2', 'out.onnx'], { cwd }));
    expect(readFileSync(join(cwd, 'out.onnx')).equals(p.strong)).toBe(true);
  });

  it("gc keeps every model version's file", () => {
    const cwd = p.dir;
    const gc = parseJson<{ objects: string[] }>(ok(mlo(['gc', '--json'], { cwd })));
    expect(gc.objects).not.toContain(sha(p.weak));
    expect(gc.objects).not.toContain(sha(p.strong));
    ok(mlo(['model', 'export', 'churn@1', 'again.onnx'], { cwd }));
    expect(readFileSync(join(cwd, 'again.onnx')).equals(p.weak)).toBe(true);
  });
});

describe('mlo model export', () => {
  it('refuses to replace an existing file without --force, anything not a regular file, and anything in .git or .mlo', async () => {
    const p = await project();
    const cwd = p.dir;
    ok(mlo(['model', 'register', 'churn', 'models/weak.onnx'], { cwd }));
    const refused = (args: string[], code: number, message: RegExp): void => {
      const r = mlo(['model', 'export', 'churn@1', ...args], { cwd });
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };

    // an existing file: refused, untouched; --force replaces it
    writeFileSync(join(cwd, 'notes.txt'), 'my notes\n');
    refused(['notes.txt'], 1, /^error: .*notes\.txt already exists/m);
    expect(readFileSync(join(cwd, 'notes.txt'), 'utf8')).toBe('my notes\n');
    ok(mlo(['model', 'export', 'churn@1', 'notes.txt', '--force'], { cwd }));
    expect(readFileSync(join(cwd, 'notes.txt')).equals(p.weak)).toBe(true);

    // a directory takes NAME-vVERSION.onnx, under the same rule
    ok(mlo(['model', 'export', 'churn@1', 'models'], { cwd }));
    expect(readFileSync(join(cwd, 'models/churn-v1.onnx')).equals(p.weak)).toBe(true);
    refused(['models'], 1, /churn-v1\.onnx already exists/);

    // the store, git's hooks and config: refused even with --force
    const db = readFileSync(join(cwd, '.mlo/mlo.db'));
    refused(['.mlo/mlo.db', '--force'], 2, /^error: .*\.mlo.*inside \.mlo/m);
    expect(readFileSync(join(cwd, '.mlo/mlo.db')).equals(db)).toBe(true);
    refused(['.git/hooks/pre-commit', '--force'], 2, /inside \.git/);
    expect(existsSync(join(cwd, '.git/hooks/pre-commit'))).toBe(false);
    refused(['.git/config', '--force'], 2, /inside \.git/);
    // ... also through a symlinked directory
    symlinkSync(join(cwd, '.git/hooks'), join(cwd, 'hooks'));
    refused(['hooks/pre-commit', '--force'], 2, /inside \.git/);
    expect(existsSync(join(cwd, '.git/hooks/pre-commit'))).toBe(false);

    // not a regular file: a symlink, a FIFO (and a device node where we may make one)
    symlinkSync('notes.txt', join(cwd, 'link.onnx'));
    refused(['link.onnx', '--force'], 2, /link\.onnx is a symbolic link, not a regular file/);
    expect(lstatSync(join(cwd, 'link.onnx')).isSymbolicLink()).toBe(true);
    expect(spawnSync('mkfifo', [join(cwd, 'pipe')]).status).toBe(0);
    refused(['pipe', '--force'], 2, /pipe is a FIFO, not a regular file/);
    expect(lstatSync(join(cwd, 'pipe')).isFIFO()).toBe(true);
    if (spawnSync('mknod', [join(cwd, 'full'), 'c', '1', '7']).status === 0) {
      refused(['full', '--force'], 2, /full is a character device, not a regular file/);
      expect(lstatSync(join(cwd, 'full')).isCharacterDevice()).toBe(true);
    }

    // a missing parent directory is the user's input: exit 2 naming it
    refused(['no/such/dir/m.onnx'], 2, /^error: .*no\/such\/dir: no such directory/m);
    refused(['notes.txt/m.onnx'], 2, /^error: .*notes\.txt is not a directory/m);
    mkdirSync(join(cwd, 'out'));
    ok(mlo(['model', 'export', 'churn@1', 'out/m.onnx'], { cwd }));
    expect(readFileSync(join(cwd, 'out/m.onnx')).equals(p.weak)).toBe(true);
  });
});

describe('mlo eval', () => {
  it('prints {"metrics": ...} with every metric name, per slice, and stores the result', async () => {
    const p = await project();
    const cwd = p.dir;
    ok(mlo(['model', 'register', 'churn', 'models/strong.onnx'], { cwd }));
    const r = parseJson<{
      metrics: Record<string, number | null>;
      slices: Record<string, { gaps: Record<string, { value: number }> }>;
      data: { rows: number };
    }>(
      ok(
        mlo(
          [
            'eval',
            'churn',
            '--data',
            'data/holdout.csv',
            '--target',
            'churned',
            '--slice',
            'region',
            '--json',
          ],
          { cwd },
        ),
      ),
    );
    expect(Object.keys(r.metrics).sort()).toEqual(
      [
        'accuracy',
        'f1',
        'f1_macro',
        'log_loss',
        'p50_ms',
        'p95_ms',
        'p99_ms',
        'precision',
        'precision_macro',
        'recall',
        'recall_macro',
        'roc_auc',
        'rows_per_s',
      ].sort(),
    );
    expect(r.metrics.accuracy).toBeGreaterThan(0.7);
    expect(r.data.rows).toBe(1500);
    expect(r.slices.region.gaps.accuracy.value).toBeGreaterThanOrEqual(0);
    const human = ok(
      mlo(['eval', 'churn', '--data', 'data/holdout.csv', '--target', 'churned'], { cwd }),
    );
    expect(human.stdout).toMatch(/accuracy\s+0\.\d+/);
    expect(human.stdout).toMatch(/confusion matrix/);
    const show = parseJson<{ evaluations: unknown[] }>(
      ok(mlo(['model', 'show', 'churn', '--json'], { cwd })),
    );
    expect(show.evaluations).toHaveLength(2);

    const missing = mlo(['eval', 'churn', '--data', 'data/holdout.csv', '--target', 'label'], {
      cwd,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^error: data\/holdout\.csv: no column "label" \(needed by the target\)/,
    );
  });
});

describe('mlo promote', () => {
  let p: Awaited<ReturnType<typeof project>>;
  let metrics: { strong: Record<string, number>; weak: Record<string, number> };

  /** One alias per gate and outcome, so each gate is decided alone. */
  const policies: Record<string, string | Record<string, string>> = {
    acc_pass: 'accuracy >= 0.6',
    acc_fail: 'accuracy >= 0.999',
    cur_pass: 'f1 >= current + 0.01',
    cur_fail: 'f1 >= current + 0.01',
    rel_pass: 'roc_auc >= current - 1%',
    rel_fail: 'roc_auc >= current - 1%',
    lat_pass: 'p99_ms <= 60000',
    lat_fail: 'p99_ms < 0',
    gap_pass: 'gap(accuracy, region) <= 1',
    gap_fail: 'gap(accuracy, region) < 0',
    reg_pass: 'auc_train >= 0.6',
    reg_fail: 'auc_train >= 0.7',
    val_pass: { validate: 'rows_ok' },
    val_fail: { validate: 'rows_bad' },
    drift_pass: 'drift_share <= 0.3',
    drift_fail: 'drift_share <= 0.3',
    drift_nobase_fail: 'drift_share <= 1',
  };
  /** evaluation data per alias (default data/holdout.csv); shifted features drift */
  const dataOf = (alias: string): string =>
    alias === 'drift_fail' ? 'data/shifted.csv' : 'data/holdout.csv';

  beforeAll(async () => {
    p = await project();
    const cwd = p.dir;
    const blocks = Object.entries(policies).map(([alias, gate]) => {
      const line = typeof gate === 'string' ? `"${gate}"` : `{validate: ${gate.validate}}`;
      const data = alias.startsWith('reg_')
        ? ''
        : `    data: ${dataOf(alias)}\n    target: churned\n`;
      return `  ${alias}:\n${data}    gates:\n      - ${line}\n`;
    });
    const holdout = readFileSync(join(cwd, 'data/holdout.csv'), 'utf8').trimEnd().split('\n');
    const shifted = holdout.map((line, i) =>
      i === 0
        ? line
        : line
            .split(',')
            .map((v, j) => (j < FEATURES.length ? String(Number(v) * 3 + 50) : v))
            .join(','),
    );
    writeTree(cwd, {
      'data/shifted.csv': shifted.join('\n') + '\n',
      'mlo.yaml': `stages:\n  train:\n    cmd: echo train\nvalidation:\n  rows_ok:\n    - expect_table_row_count_to_be_between: {min_value: 100}\n    - expect_column_values_to_be_in_set: {column: churned, value_set: [0, 1]}\n  rows_bad:\n    - expect_table_row_count_to_be_between: {min_value: 100000}\npromotion:\n${blocks.join('')}  champion:\n    data: data/holdout.csv\n    target: churned\n    gates:\n      - accuracy >= 0.3\n      - f1 >= current\n`,
    });
    ok(
      mlo(['model', 'register', 'churn', 'models/weak.onnx', '--metric', 'auc_train=0.65'], {
        cwd,
      }),
    );
    const withBaseline = ['--baseline-data', 'data/holdout.csv', '--target', 'churned'];
    ok(
      mlo(
        [
          'model',
          'register',
          'churn',
          'models/strong.onnx',
          '--metric',
          'auc_train=0.65',
          ...withBaseline,
        ],
        {
          cwd,
        },
      ),
    );
    const evalOf = (ref: string) =>
      parseJson<{ metrics: Record<string, number> }>(
        ok(
          mlo(
            [
              'eval',
              ref,
              '--data',
              'data/holdout.csv',
              '--target',
              'churned',
              '--slice',
              'region',
              '--json',
            ],
            { cwd },
          ),
        ),
      ).metrics;
    metrics = { weak: evalOf('churn@1'), strong: evalOf('churn@2') };
    // the models differ as the current-based gates below assume
    expect(metrics.strong.f1).toBeGreaterThan(metrics.weak.f1 + 0.01);
    expect(metrics.strong.roc_auc).toBeGreaterThan(metrics.weak.roc_auc * 1.01);
    // the current holders: weak where the strong candidate must win, strong where the weak one must lose
    for (const alias of ['cur_pass', 'rel_pass'])
      ok(mlo(['model', 'alias', 'set', 'churn', alias, '1'], { cwd }));
    for (const alias of ['cur_fail', 'rel_fail'])
      ok(mlo(['model', 'alias', 'set', 'churn', alias, '2'], { cwd }));
  });

  /** each alias's decision, as the test that promoted it saw it */
  const decided: Record<string, PromoteJson> = {};

  function promote(alias: string, candidate: string): { r: RunResult; json: PromoteJson } {
    const r = mlo(['promote', candidate, '--to', alias, '--json'], { cwd: p.dir });
    return { r, json: parseJson<PromoteJson>(r) };
  }

  const cases = Object.keys(policies).map((alias) => ({
    alias,
    passes: alias.endsWith('_pass'),
    candidate: ['cur_fail', 'rel_fail', 'drift_nobase_fail'].includes(alias)
      ? 'churn@1'
      : 'churn@2',
  }));

  it.each(cases)('$alias: exit code, verdict and alias move', ({ alias, passes, candidate }) => {
    const { r, json } = promote(alias, candidate);
    const gate = policies[alias];
    const text = typeof gate === 'string' ? gate : `validate: ${gate.validate}`;
    expect(json.gates).toHaveLength(1);
    expect(json.gates[0].gate).toBe(text);
    expect(json.gates[0].passed, json.gates[0].reason).toBe(passes);
    decided[alias] = json;
    expect(json.promoted).toBe(passes);
    expect(r.code).toBe(passes ? 0 : 1);
    if (!passes) expect(r.stderr).toContain(`error: gate "${text}" failed: `);
    const holder = mlo(['model', 'show', `churn@${alias}`, '--json'], { cwd: p.dir });
    if (passes) expect(parseJson<ModelJson>(holder).version).toBe(Number(candidate.split('@')[1]));
    else if (alias.startsWith('cur_') || alias.startsWith('rel_')) {
      expect(parseJson<ModelJson>(holder).version).toBe(2); // unchanged
    } else expect(holder.code).toBe(2); // never set
  });

  it('observed values and thresholds are the measured ones', () => {
    const cur = decided.cur_fail.gates[0];
    expect(cur.observed).toBeCloseTo(metrics.weak.f1, 12);
    expect(cur.threshold).toBeCloseTo(metrics.strong.f1 + 0.01, 12);
    const rel = decided.rel_fail.gates[0];
    expect(rel.threshold).toBeCloseTo(metrics.strong.roc_auc * 0.99, 12);
    const acc = decided.acc_fail.gates[0];
    expect([acc.observed, acc.threshold]).toEqual([metrics.strong.accuracy, 0.999]);
    const val = decided.val_fail.gates[0];
    expect([val.observed, val.threshold]).toEqual([false, true]);
    expect(val.reason).toBe('suite rows_bad failed: 1 of 1 expectations did not pass');
    expect(decided.val_pass.gates[0].reason).toMatch(/suite rows_ok passed \(2\/2 expectations\)/);
    const still = decided.drift_pass.gates[0];
    expect([still.observed, still.threshold]).toEqual([0, 0.3]);
    const drift = decided.drift_fail.gates[0];
    // the four shifted features of six baseline columns (the target and region did not move)
    expect(drift.observed).toBeCloseTo(4 / 6, 12);
    const listed = /drifted: (.*)$/.exec(drift.reason)?.[1].split(', ').sort();
    expect(listed).toEqual(FEATURES);
    const none = decided.drift_nobase_fail.gates[0];
    expect(none.reason).toMatch(/churn@1 has no drift baseline/);
  });

  it('the audit log records every decision with who, the commit and the gate results', () => {
    const show = parseJson<ModelJson>(
      ok(mlo(['model', 'show', 'churn@2', '--json'], { cwd: p.dir })),
    );
    const promotions = show.aliasHistory?.filter((e) => e.action === 'promote') ?? [];
    const accFail = promotions.find((e) => e.alias === 'acc_fail');
    expect(accFail).toMatchObject({
      outcome: 'rejected',
      fromVersion: null,
      toVersion: 2,
      who: 'mlo test <test@example.com>',
      gitCommit: p.head,
    });
    expect(accFail?.gates).toEqual([
      expect.objectContaining({ gate: 'accuracy >= 0.999', threshold: 0.999, passed: false }),
    ]);
    const accPass = promotions.find((e) => e.alias === 'acc_pass');
    expect(accPass).toMatchObject({ outcome: 'moved', fromVersion: null, toVersion: 2 });
    const human = ok(mlo(['model', 'show', 'churn@2'], { cwd: p.dir })).stdout;
    expect(human).toMatch(/alias history/);
    expect(human).toMatch(/acc_fail\s+promote\s+rejected/);
  });

  it('--dry-run decides and prints but moves and records nothing', () => {
    const cwd = p.dir;
    const before = parseJson<ModelJson>(
      ok(mlo(['model', 'show', 'churn@2', '--json'], { cwd })),
    ).aliasHistory;
    const r = ok(mlo(['promote', 'churn@2', '--to', 'champion', '--dry-run'], { cwd }));
    expect(r.stdout).toMatch(/would move churn@champion: none → 2/);
    expect(mlo(['model', 'show', 'churn@champion'], { cwd }).code).toBe(2);
    const after = parseJson<ModelJson>(
      ok(mlo(['model', 'show', 'churn@2', '--json'], { cwd })),
    ).aliasHistory;
    expect(after).toEqual(before);
  });

  it('promote, promote again, rollback', () => {
    const cwd = p.dir;
    ok(mlo(['promote', 'churn@1', '--to', 'champion'], { cwd }));
    const second = ok(mlo(['promote', 'churn@2', '--to', 'champion'], { cwd }));
    expect(second.stdout).toMatch(/promoted churn@champion: 1 → 2/);
    expect(second.stdout).toMatch(/reused evaluation/);
    const same = ok(mlo(['promote', 'churn@2', '--to', 'champion'], { cwd }));
    expect(same.stdout).toMatch(/already holds champion/);
    const rb = parseJson<{ from: number; to: number }>(
      ok(mlo(['rollback', 'churn', '--alias', 'champion', '--json'], { cwd })),
    );
    expect([rb.from, rb.to]).toEqual([2, 1]);
    const none = mlo(['rollback', 'churn', '--alias', 'champion'], { cwd });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/had no holder before version 1/);
    const history =
      parseJson<ModelJson>(ok(mlo(['model', 'show', 'churn@champion', '--json'], { cwd })))
        .aliasHistory ?? [];
    expect(
      history
        .filter((e) => e.alias === 'champion')
        .map((e) => [e.action, e.outcome, e.fromVersion, e.toVersion]),
    ).toEqual([
      ['promote', 'moved', null, 1],
      ['promote', 'moved', 1, 2],
      ['rollback', 'moved', 2, 1],
    ]);
  });

  it('a malformed gate is exit 2 at mlo.yaml:line:col; an alias without gates is exit 2', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'mlo.yaml':
        'promotion:\n  champion:\n    gates:\n      - accuracy >= 0.8\n      - f1 => current\n',
    });
    const r = mlo(['promote', 'x', '--to', 'champion'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      "error: mlo.yaml:5:12: promotion.champion.gates[1]: invalid gate \"f1 => current\": at column 4, expected an operator (>=, >, <=, <, ==, !=), found '=>' (did you mean '>='?)",
    );
    const none = mlo(['promote', 'churn@2', '--to', 'production'], { cwd: p.dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: mlo.yaml has no promotion gates for alias "production"/);
  });
});

describe('models with int64, int32, double and bool inputs', () => {
  /** Weights of age (int64), member (bool), income (double), visits (int32). */
  const CW = [0.05, -1.5, 0.75, -0.25];
  const B = -0.5;
  const p1 = (x: number[]): number =>
    1 / (1 + Math.exp(-(x.reduce((s, v, j) => s + v * CW[j], 0) + B)));

  it('register, eval and promote (with its latency gate) run them, with predictions computed here', async () => {
    const dir = makeRepo();
    const bytes = await buildLinearClassifier({
      coefficients: [CW],
      intercepts: [B],
      columns: [
        { name: 'age', type: 'int64' },
        { name: 'member', type: 'bool' },
        { name: 'income', type: 'float64' },
        { name: 'visits', type: 'int32' },
      ],
    });
    const rows: number[][] = [];
    for (let i = 0; i < 400; i++) {
      rows.push([
        18 + ((i * 37) % 60),
        i % 3 === 0 ? 1 : 0,
        ((i * 7919) % 800) / 100 - 4,
        (i * 13) % 9,
      ]);
    }
    // the target is the label computed here: accuracy 1 means every prediction agreed
    const csv = [
      'age,member,income,visits,churned',
      ...rows.map(
        (r) => `${r[0]},${r[1] ? 'true' : 'false'},${r[2]},${r[3]},${p1(r) >= 0.5 ? 1 : 0}`,
      ),
    ];
    writeTree(dir, {
      'm.onnx': Buffer.from(bytes),
      'train.csv': csv.join('\n') + '\n',
      'bad.csv': 'age,member,income,visits,churned\n40,true,1.5,2,1\n41.5,false,1,2,0\n',
      'mlo.yaml':
        'promotion:\n  champion:\n    data: train.csv\n    target: churned\n    gates:\n      - "accuracy >= 0.999"\n      - "p99_ms <= 60000"\n      - "drift_share <= 0.5"\n',
    });
    const reg = parseJson<ModelJson>(
      ok(
        mlo(
          [
            'model',
            'register',
            'm',
            'm.onnx',
            '--baseline-data',
            'train.csv',
            '--target',
            'churned',
            '--json',
          ],
          { cwd: dir },
        ),
      ),
    );
    expect(reg.features).toEqual(['age', 'member', 'income', 'visits']);
    const ev = parseJson<{ metrics: Record<string, number>; data: { rows: number } }>(
      ok(
        mlo(['eval', 'm@1', '--data', 'train.csv', '--target', 'churned', '--json'], { cwd: dir }),
      ),
    );
    expect(ev.data.rows).toBe(400);
    expect(ev.metrics.accuracy).toBe(1);
    expect(ev.metrics.p99_ms).toBeGreaterThan(0);
    const positives = rows.filter((r) => p1(r) >= 0.5).length;
    expect(positives).toBeGreaterThan(20);
    expect(positives).toBeLessThan(380);
    // a value the int64 input cannot take: exit 2 naming the row and column
    const bad = mlo(['eval', 'm@1', '--data', 'bad.csv', '--target', 'churned'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^error: bad\.csv: data row 2, column "age": 41\.5 is not a whole number; the model takes it as int64$/m,
    );
    const promote = mlo(['promote', 'm@1', '--to', 'champion'], { cwd: dir });
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    expect(
      parseJson<ModelJson>(ok(mlo(['model', 'show', 'm@champion', '--json'], { cwd: dir })))
        .version,
    ).toBe(1);
  });

  it('register refuses an input mlo cannot feed, with the reason', async () => {
    const dir = makeRepo();
    const g = new GraphBuilder();
    g.input('text', 'string', [null, 1]);
    g.node('Identity', ['text'], ['out']);
    g.output('out', 'string', [null, 1]);
    writeTree(dir, { 's.onnx': Buffer.from(await g.toBytes()) });
    const r = mlo(['model', 'register', 's', 's.onnx'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: s\.onnx: model input "text" is tensor\(string\); mlo feeds float, double, int64, int32 or bool features$/m,
    );
    expect(mlo(['model', 'list', '--json'], { cwd: dir }).stdout).not.toMatch(/"s"/);
  });
});

describe('mlo promote: a drift gate that checked nothing', () => {
  it("does not pass when the evaluation data has none of the baseline's columns", async () => {
    const p = await project();
    const cwd = p.dir;
    writeTree(cwd, {
      'data/odd.csv':
        'a,b\n' + Array.from({ length: 50 }, (_, i) => `${i},${i % 3}`).join('\n') + '\n',
      'mlo.yaml': `promotion:\n  staging:\n    data: data/holdout.csv\n    target: churned\n    gates:\n      - "drift_share <= 0.5"\n`,
    });
    ok(mlo(['model', 'register', 'churn', 'models/strong.onnx'], { cwd }));
    ok(mlo(['baseline', 'create', 'odd', '--data', 'data/odd.csv', '--model', 'churn@1'], { cwd }));
    const r = mlo(['promote', 'churn@1', '--to', 'staging'], { cwd });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^error: data\/holdout\.csv has none of the columns of baseline "odd": missing a, b$/m,
    );
    expect(mlo(['model', 'show', 'churn@staging'], { cwd }).code).toBe(2);
  });
});

describe('templates/github-actions.yml', () => {
  it('is a workflow that pulls, reproduces, validates with JUnit, uploads it and promotes', () => {
    const wf = parse(readFileSync(join(ROOT, 'templates/github-actions.yml'), 'utf8')) as {
      on: object;
      jobs: Record<
        string,
        { steps: { run?: string; uses?: string; with?: Record<string, string> }[] }
      >;
    };
    const steps = Object.values(wf.jobs)[0].steps;
    const runs = steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/npm install --global mlo-toolkit$/m);
    expect(runs).toMatch(/mlo pull/);
    expect(runs).toMatch(/mlo repro/);
    expect(runs).toMatch(/mlo validate \S+ --suite \S+ --junit reports\/\S+\.xml/);
    expect(runs).toMatch(/mlo promote \S+ --to champion/);
    expect(
      steps.some(
        (s) => s.uses?.startsWith('actions/upload-artifact') && s.with?.path === 'reports/',
      ),
    ).toBe(true);
  });
});
