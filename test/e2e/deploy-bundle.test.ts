/**
 * Model bundles as a user ships them: exported from a repository, served on another
 * "machine" (a directory with no repository), tampered with, hostile.
 */
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier, openRepo, readPredictions } from '../../src/index.js';
import { churnProbability, churnRepo, W1, W2 } from '../helpers/churn.js';
import { mlo, parseJson, tempDir } from '../helpers/cli.js';
import { predict, startServe } from '../helpers/serving.js';

const sigmoid = churnProbability;

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

interface BundleJson {
  path: string;
  format: string;
  name: string;
  version: number;
  ref: string;
  files: { name: string; size: number; sha256: string }[];
  baseline: boolean;
}

describe('mlo model export --bundle', () => {
  it('writes a directory and a .tar.gz whose manifest hashes every file, guarded like an export', async () => {
    const repo = await churnRepo();
    const r = mlo(['model', 'export', 'churn@champion', '--bundle', 'dist/churn', '--json'], {
      cwd: repo,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: cannot write the bundle dist\/churn: dist: no such directory/);

    const dir = parseJson<BundleJson>(
      mlo(['model', 'export', 'churn@champion', '--bundle', 'churn-bundle', '--json'], {
        cwd: repo,
      }),
    );
    expect(dir).toMatchObject({ format: 'directory', name: 'churn', version: 1, baseline: true });
    expect(readdirSync(dir.path).sort()).toEqual([
      'baseline.json',
      'manifest.json',
      'model.onnx',
      'serve.yaml',
      'signature.json',
    ]);
    const manifest = JSON.parse(readFileSync(join(dir.path, 'manifest.json'), 'utf8')) as {
      model: { name: string; version: number; alias: string; hash: string };
      files: Record<string, { sha256: string; size: number }>;
    };
    expect(manifest.model).toMatchObject({ name: 'churn', version: 1, alias: 'champion' });
    expect(manifest.model.hash).toBe(sha(join(repo, 'v1.onnx')));
    for (const [name, entry] of Object.entries(manifest.files)) {
      expect(sha(join(dir.path, name)), name).toBe(entry.sha256);
    }
    expect(Object.keys(manifest.files).sort()).toEqual(
      ['baseline.json', 'model.onnx', 'serve.yaml', 'signature.json'].sort(),
    );
    const sig = JSON.parse(readFileSync(join(dir.path, 'signature.json'), 'utf8')) as {
      features: string[];
    };
    expect(sig.features).toEqual(['age', 'tenure', 'spend']);
    expect(readFileSync(join(dir.path, 'serve.yaml'), 'utf8')).toMatch(/max_batch: 16/);

    const again = mlo(['model', 'export', 'churn@2', '--bundle', 'churn-bundle'], { cwd: repo });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/churn-bundle already exists/);
    const forced = mlo(['model', 'export', 'churn@2', '--bundle', 'churn-bundle', '--force'], {
      cwd: repo,
    });
    expect(forced.code, forced.stderr).toBe(0);
    expect(
      readFileSync(join(dir.path, 'model.onnx')).equals(readFileSync(join(repo, 'v2.onnx'))),
    ).toBe(true);
    // never into .mlo, never over a regular file as a directory bundle
    const intoStore = mlo(['model', 'export', 'churn@1', '--bundle', '.mlo/b'], { cwd: repo });
    expect(intoStore.code).toBe(2);
    expect(intoStore.stderr).toMatch(/inside \.mlo/);
    writeFileSync(join(repo, 'afile'), 'x');
    const overFile = mlo(['model', 'export', 'churn@1', '--bundle', 'afile', '--force'], {
      cwd: repo,
    });
    expect(overFile.code).toBe(2);
    expect(readFileSync(join(repo, 'afile'), 'utf8')).toBe('x');

    const tgz = parseJson<BundleJson>(
      mlo(['model', 'export', 'churn@champion', '--bundle', 'churn.tar.gz', '--json'], {
        cwd: repo,
      }),
    );
    expect(tgz.format).toBe('tar.gz');
    // the same version gives the same archive bytes apart from the manifest's date
    expect(
      readFileSync(tgz.path)
        .subarray(0, 2)
        .equals(Buffer.from([0x1f, 0x8b])),
    ).toBe(true);
    const listing = mlo(['model', 'export', 'nope', '--bundle', 'x.tar.gz'], { cwd: repo });
    expect(listing.code).toBe(2);
    expect(existsSync(join(repo, 'x.tar.gz'))).toBe(false);
  });
});

describe('mlo serve --bundle / FILE.onnx, outside any repository', () => {
  it('serves a .tar.gz bundle, logs to the state directory, and drift check reads it there', async () => {
    const repo = await churnRepo();
    expect(
      mlo(['model', 'export', 'churn@champion', '--bundle', 'churn.tar.gz'], { cwd: repo }).code,
    ).toBe(0);
    const machine = tempDir(); // no repository, no git
    const outside = mlo(['serve', 'churn@champion', '--port', '0'], { cwd: machine });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/not an mlo repository/);

    const state = join(machine, 'state');
    const s = await startServe(machine, ['--bundle', join(repo, 'churn.tar.gz')], {
      MLO_STATE_DIR: state,
    });
    expect(s.stdout()).toMatch(/serving churn@1 \(churn@champion\)/);
    expect(s.stdout()).toMatch(/prediction log: on, in .*state/);
    const rows = [
      [30, 3, 50],
      [61, 20, 5],
      [45, 1, 99],
    ];
    for (const [i, x] of rows.entries()) {
      const r = await predict(
        s.url,
        { instances: [{ age: x[0], tenure: x[1], spend: x[2] }] },
        {
          'x-request-id': `b${i}`,
        },
      );
      expect(r.status).toBe(200);
      expect(r.version).toBe('1');
      expect(r.body.probabilities[0][1]).toBeCloseTo(sigmoid(W1, x), 5);
    }
    const end = await s.stop();
    expect(end.code, end.stderr).toBe(0);
    expect(end.stderr).toMatch(/every file checked/);
    expect(end.stdout).toMatch(/3 row\(s\) written, 0 dropped/);
    // nothing but the state directory was written
    expect(readdirSync(machine)).toEqual(['state']);

    const drift = mlo(
      ['-C', state, 'drift', 'check', '--model', 'churn@champion', '--predictions', '--json'],
      { cwd: machine },
    );
    expect(drift.code, drift.stderr).toBe(0);
    const report = parseJson<{ current: { rows: number }; baseline: { rows: number } }>(drift);
    expect(report.current.rows).toBe(3);
    expect(report.baseline.rows).toBe(300);
  });

  it('follows the bundle: a new image with a promoted version moves the alias in the same state', async () => {
    const repo = await churnRepo();
    const machine = tempDir();
    const state = join(machine, 'state');
    expect(mlo(['model', 'export', 'churn@champion', '--bundle', 'b1'], { cwd: repo }).code).toBe(
      0,
    );
    expect(mlo(['model', 'alias', 'set', 'churn', 'champion', '2'], { cwd: repo }).code).toBe(0);
    expect(mlo(['model', 'export', 'churn@champion', '--bundle', 'b2'], { cwd: repo }).code).toBe(
      0,
    );

    const first = await startServe(machine, ['--bundle', join(repo, 'b1'), '--state-dir', state]);
    expect((await predict(first.url, { inputs: [[1, 2, 3]] })).version).toBe('1');
    expect((await first.stop()).code).toBe(0);
    const second = await startServe(machine, ['--bundle', join(repo, 'b2'), '--state-dir', state]);
    // written before "listening", but this process may not have read that pipe yet
    await expect.poll(() => second.stderr()).toMatch(/churn@champion moved from version 1 to 2/);
    const r = await predict(second.url, { inputs: [[1, 2, 3]] });
    expect(r.version).toBe('2');
    expect(r.body.probabilities[0][1]).toBeCloseTo(sigmoid(W2, [1, 2, 3]), 5);
    expect((await second.stop()).code).toBe(0);
    const listed = parseJson<{
      models: { name: string; versions: number; aliases: Record<string, number> }[];
    }>(mlo(['-C', state, 'model', 'list', '--json'], { cwd: machine }));
    expect(listed.models).toEqual([
      expect.objectContaining({ name: 'churn', versions: 2, aliases: { champion: 2 } }),
    ]);
  });

  it('refuses a tampered bundle before serving, naming the file (exit 2)', async () => {
    const repo = await churnRepo();
    expect(mlo(['model', 'export', 'churn@1', '--bundle', 'good'], { cwd: repo }).code).toBe(0);
    const machine = tempDir();
    const cases: [string, (dir: string) => void, RegExp][] = [
      [
        'model.onnx',
        (d) => {
          const b = readFileSync(join(d, 'model.onnx'));
          b[b.length - 5] ^= 0xff;
          writeFileSync(join(d, 'model.onnx'), b);
        },
        /model\.onnx does not match the manifest/,
      ],
      [
        'baseline.json',
        (d) =>
          writeFileSync(
            join(d, 'baseline.json'),
            readFileSync(join(d, 'baseline.json'), 'utf8').replace('"rows":300', '"rows":301'),
          ),
        /baseline\.json does not match the manifest/,
      ],
      [
        'signature.json',
        (d) => {
          rmSync(join(d, 'signature.json'));
          symlinkSync('/etc/hostname', join(d, 'signature.json'));
        },
        /signature\.json is a symbolic link/,
      ],
      ['a missing serve.yaml', (d) => rmSync(join(d, 'serve.yaml')), /serve\.yaml is missing/],
      [
        'the manifest',
        (d) =>
          writeFileSync(
            join(d, 'manifest.json'),
            readFileSync(join(d, 'manifest.json'), 'utf8').replace(
              '"model.onnx"',
              '"../../etc/passwd"',
            ),
          ),
        /lists "\.\.\/\.\.\/etc\/passwd", which is not a bundle file/,
      ],
    ];
    for (const [what, tamper, message] of cases) {
      const copy = join(machine, what.replace(/\W/g, '_'));
      cpSync(join(repo, 'good'), copy, { recursive: true });
      tamper(copy);
      const r = mlo(['serve', '--bundle', copy, '--port', '0', '--state-dir', join(machine, 's')], {
        cwd: machine,
      });
      expect(r.code, `${what}: ${r.stderr}`).toBe(2);
      expect(r.stderr, what).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
      expect(r.stdout).not.toMatch(/listening/);
    }
  });

  it('refuses a hostile archive, writing nothing outside the state directory', () => {
    const machine = tempDir();
    const h = Buffer.alloc(512);
    h.write('../../escaped.txt', 0);
    h.write('0000644\0', 100);
    h.write('00000000001\0', 124);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    const body = Buffer.alloc(512);
    body.write('x');
    writeFileSync(
      join(machine, 'evil.tar.gz'),
      gzipSync(Buffer.concat([h, body, Buffer.alloc(1024)])),
    );
    const r = mlo(
      ['serve', '--bundle', 'evil.tar.gz', '--port', '0', '--state-dir', 'deep/state'],
      {
        cwd: machine,
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/evil\.tar\.gz: "\.\.\/\.\.\/escaped\.txt" has a "\.\." component/);
    expect(existsSync(join(machine, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(machine, 'deep/escaped.txt'))).toBe(false);
    expect(readdirSync(join(machine, 'deep/state/tmp'))).toEqual([]);
  });

  it('serves a bare FILE.onnx with no repository', async () => {
    const machine = tempDir();
    writeFileSync(
      join(machine, 'scorer.onnx'),
      await buildLinearClassifier({ coefficients: [W1.w], intercepts: [W1.b] }),
    );
    const s = await startServe(machine, ['./scorer.onnx', '--log-predictions']);
    expect(s.stdout()).toMatch(/serving scorer@1/);
    const r = await predict(s.url, { inputs: [[1, 2, 3]] });
    expect(r.status).toBe(200);
    expect(r.model).toBe('scorer');
    expect(r.body.probabilities[0][1]).toBeCloseTo(sigmoid(W1, [1, 2, 3]), 5);
    expect((await s.stop()).code).toBe(0);
    // the default state directory, and the log in it
    const state = openRepo(join(machine, 'mlo-state'));
    try {
      const logged = readPredictions(state, { model: 'scorer@1' });
      expect(logged).toHaveLength(1);
      expect(logged[0].inputs).toEqual({ '0': 1, '1': 2, '2': 3 });
    } finally {
      state.close();
    }
    const missing = mlo(['serve', './nope.onnx', '--port', '0'], { cwd: machine });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.onnx: no such file/);
  });
});
