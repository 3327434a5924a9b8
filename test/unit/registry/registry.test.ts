import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { cacheOf, gc } from '../../../src/data/index.js';
import {
  buildLinearClassifier,
  buildLinearRegressor,
  type ModelSignature,
} from '../../../src/onnx/index.js';
import {
  aliasHistory,
  exportModel,
  holderStack,
  listModels,
  listVersions,
  loadModel,
  parseModelRef,
  readModelBytes,
  registerModel,
  registryGeneration,
  removeAlias,
  resolveModel,
  rollbackAlias,
  setAlias,
  showModel,
  watchModelRef,
  type AliasEvent,
} from '../../../src/registry/index.js';
import { runModel } from '../../../src/onnx/index.js';
import { startRun } from '../../../src/tracking/index.js';
import { csv, git, tempRepo, writeFile } from './helpers.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function classifier(seed: number, extra: Record<string, string> = {}): Promise<Uint8Array> {
  return buildLinearClassifier({
    coefficients: [[seed, -1, 0.5]],
    intercepts: [0.1],
    metadata: extra,
  });
}

function caught(fn: () => unknown): MloError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MloError) return err;
    throw err;
  }
  throw new Error('expected an MloError');
}

async function caughtAsync(fn: () => Promise<unknown>): Promise<MloError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof MloError) return err;
    throw err;
  }
  throw new Error('expected an MloError');
}

describe('model references', () => {
  it('parses NAME, NAME@VERSION, NAME@ALIAS and NAME@latest', () => {
    expect(parseModelRef('churn')).toMatchObject({ name: 'churn', kind: 'latest' });
    expect(parseModelRef('churn@latest')).toMatchObject({ name: 'churn', kind: 'latest' });
    expect(parseModelRef('churn@12')).toMatchObject({
      name: 'churn',
      kind: 'version',
      version: 12,
    });
    expect(parseModelRef('churn-v2.x@champion')).toMatchObject({
      name: 'churn-v2.x',
      kind: 'alias',
      alias: 'champion',
    });
  });

  it.each(['', '@3', 'churn@0', 'churn@', 'churn@1a', 'chu rn', 'churn@cham pion', '-x'])(
    'refuses %j with a usage error (exit 2)',
    (text) => {
      const err = caught(() => parseModelRef(text));
      expect(err.code).toBe('USAGE');
      expect(err.exitCode).toBe(2);
    },
  );
});

describe('registerModel', () => {
  it('numbers versions 1, 2, 3 per name and stores the bytes in the cache', async () => {
    const { dir, repo } = tempRepo();
    const hashes: string[] = [];
    for (let v = 1; v <= 3; v++) {
      const bytes = await classifier(v);
      hashes.push(sha256(bytes));
      const r = await registerModel(repo, {
        name: 'churn',
        path: writeFile(dir, `m${v}.onnx`, bytes),
      });
      expect(r.created).toBe(true);
      expect(r.model.version).toBe(v);
      expect(r.model.hash).toBe(sha256(bytes));
      expect(cacheOf(repo).read(r.model.hash).equals(Buffer.from(bytes))).toBe(true);
    }
    const other = await registerModel(repo, {
      name: 'other',
      path: writeFile(dir, 'o.onnx', await classifier(9)),
    });
    expect(other.model.version).toBe(1);
    expect(listVersions(repo, 'churn').map((v) => [v.version, v.hash])).toEqual(
      hashes.map((h, i) => [i + 1, h]),
    );
    expect(listModels(repo).map((m) => [m.name, m.versions, m.latestVersion])).toEqual([
      ['churn', 3, 3],
      ['other', 1, 1],
    ]);
  });

  it('returns the existing version for the same bytes, under that name only', async () => {
    const { dir, repo } = tempRepo();
    const bytes = await classifier(1);
    const path = writeFile(dir, 'm.onnx', bytes);
    const first = await registerModel(repo, { name: 'churn', path });
    await registerModel(repo, {
      name: 'churn',
      path: writeFile(dir, 'm2.onnx', await classifier(2)),
    });
    const again = await registerModel(repo, { name: 'churn', path, metrics: { acc: 0.5 } });
    expect(again.created).toBe(false);
    expect(again.model.version).toBe(first.model.version);
    expect(again.model.metrics).toEqual({});
    expect(again.warnings.map((w) => w.message).join()).toMatch(/already churn@1.*not recorded/);
    expect(listVersions(repo, 'churn')).toHaveLength(2);
    expect((await registerModel(repo, { name: 'twin', path })).created).toBe(true);
  });

  it('records signature, metrics, tags, who, and the run with its commit and input hashes', async () => {
    const { dir, repo } = tempRepo();
    const head = git(dir, 'rev-parse', 'HEAD');
    const run = await startRun(repo, { name: 'train-1', git: { commit: 'c0ffee', dirty: true } });
    run.recordPath('input', { path: 'data/train.csv', hash: 'a'.repeat(64), size: 10 });
    await run.end();
    const r = await registerModel(repo, {
      name: 'churn',
      path: writeFile(dir, 'm.onnx', await classifier(1)),
      metrics: { accuracy: 0.91 },
      tags: { team: 'risk' },
      runId: run.id.slice(0, 8),
    });
    const m = r.model;
    expect(m.signature.inputs.map((i) => [i.name, i.elementType, i.shape])).toEqual([
      ['X', 'float32', [null, 3]],
    ]);
    expect(m.signature.outputs.map((o) => o.name)).toEqual(['label', 'probabilities']);
    expect(m.metrics).toEqual({ accuracy: 0.91 });
    expect(m.tags).toEqual({ team: 'risk' });
    expect(m.createdBy).toBe('Ada Tester <ada@example.com>');
    expect(m.lineage).toEqual({
      runId: run.id,
      gitCommit: 'c0ffee',
      gitDirty: true,
      inputs: [{ path: 'data/train.csv', hash: 'a'.repeat(64) }],
      baselineData: null,
      params: {},
    });
    expect(m.source).toBe(`${dir}/m.onnx`);
    // without a run: the repository's HEAD
    const plain = await registerModel(repo, {
      name: 'churn',
      path: writeFile(dir, 'm2.onnx', await classifier(2)),
    });
    expect(plain.model.lineage).toMatchObject({
      runId: null,
      gitCommit: head,
      gitDirty: false,
      inputs: [],
    });
    const third = writeFile(dir, 'm3.onnx', await classifier(3));
    const unknown = await caughtAsync(() =>
      registerModel(repo, { name: 'churn', path: third, runId: 'nope' }),
    );
    expect([unknown.code, unknown.message]).toEqual(['NOT_FOUND', 'no run matches nope']);
  });

  it('inside mlo exec ($MLO_RUN_ID) the model is linked to the running run', async () => {
    const { dir, repo } = tempRepo();
    const run = await startRun(repo, { name: 'exec-run', git: false });
    process.env.MLO_RUN_ID = run.id;
    try {
      const r = await registerModel(repo, {
        name: 'm',
        path: writeFile(dir, 'm.onnx', await classifier(1)),
      });
      expect(r.model.lineage.runId).toBe(run.id);
      process.env.MLO_RUN_ID = 'f'.repeat(32);
      const stale = await registerModel(repo, {
        name: 'm',
        path: writeFile(dir, 'm2.onnx', await classifier(2)),
      });
      expect(stale.model.lineage.runId).toBeNull();
      expect(stale.warnings.map((w) => w.message).join()).toMatch(/MLO_RUN_ID=f+: no run matches/);
    } finally {
      delete process.env.MLO_RUN_ID;
      await run.end();
    }
  });

  it('MLO_USER names who acts; outside git there is no commit', async () => {
    const { dir, repo } = tempRepo({ git: false });
    process.env.MLO_USER = 'ci-bot';
    try {
      const r = await registerModel(repo, {
        name: 'm',
        path: writeFile(dir, 'm.onnx', await classifier(1)),
      });
      expect(r.model.createdBy).toBe('ci-bot');
      expect(r.model.lineage.gitCommit).toBeNull();
    } finally {
      delete process.env.MLO_USER;
    }
  });

  it('refuses a file that is not ONNX (exit 2) and a missing file (NOT_FOUND)', async () => {
    const { dir, repo } = tempRepo();
    const bad = await caughtAsync(() =>
      registerModel(repo, { name: 'm', path: writeFile(dir, 'bad.onnx', 'not a model at all') }),
    );
    expect(bad.code).toBe('INVALID');
    expect(bad.exitCode).toBe(2);
    expect(bad.message).toMatch(/bad\.onnx: not an ONNX model/);
    const missing = await caughtAsync(() =>
      registerModel(repo, { name: 'm', path: `${dir}/nope.onnx` }),
    );
    expect(missing.code).toBe('NOT_FOUND');
    expect(listModels(repo)).toEqual([]);
  });

  it('registers a ZipMap classifier with a warning naming the usable outputs and the fix', async () => {
    const { dir, repo } = tempRepo();
    const bytes = await buildLinearClassifier({
      coefficients: [[1, 2]],
      intercepts: [0],
      outputs: 'zipmap',
    });
    const r = await registerModel(repo, { name: 'z', path: writeFile(dir, 'z.onnx', bytes) });
    expect(r.created).toBe(true);
    const w = r.warnings.find((x) => x.message.includes('cannot be returned'));
    expect(w?.message).toMatch(
      /output_probability.*seq\(map\(int64,tensor\(float\)\)\).*usable: output_label/,
    );
    expect(w?.hint).toMatch(/zipmap': False/);
    expect(r.model.signature.unusableOutputs).toEqual(['output_probability']);
  });

  describe('feature names', () => {
    it('from --features, checked against the input width', async () => {
      const { dir, repo } = tempRepo();
      const path = writeFile(dir, 'm.onnx', await classifier(1));
      const r = await registerModel(repo, { name: 'm', path, features: ['a', 'b', 'c'] });
      expect([r.model.features, r.model.featuresSource]).toEqual([['a', 'b', 'c'], 'flag']);
      const err = await caughtAsync(() =>
        registerModel(repo, { name: 'n', path, features: ['a', 'b'] }),
      );
      expect(err.message).toMatch(/--features name 2 feature\(s\) but .* takes 3/);
      const dup = await caughtAsync(() =>
        registerModel(repo, { name: 'n', path, features: ['a', 'a', 'b'] }),
      );
      expect(dup.message).toMatch(/"a" is listed twice/);
    });

    it("from the model's mlo.feature_names metadata", async () => {
      const { dir, repo } = tempRepo();
      const bytes = await classifier(1, { 'mlo.feature_names': JSON.stringify(['x', 'y', 'z']) });
      const r = await registerModel(repo, { name: 'm', path: writeFile(dir, 'm.onnx', bytes) });
      expect([r.model.features, r.model.featuresSource]).toEqual([['x', 'y', 'z'], 'metadata']);
    });

    it('from the baseline data minus its target, with its hash in the lineage', async () => {
      const { dir, repo } = tempRepo();
      const data = csv(['p', 'label', 'q', 'r'], [[1, 0, 2, 3]]);
      const dataPath = writeFile(dir, 'base.csv', data);
      const r = await registerModel(repo, {
        name: 'm',
        path: writeFile(dir, 'm.onnx', await classifier(1)),
        baselineData: dataPath,
        target: 'label',
      });
      expect([r.model.features, r.model.featuresSource]).toEqual([
        ['p', 'q', 'r'],
        'baseline-data',
      ]);
      expect(r.model.lineage.baselineData).toEqual({
        path: 'base.csv',
        hash: sha256(Buffer.from(data)),
        target: 'label',
      });
      const other = writeFile(dir, 'n.onnx', await classifier(2));
      const err = await caughtAsync(() =>
        registerModel(repo, { name: 'n', path: other, baselineData: dataPath }),
      );
      expect(err.message).toMatch(/has 4 column\(s\) \(no --target given\) but .* takes 3/);
      expect(err.hint).toMatch(/--target/);
    });

    it('from per-column inputs, else unknown with a warning', async () => {
      const { dir, repo } = tempRepo();
      const r = await registerModel(repo, {
        name: 'reg',
        path: writeFile(
          dir,
          'r.onnx',
          await buildLinearRegressor({ coefficients: [1, 2], intercept: 0 }),
        ),
      });
      expect(r.model.features).toBeNull();
      expect(r.warnings.map((w) => w.message).join()).toMatch(/no feature names/);
    });
  });
});

describe('resolving and loading', () => {
  it('resolves versions, aliases and latest; NOT_FOUND errors list what exists', async () => {
    const { dir, repo } = tempRepo();
    for (let v = 1; v <= 2; v++) {
      await registerModel(repo, {
        name: 'churn',
        path: writeFile(dir, `m${v}.onnx`, await classifier(v)),
      });
    }
    await setAlias(repo, { name: 'churn', alias: 'champion', version: 1 });
    expect(resolveModel(repo, 'churn').version).toBe(2);
    expect(resolveModel(repo, 'churn@1').aliases).toEqual(['champion']);
    expect(resolveModel(repo, 'churn@champion').version).toBe(1);

    const noModel = caught(() => resolveModel(repo, 'nope'));
    expect([noModel.code, noModel.message, noModel.hint]).toEqual([
      'NOT_FOUND',
      'no model named "nope"',
      'registered models: churn',
    ]);
    expect(noModel.httpStatus).toBe(404);
    const noVersion = caught(() => resolveModel(repo, 'churn@7'));
    expect([noVersion.message, noVersion.hint]).toEqual([
      'model churn has no version 7',
      'churn has versions 1 to 2',
    ]);
    const noAlias = caught(() => resolveModel(repo, 'churn@staging'));
    expect([noAlias.message, noAlias.hint]).toEqual([
      'model churn has no alias "staging"',
      'aliases of churn: champion → 1',
    ]);
  });

  it('gives back the exact bytes, refuses a corrupted cache object, and loads a runnable session', async () => {
    const { dir, repo } = tempRepo();
    const bytes = await classifier(2);
    const { model } = await registerModel(repo, {
      name: 'm',
      path: writeFile(dir, 'm.onnx', bytes),
    });
    expect(readModelBytes(repo, model).equals(Buffer.from(bytes))).toBe(true);

    const { session } = await loadModel(repo, 'm@1');
    const out = await runModel(session, Float32Array.from([1, 0, 0]), 1, 3);
    // sigmoid(2·1 + 0.1): independent arithmetic
    expect(out.probabilities?.[1]).toBeCloseTo(1 / (1 + Math.exp(-2.1)), 5);
    await session.release();

    const exported = exportModel(repo, 'm', dir);
    expect(exported.path).toBe(`${dir}/m-v1.onnx`);
    expect(readFileSync(exported.path).equals(Buffer.from(bytes))).toBe(true);

    const object = cacheOf(repo).loosePath(model.hash);
    chmodSync(object, 0o644);
    writeFileSync(object, Buffer.concat([Buffer.from(bytes), Buffer.from([0])]));
    const err = caught(() => readModelBytes(repo, model));
    expect(err.message).toMatch(/cached ONNX file of m@1 is corrupt/);
  });

  it('gc keeps the ONNX bytes of every model version', async () => {
    const { dir, repo } = tempRepo();
    const bytes = await classifier(3);
    const { model } = await registerModel(repo, {
      name: 'm',
      path: writeFile(dir, 'm.onnx', bytes),
    });
    cacheOf(repo).putBuffer(sha256(Buffer.from('junk')), Buffer.from('junk'));
    const r = gc(repo);
    expect(r.objects).toEqual([sha256(Buffer.from('junk'))]);
    expect(cacheOf(repo).has(model.hash)).toBe(true);
    expect(readModelBytes(repo, model).length).toBe(bytes.length);
  });
});

describe('aliases and their audit', () => {
  async function threeVersions() {
    const ctx = tempRepo();
    for (let v = 1; v <= 3; v++) {
      await registerModel(ctx.repo, {
        name: 'churn',
        path: writeFile(ctx.dir, `m${v}.onnx`, await classifier(v)),
      });
    }
    return ctx;
  }

  it('set, move, remove: each appended to the audit with who, when and the commit', async () => {
    const { dir, repo } = await threeVersions();
    const head = git(dir, 'rev-parse', 'HEAD');
    const a = await setAlias(repo, { name: 'churn', alias: 'champion' });
    expect([a.from, a.to, a.outcome]).toEqual([null, 3, 'moved']);
    const b = await setAlias(repo, { name: 'churn', alias: 'champion', version: 1 });
    expect([b.from, b.to, b.outcome]).toEqual([3, 1, 'moved']);
    const c = await setAlias(repo, { name: 'churn', alias: 'champion', version: 1 });
    expect(c.outcome).toBe('unchanged');
    const d = await removeAlias(repo, { name: 'churn', alias: 'champion' });
    expect([d.from, d.to, d.outcome]).toEqual([1, null, 'removed']);
    expect(caught(() => resolveModel(repo, 'churn@champion')).code).toBe('NOT_FOUND');

    const events = aliasHistory(repo, 'churn');
    expect(events.map((e) => [e.action, e.outcome, e.fromVersion, e.toVersion])).toEqual([
      ['set', 'moved', null, 3],
      ['set', 'moved', 3, 1],
      ['set', 'unchanged', 1, 1],
      ['remove', 'removed', 1, null],
    ]);
    for (const e of events) {
      expect(e.who).toBe('Ada Tester <ada@example.com>');
      expect(e.gitCommit).toBe(head);
      expect(Date.now() - Date.parse(e.at)).toBeLessThan(60_000);
    }
    expect(showModel(repo, 'churn@1').aliasHistory.map((e) => e.seq)).toEqual(
      events.filter((e) => e.fromVersion === 1 || e.toVersion === 1).map((e) => e.seq),
    );
  });

  it('the audit table refuses updates and deletes', async () => {
    const { repo } = await threeVersions();
    await setAlias(repo, { name: 'churn', alias: 'champion' });
    expect(() => repo.store.db.prepare("UPDATE alias_events SET who = 'mallory'").run()).toThrow(
      /append-only/,
    );
    expect(() => repo.store.db.prepare('DELETE FROM alias_events').run()).toThrow(/append-only/);
  });

  it('refuses reserved and malformed alias names', async () => {
    const { repo } = await threeVersions();
    await expect(setAlias(repo, { name: 'churn', alias: 'latest' })).rejects.toThrow(/reserved/);
    await expect(setAlias(repo, { name: 'churn', alias: '3' })).rejects.toThrow(/invalid alias/);
    await expect(setAlias(repo, { name: 'churn', alias: 'x', version: 9 })).rejects.toThrow(
      /no version 9/,
    );
  });

  it('rollback unwinds moves in order and stops where there was no holder', async () => {
    const { repo } = await threeVersions();
    for (const version of [1, 2, 3])
      await setAlias(repo, { name: 'churn', alias: 'champion', version });
    expect((await rollbackAlias(repo, { name: 'churn', alias: 'champion' })).to).toBe(2);
    expect(resolveModel(repo, 'churn@champion').version).toBe(2);
    await setAlias(repo, { name: 'churn', alias: 'champion', version: 3 });
    expect((await rollbackAlias(repo, { name: 'churn', alias: 'champion' })).to).toBe(2);
    expect((await rollbackAlias(repo, { name: 'churn', alias: 'champion' })).to).toBe(1);
    const err = await caughtAsync(() => rollbackAlias(repo, { name: 'churn', alias: 'champion' }));
    expect(err.message).toMatch(/had no holder before version 1/);
    expect(err.exitCode).toBe(2);
    const rb = aliasHistory(repo, 'churn', { alias: 'champion' }).filter(
      (e) => e.action === 'rollback',
    );
    expect(rb.map((e) => [e.fromVersion, e.toVersion])).toEqual([
      [3, 2],
      [3, 2],
      [2, 1],
    ]);
  });

  it('holderStack ignores refused promotions and unchanged sets', () => {
    const ev = (
      action: AliasEvent['action'],
      outcome: AliasEvent['outcome'],
      from: number | null,
      to: number | null,
    ) => ({ action, outcome, fromVersion: from, toVersion: to }) as AliasEvent;
    expect(
      holderStack([
        ev('promote', 'moved', null, 1),
        ev('promote', 'rejected', 1, 2),
        ev('set', 'unchanged', 1, 1),
        ev('promote', 'moved', 1, 3),
        ev('remove', 'removed', 3, null),
      ]),
    ).toEqual([null, 1, 3, null]);
  });

  it('registryGeneration grows on every move and new version; a watch sees alias moves', async () => {
    const { dir, repo } = await threeVersions();
    await setAlias(repo, { name: 'churn', alias: 'champion', version: 1 });
    const changes: [number, number][] = [];
    const watch = watchModelRef(repo, 'churn@champion', {
      intervalMs: 60_000,
      onChange: (next, prev) => changes.push([prev.version, next.version]),
    });
    try {
      const g0 = registryGeneration(repo);
      expect(watch.check()).toBe(false);
      await registerModel(repo, {
        name: 'churn',
        path: writeFile(dir, 'm4.onnx', await classifier(4)),
      });
      expect(registryGeneration(repo)).toBe(g0 + 1);
      expect(watch.check()).toBe(false); // a new version does not move the alias
      await setAlias(repo, { name: 'churn', alias: 'champion', version: 4 });
      expect(registryGeneration(repo)).toBe(g0 + 2);
      expect(watch.check()).toBe(true);
      expect(changes).toEqual([[1, 4]]);
      expect(watch.current.version).toBe(4);
    } finally {
      watch.stop();
    }
  });
});

describe('showModel', () => {
  it('gives name, version, hash, signature inputs, aliases and lineage', async () => {
    const { dir, repo } = tempRepo();
    await registerModel(repo, {
      name: 'm',
      path: writeFile(dir, 'm.onnx', await classifier(1)),
      features: ['a', 'b', 'c'],
    });
    await setAlias(repo, { name: 'm', alias: 'prod' });
    const d = showModel(repo, 'm@prod');
    const sig: ModelSignature = d.signature;
    expect({
      name: d.name,
      version: d.version,
      inputs: sig.inputs.map((i) => i.name),
      aliases: d.aliases,
    }).toEqual({
      name: 'm',
      version: 1,
      inputs: ['X'],
      aliases: ['prod'],
    });
    expect(d.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(d.evaluations).toEqual([]);
    expect(d.aliasHistory).toHaveLength(1);
  });
});
