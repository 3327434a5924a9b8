/**
 * A team as it would use mlo: a bare server, two git clones of one project, CI
 * promoting through the server, a serving replica shipping its prediction log (sent
 * here through the ingest endpoint the way a replica does), and everything read
 * back in the other clone.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier } from '../../src/onnx/index.js';
import { exportOnnx, makeClassification, trainLogisticRegression } from '../../src/train/index.js';
import {
  git,
  gitInit,
  mlo,
  mloAsync,
  parseJson,
  tempDir,
  writeTree,
  type RunResult,
} from '../helpers/cli.js';
import { call, startHub, type Hub } from '../helpers/hub.js';
import { startServe } from '../helpers/serving.js';

const FEATURES = ['f0', 'f1', 'f2', 'f3'];

function ok(r: RunResult, what = ''): RunResult {
  if (r.code !== 0)
    throw new Error(`${what} exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

interface Project {
  /** clone A (where the project was made) and clone B (git clone of A) */
  a: string;
  b: string;
  env: (token: string) => Record<string, string>;
}

/** A project committed in A with the hub as its remote, cloned into B; `mlo init` in both. */
async function project(hub: Hub, mloYaml: string): Promise<Project> {
  const root = tempDir('mlo-team-');
  const a = join(root, 'a');
  const data = makeClassification({ nRows: 1200, nFeatures: 4, seed: 5 });
  const rows = data.X.map((x, i) => `${x.join(',')},${data.y[i]}`);
  const strong = Buffer.from(
    await exportOnnx(trainLogisticRegression(data.X, data.y, { featureNames: FEATURES })),
  );
  const weak = Buffer.from(
    await buildLinearClassifier({
      coefficients: [[0.2, 0, 0, 0]],
      intercepts: [0],
      metadata: { 'mlo.feature_names': JSON.stringify(FEATURES) },
    }),
  );
  spawnSync('mkdir', ['-p', a]);
  gitInit(a);
  ok(mlo(['init'], { cwd: a }));
  ok(mlo(['remote', 'add', 'team', hub.url], { cwd: a }));
  writeTree(a, {
    'data/holdout.csv': [`${FEATURES.join(',')},churned`, ...rows].join('\n') + '\n',
    'models/strong.onnx': strong,
    'models/weak.onnx': weak,
    'mlo.yaml': mloYaml,
    '.gitignore': 'models/\n',
  });
  git(a, 'add', '-A');
  git(a, 'commit', '-q', '-m', 'project');
  const b = join(root, 'b');
  git(root, 'clone', '-q', a, b);
  ok(mlo(['init'], { cwd: b }));
  writeTree(b, { 'models/strong.onnx': strong, 'models/weak.onnx': weak });
  return { a, b, env: (token) => ({ MLO_TOKEN: token }) };
}

const GATES = `registry: team
promotion:
  champion:
    data: data/holdout.csv
    target: churned
    gates:
      - accuracy >= 0.5
      - accuracy >= current - 0.01
`;

interface RunShow {
  id: string;
  name: string;
  status: string;
  params: Record<string, string>;
  metrics: Record<string, number | null>;
  tags: Record<string, string>;
  inputs: { path: string; hash: string }[];
  artifacts: { name: string; hash: string; size: number }[];
}

describe('team: runs travel through the server', () => {
  it('a run pushed from one clone equals its original in the other, every point included; pushing twice changes nothing', async () => {
    const hub = await startHub();
    const alice = hub.token('alice', 'write');
    const bob = hub.token('bob', 'write');
    const p = await project(hub, 'stages: {}\n');
    // a run with params, tags, an input with its hash, an artifact, and series with
    // repeated steps, NaN and thousands of points
    writeTree(p.a, {
      'train.mjs': `
        import { appendFileSync, writeFileSync } from 'node:fs';
        const log = (o) => appendFileSync(process.env.MLO_LOG, JSON.stringify(o) + '\\n');
        for (let i = 0; i < 5000; i++) log({ metric: 'loss', value: 1 / (i + 1), step: i });
        for (let i = 0; i < 50; i++) log({ metric: 'acc', value: i % 7 === 0 ? NaN : i / 50, step: i % 10 });
        log({ param: 'lr', value: 0.01 });
        log({ tag: 'team', value: 'blue' });
        writeFileSync('report.txt', 'a report\\n');
        log({ artifact: 'report.txt' });
      `,
    });
    ok(
      mlo(['exec', '--name', 'first', '--dep', 'data/holdout.csv', '--', 'node', 'train.mjs'], {
        cwd: p.a,
      }),
    );
    const original = parseJson<RunShow>(ok(mlo(['runs', 'show', 'first', '--json'], { cwd: p.a })));
    const pushed = parseJson<{
      uploaded: number;
      records: { applied: number; objects: { sent: number } };
    }>(ok(mlo(['push', '--json'], { cwd: p.a, env: p.env(alice) }), 'push'));
    expect(pushed.records.applied).toBe(1);
    // the artifact's object goes up with the data (run artifacts are pushed as every
    // remote gets them) or, when the data push missed it, with the records
    expect(pushed.uploaded + pushed.records.objects.sent).toBeGreaterThanOrEqual(1);

    // pushing again sends nothing new; the server's change log does not move
    const before = (await call(hub, 'GET', '/api/server/info', { token: alice })).body as {
      changes: number;
    };
    const again = parseJson<{ records: { applied: number } }>(
      ok(mlo(['push', '--json'], { cwd: p.a, env: p.env(alice) })),
    );
    expect(again.records.applied).toBe(0);
    const after = (await call(hub, 'GET', '/api/server/info', { token: alice })).body as {
      changes: number;
    };
    expect(after.changes).toBe(before.changes);

    // the other clone sees it, whole
    ok(mlo(['pull'], { cwd: p.b, env: p.env(bob) }), 'pull');
    const copy = parseJson<RunShow>(ok(mlo(['runs', 'show', original.id, '--json'], { cwd: p.b })));
    expect(copy).toEqual(original);
    for (const key of ['loss', 'acc']) {
      const h = (dir: string): unknown =>
        parseJson(ok(mlo(['metrics', 'history', original.id, key, '--json'], { cwd: dir })));
      expect(h(p.b)).toEqual(h(p.a));
    }
    const history = parseJson<{ points: unknown[] }>(
      ok(mlo(['metrics', 'history', original.id, 'loss', '--json'], { cwd: p.b })),
    );
    expect(history.points).toHaveLength(5000);
    // its artifact stays on the server: not a missing object in this clone
    ok(mlo(['fsck'], { cwd: p.b }), 'fsck');

    // the copy is read-only in the clone that pulled it
    const del = mlo(['runs', 'delete', original.id], { cwd: p.b });
    expect(del.code).toBe(2);
    expect(del.stderr).toMatch(/^error: run [0-9a-f]{8} is a read-only copy pulled from a server/m);

    // a run logged to again after its push is pushed again, with the new points
    ok(mlo(['log', 'metric', 'late', '7', '--run', original.id], { cwd: p.a }));
    const third = parseJson<{ records: { applied: number } }>(
      ok(mlo(['push', '--json'], { cwd: p.a, env: p.env(alice) })),
    );
    expect(third.records.applied).toBe(1);
    ok(mlo(['pull'], { cwd: p.b, env: p.env(bob) }));
    const updated = parseJson<RunShow>(
      ok(mlo(['runs', 'show', original.id, '--json'], { cwd: p.b })),
    );
    expect(updated.metrics.late).toBe(7);
  });
});

interface PromoteJson {
  promoted: boolean;
  version: number;
  previous: number | null;
  gates: { gate: string; observed: unknown; threshold: unknown; passed: boolean }[];
  audit: { who: string; gitCommit: string | null; outcome: string } | null;
}

interface ShowJson {
  name: string;
  version: number;
  createdBy: string;
  aliases: string[];
  aliasHistory: {
    action: string;
    outcome: string;
    who: string;
    fromVersion: number | null;
    toVersion: number | null;
    gitCommit: string | null;
    gates: { gate: string; passed: boolean }[] | null;
  }[];
}

describe('team: the registry of record', () => {
  it('register in one clone, promote in the other: the server numbers versions and audits with the token identity; the same gates decide as locally', async () => {
    const hub = await startHub();
    const alice = hub.token('alice', 'write');
    const ci = hub.token('ci', 'write');
    const p = await project(hub, GATES);

    // without the server: a clear error, unless --local
    const down = mlo(['model', 'list'], { cwd: p.a, env: { MLO_TOKEN: alice } });
    expect(down.code).toBe(0);
    await hub.stop();
    const off = mlo(['model', 'register', 'churn', 'models/weak.onnx'], {
      cwd: p.a,
      env: p.env(alice),
    });
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/^error: cannot reach team \(http:\/\/127\.0\.0\.1:\d+\)/m);
    expect(off.stderr).toMatch(/hint: the registry of record is on team .*--local/);
    await hub.restart();

    const reg = (file: string): { version: number; createdBy: string; created: boolean } =>
      parseJson(
        ok(
          mlo(
            [
              'model',
              'register',
              'churn',
              file,
              '--baseline-data',
              'data/holdout.csv',
              '--target',
              'churned',
              '--json',
            ],
            { cwd: p.a, env: p.env(alice) },
          ),
          'register',
        ),
      );
    const v1 = reg('models/weak.onnx');
    const v2 = reg('models/strong.onnx');
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v1.createdBy).toBe('alice');
    // the same bytes again: the version that holds them
    expect(reg('models/weak.onnx')).toMatchObject({ version: 1, created: false });

    // B has never seen the model: it lists and promotes through the server (CI's token)
    const list = parseJson<{ models: { name: string; versions: number }[] }>(
      ok(mlo(['model', 'list', '--json'], { cwd: p.b, env: p.env(ci) })),
    );
    expect(list.models).toEqual([expect.objectContaining({ name: 'churn', versions: 2 })]);
    const first = parseJson<PromoteJson>(
      ok(mlo(['promote', 'churn@1', '--to', 'champion', '--json'], { cwd: p.b, env: p.env(ci) })),
    );
    expect(first.promoted).toBe(true);
    const second = parseJson<PromoteJson>(
      ok(mlo(['promote', 'churn@2', '--to', 'champion', '--json'], { cwd: p.b, env: p.env(ci) })),
    );
    expect(second).toMatchObject({ promoted: true, previous: 1 });
    expect(second.audit).toMatchObject({ who: 'ci', outcome: 'moved' });
    expect(second.audit!.gitCommit).toBe(git(p.b, 'rev-parse', 'HEAD').trim());

    // A sees the decision, audited on the server with who, when, commit and gates
    const shown = parseJson<ShowJson>(
      ok(mlo(['model', 'show', 'churn@champion', '--json'], { cwd: p.a, env: p.env(alice) })),
    );
    expect(shown.version).toBe(2);
    const moves = shown.aliasHistory.filter((e) => e.action === 'promote');
    expect(moves.map((e) => [e.fromVersion, e.toVersion, e.who])).toEqual([
      [null, 1, 'ci'],
      [1, 2, 'ci'],
    ]);
    expect(moves[1].gates!.every((g) => g.passed)).toBe(true);

    // rolling back the weak model in: refused by the "current" gate, audited, alias stays
    const back = mlo(['promote', 'churn@1', '--to', 'champion', '--json'], {
      cwd: p.a,
      env: p.env(alice),
    });
    expect(back.code).toBe(1);
    const refused = JSON.parse(back.stdout) as PromoteJson;

    // the same gates on the same versions in a repository with its own registry decide the same
    const solo = tempDir('mlo-solo-');
    gitInit(solo);
    ok(mlo(['init'], { cwd: solo }));
    writeTree(solo, {
      'mlo.yaml': GATES.replace('registry: team\n', ''),
      'data/holdout.csv': readFileSync(join(p.a, 'data/holdout.csv')),
      'models/weak.onnx': readFileSync(join(p.a, 'models/weak.onnx')),
      'models/strong.onnx': readFileSync(join(p.a, 'models/strong.onnx')),
    });
    ok(mlo(['model', 'register', 'churn', 'models/weak.onnx'], { cwd: solo }));
    ok(mlo(['model', 'register', 'churn', 'models/strong.onnx'], { cwd: solo }));
    ok(mlo(['promote', 'churn@1', '--to', 'champion'], { cwd: solo }));
    const localSecond = parseJson<PromoteJson>(
      ok(mlo(['promote', 'churn@2', '--to', 'champion', '--json'], { cwd: solo })),
    );
    const localBack = JSON.parse(
      mlo(['promote', 'churn@1', '--to', 'champion', '--json'], { cwd: solo }).stdout,
    ) as PromoteJson;
    const decision = (r: PromoteJson): unknown => ({
      promoted: r.promoted,
      gates: r.gates.map((g) => [g.gate, g.observed, g.threshold, g.passed]),
    });
    expect(decision(second)).toEqual(decision(localSecond));
    expect(decision(refused)).toEqual(decision(localBack));
    expect(refused.promoted).toBe(false);

    // the pulled registry is read-only here; --local says so, the server path works
    const localMove = mlo(['model', 'alias', 'set', 'churn', 'staging', '1', '--local'], {
      cwd: p.a,
    });
    expect(localMove.code).toBe(2);
    expect(localMove.stderr).toMatch(
      /^error: model churn is a read-only copy of a server's registry/m,
    );
    ok(mlo(['model', 'alias', 'set', 'churn', 'staging', '1'], { cwd: p.a, env: p.env(alice) }));
    ok(mlo(['model', 'alias', 'set', 'churn', 'staging', '2'], { cwd: p.a, env: p.env(alice) }));
    const rolled = parseJson<{ from: number; to: number; event: { who: string } }>(
      ok(mlo(['rollback', 'churn', '--alias', 'staging', '--json'], { cwd: p.b, env: p.env(ci) })),
    );
    expect(rolled).toMatchObject({ from: 2, to: 1, event: { who: 'ci' } });
    // B's copy followed: the alias resolves locally (as eval and serve read it)
    const local = parseJson<ShowJson>(
      ok(mlo(['model', 'show', 'churn@staging', '--local', '--json'], { cwd: p.b })),
    );
    expect(local.version).toBe(1);
  });
});

describe('team: production traffic comes back to every clone', () => {
  it('prediction-log batches ingested from a replica (a retried batch counts once) are pulled into a clone, where drift check --predictions sees them', async () => {
    const hub = await startHub();
    const alice = hub.token('alice', 'write');
    const replica = hub.token('prod-replica', 'write');
    const p = await project(hub, GATES);
    ok(
      mlo(
        [
          'model',
          'register',
          'churn',
          'models/strong.onnx',
          '--baseline-data',
          'data/holdout.csv',
          '--target',
          'churned',
        ],
        { cwd: p.a, env: p.env(alice) },
      ),
    );
    ok(mlo(['model', 'alias', 'set', 'churn', 'champion', '1'], { cwd: p.a, env: p.env(alice) }));

    // what a replica does: resolve the alias, then ship batches of its log
    const resolved = await call(hub, 'GET', '/api/registry/resolve?ref=churn@champion', {
      token: replica,
    });
    expect(resolved.status).toBe(200);
    const r = resolved.body as {
      version: number;
      hash: string;
      features: string[];
      baseline: { name: string };
    };
    expect(r).toMatchObject({ version: 1, features: FEATURES, baseline: { name: 'churn@1' } });
    const origin = 'ab'.repeat(16);
    const now = Date.now();
    // production moved: f0 shifted by +3
    const rows = Array.from({ length: 600 }, (_, i) => ({
      ts_ms: now - 60_000 + i,
      model: 'churn',
      version: 1,
      request_id: `req-${i}`,
      latency_ms: 1.5,
      inputs: { f0: 3 + Math.sin(i), f1: Math.cos(i), f2: (i % 10) / 10, f3: -((i % 7) / 7) },
      outputs: { prediction: i % 2, probabilities: [0.5, 0.5] },
      seq: i,
    }));
    const send = (batch: string, part: typeof rows): ReturnType<typeof call> =>
      call(hub, 'POST', '/api/predictions', {
        token: replica,
        body: { origin, batch, rows: part },
      });
    const b1 = await send('b-1', rows.slice(0, 300));
    expect(b1.body).toEqual({ accepted: 300, duplicate: false, rows: 300 });
    // the answer was lost, the replica sends the batch again: counted once
    const retry = await send('b-1', rows.slice(0, 300));
    expect(retry.body).toEqual({ accepted: 0, duplicate: true, rows: 300 });
    expect((await send('b-2', rows.slice(300))).body).toMatchObject({ accepted: 300 });

    ok(mlo(['pull'], { cwd: p.b, env: p.env(alice) }));
    const report = parseJson<{
      current: { source: string; rows: number };
      dataset_drift: boolean;
      columns: { column: string; drifted: boolean }[];
    }>(
      mlo(['drift', 'check', '--model', 'churn@champion', '--predictions', '--json', '--no-save'], {
        cwd: p.b,
      }),
    );
    expect(report.current.rows).toBe(600);
    expect(report.columns.find((c) => c.column === 'f0')!.drifted).toBe(true);
    // a second pull adds nothing
    const again = parseJson<{ records: { predictions: number } }>(
      ok(mlo(['pull', '--json'], { cwd: p.b, env: p.env(alice) })),
    );
    expect(again.records.predictions).toBe(0);
  });
});

describe('team: ground truth reaches the hub and every clone', () => {
  it('labels posted to the hub join the shipped log; a clone pulls both and mlo perf measures them; a second pull adds nothing', async () => {
    const hub = await startHub();
    const alice = hub.token('alice', 'write');
    const replica = hub.token('prod-replica', 'write');
    const labeller = hub.token('labeller', 'write');
    const p = await project(hub, GATES);
    ok(mlo(['model', 'register', 'churn', 'models/strong.onnx'], { cwd: p.a, env: p.env(alice) }));
    ok(mlo(['model', 'alias', 'set', 'churn', 'champion', '1'], { cwd: p.a, env: p.env(alice) }));

    const now = Date.now();
    const predicted = (i: number): number => (i % 5 < 2 ? 1 : 0);
    const rows = Array.from({ length: 500 }, (_, i) => ({
      ts_ms: now - 60_000 + i,
      model: 'churn',
      version: 1,
      request_id: `req-${i}`,
      latency_ms: 1.5,
      inputs: { f0: Math.sin(i), f1: Math.cos(i), f2: (i % 10) / 10, f3: -((i % 7) / 7) },
      outputs: {
        prediction: predicted(i),
        probabilities: predicted(i) ? [0.3, 0.7] : [0.8, 0.2],
      },
      seq: i,
    }));
    const shipped = await call(hub, 'POST', '/api/predictions', {
      token: replica,
      body: { origin: 'cd'.repeat(16), batch: 'b-1', rows },
    });
    expect(shipped.body).toMatchObject({ accepted: 500 });

    // ground truth for 400 of the requests, and 3 the log never saw
    const truth = (i: number): number => (i % 3 === 0 ? 1 : 0);
    const labels = [
      ...rows.slice(0, 400).map((_, i) => ({ request_id: `req-${i}`, label: truth(i) })),
      ...['ghost-1', 'ghost-2', 'ghost-3'].map((id) => ({ request_id: id, label: 1 })),
    ];
    const refused = await call(hub, 'POST', '/feedback', { body: { labels } });
    expect(refused.status).toBe(401);
    const fed = await call(hub, 'POST', '/feedback', { token: labeller, body: { labels } });
    expect(fed.status).toBe(200);
    expect(fed.body).toMatchObject({ received: 403, new: 403, joined: 400, unknown: 3 });

    // --no-predictions leaves the log and its labels on the server
    const skipped = parseJson<{ records: { predictions: number; labels: { added: number } } }>(
      ok(mlo(['pull', '--no-predictions', '--json'], { cwd: p.a, env: p.env(alice) })),
    );
    expect(skipped.records).toMatchObject({ predictions: 0, labels: { added: 0 } });

    // clone B already holds one of those labels (fed before its log arrived): kept once
    writeFileSync(join(p.b, 'early.csv'), `rid,y\nreq-0,${truth(0)}\n`);
    ok(mlo(['feedback', 'add', 'early.csv', '--id', 'rid', '--label', 'y'], { cwd: p.b }));
    const pulled = ok(mlo(['pull'], { cwd: p.b, env: p.env(alice) }));
    expect(pulled.stdout).toMatch(/500 prediction-log row\(s\)/);
    expect(pulled.stdout).toMatch(/402 label\(s\), 400 joined to logged predictions/);
    const db = new Database(join(p.b, '.mlo/mlo.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM feedback_labels').pluck().get()).toBe(403);
      expect(db.prepare('SELECT count(*) FROM prediction_outcomes').pluck().get()).toBe(400);
    } finally {
      db.close();
    }
    const perf = parseJson<{
      labelled: number;
      logged: number;
      versions: number[];
      verdict: string;
      overall: { metrics: Record<string, { value: number | null; n: number }> };
    }>(ok(mlo(['perf', '--model', 'churn@champion', '--json'], { cwd: p.b })));
    expect(perf).toMatchObject({ labelled: 400, logged: 500, versions: [1], verdict: 'ok' });
    const right = rows.slice(0, 400).filter((_, i) => truth(i) === predicted(i)).length;
    expect(perf.overall.metrics.accuracy.n).toBe(400);
    expect(perf.overall.metrics.accuracy.value).toBeCloseTo(right / 400, 12);

    // a second pull adds nothing
    const again = parseJson<{
      records: { predictions: number; labels: { added: number; joined: number } };
    }>(ok(mlo(['pull', '--json'], { cwd: p.b, env: p.env(alice) })));
    expect(again.records).toMatchObject({ predictions: 0, labels: { added: 0, joined: 0 } });
    const still = parseJson<{ labelled: number }>(
      ok(mlo(['perf', '--model', 'churn@champion', '--json', '--no-save'], { cwd: p.b })),
    );
    expect(still.labelled).toBe(400);
  });
});

describe('team: concurrent promotions', () => {
  it('two clones promoting at once cannot both win: the alias moves as a compare-and-set on its holder', async () => {
    const hub = await startHub();
    const alice = hub.token('alice', 'write');
    const bob = hub.token('bob', 'write');
    const p = await project(hub, GATES);
    const data = makeClassification({ nRows: 1200, nFeatures: 4, seed: 5 });
    const other = Buffer.from(
      await exportOnnx(
        trainLogisticRegression(data.X.slice(0, 700), data.y.slice(0, 700), {
          featureNames: FEATURES,
        }),
      ),
    );
    writeFileSync(join(p.a, 'models/other.onnx'), other);
    for (const f of ['weak', 'strong', 'other']) {
      ok(mlo(['model', 'register', 'churn', `models/${f}.onnx`], { cwd: p.a, env: p.env(alice) }));
    }
    ok(mlo(['promote', 'churn@1', '--to', 'champion'], { cwd: p.a, env: p.env(alice) }));

    // both measure their candidate against churn@1, then ask the server to move it
    const [ra, rb] = await Promise.all([
      mloAsync(['promote', 'churn@2', '--to', 'champion', '--json'], {
        cwd: p.a,
        env: p.env(alice),
      }).done,
      mloAsync(['promote', 'churn@3', '--to', 'champion', '--json'], { cwd: p.b, env: p.env(bob) })
        .done,
    ]);
    for (const r of [ra, rb]) {
      if (r.code !== 0) {
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(
          /moved to \d+ while the gates were evaluated against 1; nothing was changed/,
        );
      }
    }
    expect([ra.code, rb.code]).toContain(0);
    const shown = parseJson<ShowJson>(
      ok(mlo(['model', 'show', 'churn@champion', '--json'], { cwd: p.a, env: p.env(alice) })),
    );
    // every move starts from the holder the previous one left: no two moves from one holder
    const moves = shown.aliasHistory.filter((e) => e.outcome === 'moved');
    for (let i = 1; i < moves.length; i++)
      expect(moves[i].fromVersion).toBe(moves[i - 1].toVersion);
    expect(new Set(moves.map((m) => m.fromVersion)).size).toBe(moves.length);

    // the same race at the API, where it cannot be serialised by chance: one move wins
    const holder = shown.version;
    const [x, y] = [1, 2, 3].filter((v) => v !== holder);
    const promoteTo = (version: number, token: string): ReturnType<typeof call> =>
      call(hub, 'POST', '/api/registry/models/churn/aliases/champion/promote', {
        token,
        body: { version, expected_from: holder, move: true, gates: [] },
      });
    const statuses = (await Promise.all([promoteTo(x, alice), promoteTo(y, bob)])).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([200, 409]);
  });
});

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('team: a production replica with no checkout', () => {
  it('serves NAME@ALIAS --from the server URL, follows a promotion, spools its log while the server is down and ships it after; a clone pulls it and sees the drift', async () => {
    const hub = await startHub();
    const alice = hub.token('alice', 'write');
    const prod = hub.token('prod-replica', 'write');
    const p = await project(hub, GATES);
    const reg = (file: string): void => {
      ok(
        mlo(
          [
            'model',
            'register',
            'churn',
            file,
            '--baseline-data',
            'data/holdout.csv',
            '--target',
            'churned',
          ],
          { cwd: p.a, env: p.env(alice) },
        ),
      );
    };
    reg('models/weak.onnx');
    reg('models/strong.onnx');
    ok(mlo(['model', 'alias', 'set', 'churn', 'champion', '1'], { cwd: p.a, env: p.env(alice) }));

    // no repository here: the replica keeps its store in --state-dir
    const host = tempDir('mlo-prod-');
    const state = join(host, 'state');
    const replica = await startServe(
      host,
      ['churn@champion', '--from', hub.url, '--state-dir', state],
      { MLO_TOKEN: prod },
    );
    const answered: Record<string, number> = {};
    const predict = async (i: number): Promise<string | null> => {
      const res = await fetch(`${replica.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          inputs: [[3 + Math.sin(i), Math.cos(i), (i % 10) / 10, -((i % 7) / 7)]],
        }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const v = res.headers.get('x-model-version');
      answered[String(v)] = (answered[String(v)] ?? 0) + 1;
      return v;
    };
    expect(await predict(0)).toBe('1');

    // B promotes version 2 through the server: the replica follows the move
    ok(mlo(['promote', 'churn@2', '--to', 'champion'], { cwd: p.b, env: p.env(alice) }));
    await waitFor('the replica to serve version 2', async () =>
      (await predict(1)) === '2' ? true : undefined,
    );
    for (let i = 2; i < 200; i++) await predict(i);

    // the server goes away: the replica keeps answering and keeps its log
    await hub.stop();
    for (let i = 200; i < 400; i++) await predict(i);
    await hub.restart();
    const total = answered['1'] + answered['2'];
    expect(total).toBeGreaterThanOrEqual(400);
    const shipped = await waitFor('every answered request on the server', async () => {
      const info = await call(hub, 'GET', '/api/server/info', { token: alice });
      const n = (info.body as { predictions: number }).predictions;
      return n >= total ? n : undefined;
    });
    expect(shipped).toBe(total);
    const stopped = await replica.stop();
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/prediction log: \d+ row\(s\) sent to http/);

    // clone A pulls production's log and finds the shift in f0
    ok(mlo(['pull'], { cwd: p.a, env: p.env(alice) }));
    const report = parseJson<{
      current: { rows: number };
      columns: { column: string; drifted: boolean }[];
    }>(
      mlo(['drift', 'check', '--model', 'churn@champion', '--predictions', '--json', '--no-save'], {
        cwd: p.a,
      }),
    );
    expect(report.current.rows).toBe(answered['2']);
    expect(report.columns.find((c) => c.column === 'f0')!.drifted).toBe(true);

    // started again, the replica sends nothing twice
    const again = await startServe(
      host,
      ['churn@champion', '--from', hub.url, '--state-dir', state],
      { MLO_TOKEN: prod },
    );
    const r2 = await again.stop();
    expect(r2.stdout).toMatch(/prediction log: 0 row\(s\) sent/);
    const info = await call(hub, 'GET', '/api/server/info', { token: alice });
    expect((info.body as { predictions: number }).predictions).toBe(total);
  });
});
