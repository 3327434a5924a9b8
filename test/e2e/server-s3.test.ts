/**
 * A team server whose objects live in S3 (`mlo server init DIR --objects s3://...`),
 * against a real S3 protocol server (s3rver on 127.0.0.1): clones push and pull
 * through the hub, the bytes land in the bucket, a corrupt upload leaves nothing,
 * and misconfiguration ends in a one-line error.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLinearClassifier } from '../../src/onnx/index.js';
import { sha256 } from '../../src/data/hash.js';
import {
  git,
  makeRepo,
  mlo,
  parseJson,
  tempDir,
  writeTree,
  type RunResult,
} from '../helpers/cli.js';
import { call, startHub, type Hub } from '../helpers/hub.js';
import { s3Env, startS3rver, type S3rverHandle } from '../helpers/s3rver.mjs';

let s3: S3rverHandle;
let s3Dir: string;
const env = s3Env();

beforeAll(async () => {
  s3Dir = tempDir('mlo-s3rver-');
  s3 = await startS3rver({ directory: s3Dir });
});
afterAll(async () => {
  await s3?.stop();
});

function ok(r: RunResult, what = ''): RunResult {
  if (r.code !== 0)
    throw new Error(`${what} exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** A hub over a fresh prefix of the bucket; the prefix is returned with it. */
async function s3Hub(): Promise<{ hub: Hub; prefix: string }> {
  const prefix = `hub-${randomBytes(6).toString('hex')}`;
  const hub = await startHub({
    initArgs: ['--objects', `s3://mlo/${prefix}`, '--endpoint', s3.endpoint, '--path-style'],
    env,
  });
  return { hub, prefix };
}

/** The objects s3rver holds under a prefix, read from its directory: hash -> bytes. */
function bucketObjects(prefix: string): Map<string, Buffer> {
  const root = join(s3Dir, 'mlo', prefix);
  const out = new Map<string, Buffer>();
  if (!existsSync(root)) return out;
  for (const fan of readdirSync(root)) {
    if (!/^[0-9a-f]{2}$/.test(fan)) continue;
    for (const f of readdirSync(join(root, fan))) {
      const m = /^([0-9a-f]{62})\._S3rver_object$/.exec(f);
      if (m) out.set(fan + m[1], readFileSync(join(root, fan, f)));
    }
  }
  return out;
}

/** Loose objects in the hub's own objects/ directory. */
function localObjects(hub: Hub): string[] {
  const root = join(hub.dir, 'objects');
  return readdirSync(root)
    .filter((f) => /^[0-9a-f]{2}$/.test(f))
    .flatMap((f) => readdirSync(join(root, f)));
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('server objects in S3', () => {
  it('a clone pushes data and a model through the hub into the bucket; another clone pulls them back byte-identical, after a kill -9 of the hub', async () => {
    const { hub, prefix } = await s3Hub();
    // the store records where its objects are, never the credentials
    const config = readFileSync(join(hub.dir, 'config.yaml'), 'utf8');
    expect(config).toMatch(new RegExp(`url: s3://mlo/${prefix}`));
    expect(config).not.toMatch(/S3RVER|access_key|secret/);
    const alice = hub.token('alice', 'write');

    const a = makeRepo();
    ok(mlo(['remote', 'add', 'team', hub.url], { cwd: a }));
    // one small file, and one above the multipart threshold (8 MiB)
    const small = randomBytes(4096);
    const big = randomBytes(9 * 2 ** 20 + 123);
    const model = Buffer.from(
      await buildLinearClassifier({
        coefficients: [[0.5, -0.25]],
        intercepts: [0.1],
        metadata: { 'mlo.feature_names': JSON.stringify(['x0', 'x1']) },
      }),
    );
    writeTree(a, {
      'data/small.bin': small,
      'data/big.bin': big,
      'models/m.onnx': model,
      'mlo.yaml': 'registry: team\n',
      '.gitignore': 'models/\n',
    });
    ok(mlo(['add', 'data'], { cwd: a }), 'add');
    git(a, 'add', '-A');
    git(a, 'commit', '-qm', 'data');
    const pushed = parseJson<{ uploaded: number }>(
      ok(mlo(['push', '--json'], { cwd: a, env: { MLO_TOKEN: alice } }), 'push'),
    );
    expect(pushed.uploaded).toBeGreaterThanOrEqual(3); // 2 files + the directory's manifest
    ok(
      mlo(['model', 'register', 'churn', 'models/m.onnx'], { cwd: a, env: { MLO_TOKEN: alice } }),
      'register',
    );

    // the objects are in the bucket, whole, and not in the store's directory
    const inBucket = bucketObjects(prefix);
    for (const bytes of [small, big, model]) {
      expect(inBucket.get(sha256(bytes))?.equals(bytes)).toBe(true);
    }
    expect(localObjects(hub)).toEqual([]);
    expect(hub.log()).toMatch(new RegExp(`objects: s3://mlo/${prefix}`));

    // acknowledged means in S3: a kill -9 of the hub loses nothing
    await hub.kill9();
    await hub.restart();

    const b = join(tempDir(), 'b');
    git(a, 'clone', '-q', a, b);
    ok(mlo(['init'], { cwd: b }));
    ok(mlo(['pull'], { cwd: b, env: { MLO_TOKEN: alice } }), 'pull');
    expect(readFileSync(join(b, 'data/small.bin')).equals(small)).toBe(true);
    expect(readFileSync(join(b, 'data/big.bin')).equals(big)).toBe(true);
    ok(
      mlo(['model', 'export', 'churn@1', 'out.onnx'], { cwd: b, env: { MLO_TOKEN: alice } }),
      'export',
    );
    expect(readFileSync(join(b, 'out.onnx')).equals(model)).toBe(true);
  });

  it('object endpoints over S3: a corrupt upload is refused and leaves nothing; get streams, has, list and an admin delete (a new epoch first)', async () => {
    const { hub, prefix } = await s3Hub();
    const writer = hub.token('w', 'write');
    const admin = hub.token('root', 'admin');
    const bytes = randomBytes(50_000);
    const hash = sha256(bytes);
    const put = (body: Buffer, token = writer): Promise<Response> =>
      fetch(`${hub.url}/api/objects/${hash}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}` },
        body: new Uint8Array(body),
      });

    const corrupt = await put(Buffer.concat([bytes.subarray(1), Buffer.from('x')]));
    expect(corrupt.status).toBe(400);
    expect(await corrupt.text()).toMatch(/hash to/);
    expect(bucketObjects(prefix).size).toBe(0);
    expect(readdirSync(join(hub.dir, 'tmp'))).toEqual([]);

    expect((await put(bytes)).status).toBe(201);
    expect((await put(bytes)).status).toBe(201); // sent again: S3 keeps one copy
    expect(bucketObjects(prefix).get(hash)?.equals(bytes)).toBe(true);

    const got = await fetch(`${hub.url}/api/objects/${hash}`, {
      headers: { authorization: `Bearer ${writer}` },
    });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-length')).toBe(String(bytes.length));
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
    const absent = '0'.repeat(64);
    const missing = await fetch(`${hub.url}/api/objects/${absent}`, {
      headers: { authorization: `Bearer ${writer}` },
    });
    expect(missing.status).toBe(404);

    const has = await call(hub, 'POST', '/api/objects/has', {
      token: writer,
      body: { objects: [{ hash }, { hash: absent }, { hash, size: 1 }] },
    });
    expect(has.body).toEqual({ present: [hash] });
    const listed = await call(hub, 'GET', `/api/objects?fanout=${hash.slice(0, 2)}`, {
      token: writer,
    });
    expect((listed.body as { objects: [string, number, number][] }).objects).toEqual([
      [hash, bytes.length, expect.any(Number)],
    ]);

    // an object the server wrote into its own directory (the MLflow artifact API does)
    // is still answered for
    const direct = Buffer.from('written by the MLflow artifact API\n');
    const dHash = sha256(direct);
    writeTree(hub.dir, { [`objects/${dHash.slice(0, 2)}/${dHash.slice(2)}`]: direct });
    const both = await call(hub, 'POST', '/api/objects/has', {
      token: writer,
      body: {
        objects: [
          { hash: dHash, size: direct.length },
          { hash: dHash, size: 2 },
        ],
      },
    });
    expect(both.body).toEqual({ present: [dHash] });
    const dGot = await fetch(`${hub.url}/api/objects/${dHash}`, {
      headers: { authorization: `Bearer ${writer}` },
    });
    expect(Buffer.from(await dGot.arrayBuffer()).equals(direct)).toBe(true);

    const epoch = 'ab'.repeat(8);
    expect(
      (await call(hub, 'PUT', '/api/objects-epoch', { token: writer, body: { epoch } })).status,
    ).toBe(200);
    const del = await call(hub, 'POST', '/api/objects/delete', {
      token: admin,
      body: { hashes: [hash, absent] },
    });
    expect(del.body).toEqual({ deleted: 1 });
    expect(bucketObjects(prefix).has(hash)).toBe(false);
    const after = (await call(hub, 'GET', '/api/objects-epoch', { token: writer })).body as {
      epoch: string;
    };
    expect(after.epoch).toMatch(/^[0-9a-f]{24}$/);
    expect(after.epoch).not.toBe(epoch);
    // the epoch is the bucket's own, where an S3 remote over the same prefix reads it
    expect(
      readFileSync(join(s3Dir, 'mlo', prefix, 'mlo-epoch._S3rver_object'), 'utf8').trim(),
    ).toBe(after.epoch);
  });

  it('init refuses a secret flag, a bad URL or a bad setting (exit 2, naming the flag) and creates nothing', () => {
    const root = tempDir();
    const dir = join(root, 'hub');
    const cases: [string[], RegExp][] = [
      [
        ['--objects', 's3://mlo/x', '--secret-access-key', 'wJalrEXAMPLE'],
        /^error: --secret-access-key: credentials are never written to the server store/m,
      ],
      [['--objects', 's3://mlo/x', '--access-key-id', 'AKIAEXAMPLE'], /^error: --access-key-id: /m],
      [
        ['--objects', 'https://bucket.example.com/x'],
        /^error: --objects: .* is not s3:\/\/bucket/m,
      ],
      [['--objects', 's3://No_Such!/x'], /^error: --objects: .* is not s3:\/\/bucket/m],
      [['--objects', 's3://mlo/../x'], /^error: --objects: .*"\.\." part/m],
      [['--objects', 's3://mlo/x', '--endpoint', 'ftp://x'], /^error: --endpoint: /m],
      [['--objects', 's3://mlo/x', '--sse', 'rot13'], /^error: --sse: /m],
      [['--endpoint', 'http://127.0.0.1:9'], /^error: --endpoint goes with --objects/m],
    ];
    for (const [args, message] of cases) {
      const r = mlo(['server', 'init', dir, ...args], { cwd: root });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/wJalrEXAMPLE|\n\s+at /);
      expect(existsSync(dir)).toBe(false);
    }
    // an existing store is not switched to another backend by a second init
    ok(mlo(['server', 'init', dir], { cwd: root }));
    const again = mlo(['server', 'init', dir, '--objects', 's3://mlo/x'], { cwd: root });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already a server store, with its objects in .*objects/);
  });

  it('a server whose bucket is unreachable or missing stops with a one-line error', async () => {
    const root = tempDir();
    const down = join(root, 'down');
    const port = await freePort();
    ok(
      mlo(
        [
          'server',
          'init',
          down,
          '--objects',
          's3://mlo/x',
          '--endpoint',
          `http://127.0.0.1:${port}`,
        ],
        { cwd: root },
      ),
    );
    const r1 = mlo(['server', '--store', down, '--port', '0'], { cwd: root, env });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/^error: the server's objects are unreachable: .*ECONNREFUSED/m);
    expect(r1.stderr).toMatch(/^hint: check the endpoint/m);
    expect(r1.stderr).not.toMatch(/\n\s+at /);

    const nobucket = join(root, 'nobucket');
    ok(
      mlo(
        [
          'server',
          'init',
          nobucket,
          '--objects',
          's3://no-such-bucket/x',
          '--endpoint',
          s3.endpoint,
        ],
        { cwd: root },
      ),
    );
    const r2 = mlo(['server', '--store', nobucket, '--port', '0'], { cwd: root, env });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/^error: .*bucket "no-such-bucket" does not exist/m);
    expect(r2.stderr).not.toMatch(/\n\s+at /);
  });
});
