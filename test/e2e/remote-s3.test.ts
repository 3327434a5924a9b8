/**
 * The S3 remote against a real S3 protocol server (s3rver on 127.0.0.1): settings
 * and secrets, push and pull, multipart, request budgets, and integrity checks.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
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

/** A fresh prefix per test: tests share one server but never each other's objects. */
function addS3Remote(dir: string, name = 'origin', endpoint = server.endpoint): string {
  const url = `s3://mlo/${randomBytes(6).toString('hex')}`;
  const r = mlo(['remote', 'add', name, url, '--endpoint', endpoint], { cwd: dir, env });
  expect(r.code, r.stderr).toBe(0);
  return url;
}

/** Where s3rver keeps an object's bytes. */
function serverObject(prefix: string, hash: string): string {
  return join(serverDir, 'mlo', prefix, hash.slice(0, 2), `${hash.slice(2)}._S3rver_object`);
}

interface PushJson {
  uploaded: number;
  skipped: number;
  bytes: number;
  requests: Record<string, number>;
}

describe('S3 remote: settings', () => {
  it('remote add s3:// with settings; secrets only in the git-ignored config.local.yaml', () => {
    const dir = makeRepo();
    const add = mlo(
      [
        'remote',
        'add',
        'store',
        's3://team-bucket/projects/churn',
        '--endpoint',
        'https://minio.example.com:9000',
        '--region',
        'eu-west-1',
        '--path-style',
        '--sse',
        'AES256',
      ],
      { cwd: dir },
    );
    expect(add.code, add.stderr).toBe(0);
    const tracked = readFileSync(join(dir, '.mlo/config.yaml'), 'utf8');
    expect(tracked).toMatch(/url: s3:\/\/team-bucket\/projects\/churn/);
    expect(tracked).toMatch(/endpoint: https:\/\/minio.example.com:9000/);
    expect(tracked).toMatch(/path_style: true/);

    // a secret is refused in the tracked file, from the command line...
    const refused = mlo(['remote', 'modify', 'store', 'secret_access_key', 'abc'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/secret and never goes in the git-tracked/);
    expect(refused.stderr).toMatch(/hint: add --local/);
    // ...and when written there by hand
    writeFileSync(
      join(dir, '.mlo/config.yaml'),
      tracked.replace('path_style: true\n', 'path_style: true\n    secret_access_key: abc\n'),
    );
    const handEdited = mlo(['remote', 'list'], { cwd: dir });
    expect(handEdited.code).toBe(2);
    expect(handEdited.stderr).toMatch(/config\.yaml:\d+:\d+: remotes\.store\.secret_access_key/);
    expect(handEdited.stderr).toMatch(/never goes in the git-tracked/);
    writeFileSync(join(dir, '.mlo/config.yaml'), tracked);

    for (const [k, v] of [
      ['access_key_id', 'AKIAEXAMPLE'],
      ['secret_access_key', 'wJalrEXAMPLEKEY'],
    ]) {
      const r = mlo(['remote', 'modify', '--local', 'store', k, v], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
    }
    const local = join(dir, '.mlo/config.local.yaml');
    expect(readFileSync(local, 'utf8')).toMatch(/secret_access_key: wJalrEXAMPLEKEY/);
    expect(readFileSync(join(dir, '.mlo/config.yaml'), 'utf8')).not.toMatch(/EXAMPLE/);
    // git ignores it; the listing shows that a secret is set, not the secret
    expect(git(dir, 'check-ignore', '.mlo/config.local.yaml').trim()).toBe(
      '.mlo/config.local.yaml',
    );
    const list = mlo(['remote', 'list', '--json'], { cwd: dir });
    expect(list.stdout).not.toMatch(/wJalr/);
    const store = parseJson<{
      remotes: { name: string; kind: string; settings: Record<string, unknown> }[];
    }>(list).remotes[0];
    expect(store).toMatchObject({
      name: 'store',
      kind: 's3',
      settings: {
        endpoint: 'https://minio.example.com:9000',
        region: 'eu-west-1',
        path_style: true,
        sse: 'AES256',
        access_key_id: '(set)',
        secret_access_key: '(set)',
      },
    });

    // bad values name the setting
    const badSse = mlo(['remote', 'modify', 'store', 'sse', 'rot13'], { cwd: dir });
    expect(badSse.code).toBe(2);
    expect(badSse.stderr).toMatch(/sse is one of AES256/);
    const badKey = mlo(['remote', 'modify', 'store', 'colour', 'blue'], { cwd: dir });
    expect(badKey.stderr).toMatch(/unknown setting "colour" for a s3 remote/);
    const badUrl = mlo(['remote', 'add', 'x', 's3://'], { cwd: dir });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/is not s3:\/\/bucket\/prefix/);

    // removing the remote removes its local settings too
    expect(mlo(['remote', 'remove', 'store'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(local, 'utf8')).not.toMatch(/wJalr/);
  });

  it('credentials: a clear error when there are none, keys from config.local.yaml work', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.txt': 'alpha' });
    mlo(['add', 'a.txt'], { cwd: dir });
    addS3Remote(dir);
    const none = mlo(['push'], {
      cwd: dir,
      env: { ...env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/error: remote "origin" .*: no AWS credentials found/);
    expect(none.stderr).not.toMatch(/\n\s+at /); // no stack trace
    mlo(['remote', 'modify', '--local', 'origin', 'access_key_id', 'S3RVER'], { cwd: dir });
    mlo(['remote', 'modify', '--local', 'origin', 'secret_access_key', 'S3RVER'], { cwd: dir });
    const withKeys = mlo(['push', '--json'], {
      cwd: dir,
      env: { ...env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
    });
    expect(withKeys.code, withKeys.stderr).toBe(0);
    expect(parseJson<PushJson>(withKeys).uploaded).toBe(1);
    // keys the store does not know: access denied, named as such (s3rver checks the key
    // id; it does not verify SigV4 signatures, so a wrong secret would pass there)
    mlo(['remote', 'modify', '--local', 'origin', 'access_key_id', 'NOBODY'], { cwd: dir });
    writeTree(dir, { 'b.txt': 'beta' });
    mlo(['add', 'b.txt'], { cwd: dir });
    const denied = mlo(['push'], {
      cwd: dir,
      env: { ...env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
    });
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/access denied/);
  });

  it('a missing bucket is named', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.txt': 'alpha' });
    mlo(['add', 'a.txt'], { cwd: dir });
    mlo(['remote', 'add', 'origin', 's3://no-such-bucket/x', '--endpoint', server.endpoint], {
      cwd: dir,
    });
    const r = mlo(['push'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bucket "no-such-bucket" does not exist/);
  });
});

describe('S3 remote: push and pull', () => {
  it('round trip through a fresh clone; an unchanged push costs one request', () => {
    const dir = makeRepo();
    const tree: Record<string, string> = { 'data/a.csv': 'alpha' };
    for (let i = 0; i < 40; i++) tree[`data/imgs/${i}.txt`] = `image ${i}`;
    writeTree(dir, tree);
    mlo(['add', 'data/a.csv', 'data/imgs'], { cwd: dir });
    const url = addS3Remote(dir);
    const first = parseJson<PushJson>(mlo(['push', '--json'], { cwd: dir, env }));
    expect(first).toMatchObject({ uploaded: 42, skipped: 0 }); // 41 files + 1 manifest
    const prefix = url.slice('s3://mlo/'.length);
    expect(readFileSync(serverObject(prefix, sha256('image 7')), 'utf8')).toBe('image 7');

    const again = parseJson<PushJson>(mlo(['push', '--json'], { cwd: dir, env }));
    expect(again).toMatchObject({ uploaded: 0, skipped: 42 });
    // the remembered index answers: only the remote's epoch is read
    expect(Object.values(again.requests).reduce((a, b) => a + b, 0)).toBe(1);

    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'data');
    const clone = join(tempDir(), 'clone');
    git(dir, 'clone', '-q', dir, clone);
    const pulled = mlo(['pull', '--json'], { cwd: clone, env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(parseJson<{ downloaded: number }>(pulled).downloaded).toBe(42);
    expect(readFileSync(join(clone, 'data/imgs/39.txt'), 'utf8')).toBe('image 39');
    expect(mlo(['status', '--exit-code'], { cwd: clone }).code).toBe(0);
    expect(mlo(['fsck'], { cwd: clone }).code).toBe(0);

    // a clone that never pushed learns what is there by listing, not one HEAD per object
    const third = parseJson<PushJson>(mlo(['push', '--json'], { cwd: clone, env }));
    expect(third).toMatchObject({ uploaded: 0, skipped: 42 });
    expect(third.requests.head ?? 0).toBe(0);
    expect(third.requests.list).toBe(1);
  });

  it('large files go up in parts and come down in ranges', () => {
    const dir = makeRepo();
    const big = randomBytes(20 << 20); // 3 parts of 8 MiB
    writeTree(dir, { 'model.bin': big });
    mlo(['add', 'model.bin'], { cwd: dir });
    const url = addS3Remote(dir);
    const r = parseJson<PushJson>(mlo(['push', '--json'], { cwd: dir, env }));
    expect(r.uploaded).toBe(1);
    expect(r.requests['put-part']).toBe(3);
    expect(r.requests['complete-multipart']).toBe(1);
    const hash = sha256(big);
    const prefix = url.slice('s3://mlo/'.length);
    expect(sha256(readFileSync(serverObject(prefix, hash)))).toBe(hash);

    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'model');
    const clone = join(tempDir(), 'clone');
    git(dir, 'clone', '-q', dir, clone);
    const pulled = mlo(['pull', '--json'], { cwd: clone, env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(parseJson<{ requests: Record<string, number> }>(pulled).requests['get-range']).toBe(3);
    expect(readFileSync(join(clone, 'model.bin')).equals(big)).toBe(true);
  });

  it('a damaged cache object is refused before it reaches the remote', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.txt': 'the real bytes', 'big.bin': randomBytes(9 << 20) });
    mlo(['add', 'a.txt', 'big.bin'], { cwd: dir });
    const url = addS3Remote(dir);
    const prefix = url.slice('s3://mlo/'.length);
    for (const [file, content] of [
      ['a.txt', 'the real bytes'],
      ['big.bin', readFileSync(join(dir, 'big.bin'))],
    ] as const) {
      const h = sha256(content);
      const obj = join(dir, '.mlo/cache', h.slice(0, 2), h.slice(2));
      chmodSync(obj, 0o644);
      const rotten = Buffer.from(content);
      rotten[3] ^= 0xff;
      writeFileSync(obj, rotten);
      const r = mlo(['push', file], { cwd: dir, env });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/does not match its hash: not uploaded/);
      expect(existsSync(serverObject(prefix, h))).toBe(false);
    }
  });

  it('pull of an object the remote lacks names it and exits 1', () => {
    const dir = makeRepo();
    writeTree(dir, { 'a.csv': 'never pushed' });
    mlo(['add', 'a.csv'], { cwd: dir });
    addS3Remote(dir);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'a');
    const clone = join(tempDir(), 'clone');
    git(dir, 'clone', '-q', dir, clone);
    const r = mlo(['pull'], { cwd: clone, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not on origin/);
  });
});
