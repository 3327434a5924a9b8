/**
 * gc beside concurrent writers, with real processes (issue 10, item 3): a loop of
 * `mlo gc` must never delete an object that a concurrent `mlo model register` or
 * `mlo add` is about to reference. And fsck checks every reference the repository
 * holds, not only pointer files.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier } from '../../src/onnx/index.js';
import { makeRepo, mlo, mloAsync, parseJson, writeTree, type RunResult } from '../helpers/cli.js';
import { sha256 } from '../../src/data/hash.js';

const FEATURES = ['f0', 'f1', 'f2'];

function objectExists(dir: string, hash: string): boolean {
  return existsSync(join(dir, '.mlo/cache', hash.slice(0, 2), hash.slice(2)));
}

/** Run `args` for each item, one after another. */
async function loop(dir: string, items: string[][]): Promise<RunResult[]> {
  const out: RunResult[] = [];
  for (const args of items) out.push(await mloAsync(args, { cwd: dir }).done);
  return out;
}

/** `mlo gc` again and again until `until` settles; returns how many gcs ran. */
async function gcLoop(dir: string, until: Promise<unknown>): Promise<number> {
  let done = false;
  void until.finally(() => (done = true));
  let runs = 0;
  while (!done) {
    const r = await mloAsync(['gc', '--json'], { cwd: dir }).done;
    // exit 1: another gc holds the lock (two loops run); anything else is a failure
    expect([0, 1], r.stderr).toContain(r.code);
    if (r.code === 1) expect(r.stderr).toMatch(/another mlo gc is running/);
    runs++;
  }
  return runs;
}

describe('gc beside concurrent writers', () => {
  it('a loop of model register beside two loops of gc loses no version', async () => {
    const dir = makeRepo();
    const models: Buffer[] = [];
    for (let i = 0; i < 45; i++) {
      const bytes = Buffer.from(
        await buildLinearClassifier({
          coefficients: [[i / 10, 1, -1]],
          intercepts: [i],
          metadata: { 'mlo.feature_names': JSON.stringify(FEATURES) },
        }),
      );
      writeFileSync(join(dir, `m${i}.onnx`), bytes);
      models.push(bytes);
    }
    const half = (k: number): string[][] =>
      models
        .map((_, i) => i)
        .filter((i) => i % 2 === k)
        .map((i) => ['model', 'register', `m${k}`, `m${i}.onnx`, '--json']);
    const registering = Promise.all([loop(dir, half(0)), loop(dir, half(1))]);
    const [results, gcs] = await Promise.all([
      registering,
      Promise.all([gcLoop(dir, registering), gcLoop(dir, registering)]),
    ]);
    for (const r of results.flat()) expect(r.code, r.stderr).toBe(0);
    expect(gcs[0] + gcs[1]).toBeGreaterThan(2);
    const lost = models.filter((b) => !objectExists(dir, sha256(b)));
    expect(lost.length, `${lost.length} of 45 model objects lost`).toBe(0);
    for (const k of [0, 1]) {
      const listed = parseJson<{ versions: { version: number; hash: string }[] }>(
        mlo(['model', 'list', `m${k}`, '--json'], { cwd: dir }),
      );
      expect(listed.versions.length).toBe(k === 0 ? 23 : 22);
      for (const v of listed.versions) expect(objectExists(dir, v.hash)).toBe(true);
    }
    expect(mlo(['fsck'], { cwd: dir }).code).toBe(0);
  }, 300_000);

  it('loops of mlo add beside a loop of gc lose no tracked object', async () => {
    const dir = makeRepo();
    const tree: Record<string, string> = {};
    for (let i = 0; i < 40; i++) tree[`d${i % 2}/f${i}.csv`] = `row ${i}\n`.repeat(2000);
    writeTree(dir, tree);
    const adds = (k: number): string[][] =>
      Object.keys(tree)
        .filter((p) => p.startsWith(`d${k}/`))
        .map((p) => ['add', p]);
    const adding = Promise.all([loop(dir, adds(0)), loop(dir, adds(1))]);
    const [results] = await Promise.all([adding, gcLoop(dir, adding)]);
    for (const r of results.flat()) expect(r.code, r.stderr).toBe(0);
    const lost = Object.values(tree).filter((c) => !objectExists(dir, sha256(c)));
    expect(lost).toEqual([]);
    expect(mlo(['fsck'], { cwd: dir }).code).toBe(0);
    expect(mlo(['status', '--exit-code'], { cwd: dir }).code).toBe(0);
  }, 300_000);
});

interface FsckJson {
  ok: boolean;
  problems: { problem: string; kind?: string; where: string; hash: string }[];
}

describe('mlo fsck checks every reference', () => {
  it('reports missing objects of model versions, runs, the stage cache and mlo.lock', async () => {
    const dir = makeRepo();
    const model = Buffer.from(
      await buildLinearClassifier({
        coefficients: [[1, 2, 3]],
        intercepts: [0],
        metadata: { 'mlo.feature_names': JSON.stringify(FEATURES) },
      }),
    );
    writeFileSync(join(dir, 'model.onnx'), model);
    writeTree(dir, {
      'mlo.yaml': [
        'stages:',
        '  make:',
        "    cmd: node -e \"require('fs').writeFileSync('out.txt', 'stage output\\n')\"",
        '    outs: [out.txt]',
        '  score:',
        "    cmd: node -e \"require('fs').writeFileSync('m.json', '{}')\"",
        '    deps: [out.txt]',
        '    metrics:',
        '      - m.json: {cache: false}',
        '',
      ].join('\n'),
      'art.txt': 'an artifact\n',
    });
    expect(mlo(['model', 'register', 'm', 'model.onnx'], { cwd: dir }).code).toBe(0);
    const exec = mlo(
      [
        'exec',
        '-o',
        'exec-out.txt',
        '--',
        'sh',
        '-c',
        'echo exec > exec-out.txt; echo \'{"artifact": "art.txt"}\' >> "$MLO_LOG"',
      ],
      { cwd: dir },
    );
    expect(exec.code, exec.stderr).toBe(0);
    const repro = mlo(['repro'], { cwd: dir });
    expect(repro.code, repro.stderr).toBe(0);
    const healthy = parseJson<FsckJson>(mlo(['fsck', '--json'], { cwd: dir }));
    expect(healthy.problems).toEqual([]); // m.json is cache: false, never expected in the cache

    // lose every object
    for (const d of readdirSync(join(dir, '.mlo/cache')))
      rmSync(join(dir, '.mlo/cache', d), { recursive: true, force: true });
    const r = mlo(['fsck', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    const missing = parseJson<FsckJson>(r).problems.filter((p) => p.problem === 'missing');
    const where = missing.map((p) => `${p.kind}: ${p.where}`);
    expect(where).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^model: model m@1$/),
        expect.stringMatching(/^run: run \w+ artifact art\.txt$/),
        expect.stringMatching(/^run: run \w+ output exec-out\.txt$/),
        expect.stringMatching(/^stage-cache: stage cache of make \(\w+\): out\.txt$/),
        expect.stringMatching(/^lock: mlo\.lock: stage make: out\.txt$/),
      ]),
    );
    expect(where.some((w) => w.includes('m.json'))).toBe(false);
    expect(missing.find((p) => p.kind === 'model')?.hash).toBe(sha256(model));
  });
});
