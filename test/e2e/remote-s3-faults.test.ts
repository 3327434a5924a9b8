/**
 * Faults on the way to a real S3 protocol server: error answers and throttling,
 * connections reset mid-body, the server killed mid-transfer, and mlo itself killed
 * with SIGKILL mid-upload and mid-download. After each, the next push or pull
 * completes, nothing already sent is sent again, and the remote holds exactly the
 * right bytes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  git,
  makeRepo,
  mlo,
  mloAsync,
  parseJson,
  tempDir,
  writeTree,
  type RunResult,
} from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { s3Env, startS3rver, type S3rverHandle } from '../helpers/s3rver.mjs';
import { sha256 } from '../../src/data/hash.js';

let server: S3rverHandle;
let serverDir: string;
let proxy: FaultProxy;
const env = s3Env();
const MiB = 1 << 20;

beforeAll(async () => {
  serverDir = tempDir('mlo-s3rver-');
  server = await startS3rver({ directory: serverDir });
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  await proxy?.close();
});

async function withProxy(): Promise<FaultProxy> {
  proxy = await startFaultProxy(() => server.port);
  return proxy;
}

/** A repo whose default remote reaches s3rver through the fault proxy. */
function repoWithRemote(tree: Record<string, string | Buffer>): { dir: string; prefix: string } {
  const dir = makeRepo();
  writeTree(dir, tree);
  const r = mlo(['add', ...Object.keys(tree)], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  const prefix = randomBytes(6).toString('hex');
  mlo(['remote', 'add', 'origin', `s3://mlo/${prefix}`, '--endpoint', proxy.endpoint], {
    cwd: dir,
  });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'data');
  return { dir, prefix };
}

function serverObject(prefix: string, hash: string): string {
  return join(serverDir, 'mlo', prefix, hash.slice(0, 2), `${hash.slice(2)}._S3rver_object`);
}

/**
 * The remote holds each object whole (`mlo fsck --remote` agrees), and a fresh clone
 * pulls them all back intact.
 * (Asynchronous: the proxy lives in this process and must keep serving.)
 */
async function expectRemoteIntact(
  dir: string,
  prefix: string,
  tree: Record<string, string | Buffer>,
): Promise<void> {
  for (const content of Object.values(tree)) {
    const h = sha256(content);
    expect(sha256(readFileSync(serverObject(prefix, h)))).toBe(h);
  }
  // mlo's own check of the remote: every referenced object there, hashing right
  const fsck = await mloAsync(['fsck', '--remote', 'origin'], { cwd: dir, env }).done;
  expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
  const clone = join(tempDir(), 'clone');
  git(dir, 'clone', '-q', dir, clone);
  const pulled = await mloAsync(['pull'], { cwd: clone, env }).done;
  expect(pulled.code, pulled.stderr).toBe(0);
  for (const [path, content] of Object.entries(tree))
    expect(readFileSync(join(clone, path)).equals(Buffer.from(content))).toBe(true);
  expect(mlo(['fsck'], { cwd: clone }).code).toBe(0);
}

interface TransferJson {
  uploaded?: number;
  downloaded?: number;
  retries: number;
  requests: Record<string, number>;
}

const OBJECT_PUT = /^\/mlo\/[0-9a-f]+\/[0-9a-f]{2}\/[0-9a-f]{62}\?x-id=PutObject/;
const PART_PUT = (n: number): RegExp => new RegExp(`[?&]partNumber=${n}&`);

describe('S3 faults: error answers and resets', () => {
  it('500, 503 and SlowDown answers are retried with backoff; the push completes', async () => {
    await withProxy();
    const tree: Record<string, string> = {};
    for (let i = 0; i < 30; i++) tree[`d/${i}.txt`] = `object ${i}`;
    const { dir, prefix } = repoWithRemote(tree);
    proxy.rules.push(
      { method: 'GET', url: /mlo-epoch/, fault: 'status503' },
      { method: 'PUT', url: OBJECT_PUT, fault: 'status500', times: 3 },
      { method: 'PUT', url: OBJECT_PUT, fault: 'slowdown', times: 4 },
    );
    const r = await mloAsync(['push', '--json'], { cwd: dir, env }).done;
    expect(r.code, r.stderr).toBe(0);
    const out = parseJson<TransferJson>(r);
    expect(out.uploaded).toBe(30);
    expect(out.retries).toBe(8);
    expect(proxy.log.filter((e) => e.fault).length).toBe(8);
    await expectRemoteIntact(dir, prefix, tree);
  });

  it('a connection reset mid-body is retried, uploads and downloads, small and ranged', async () => {
    await withProxy();
    const big = randomBytes(20 * MiB);
    const tree = { 'small.txt': 'small bytes'.repeat(100), 'big.bin': big };
    const { dir, prefix } = repoWithRemote(tree);
    proxy.rules.push(
      { method: 'PUT', url: OBJECT_PUT, fault: 'reset-request-body' },
      { method: 'PUT', url: PART_PUT(2), fault: 'reset-request-body' },
    );
    const pushed = await mloAsync(['push', '--json'], { cwd: dir, env }).done;
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(parseJson<TransferJson>(pushed).retries).toBe(2);

    const clone = join(tempDir(), 'clone');
    git(dir, 'clone', '-q', dir, clone);
    proxy.rules.push(
      {
        method: 'GET',
        url: /\/[0-9a-f]{62}\?x-id=GetObject/,
        range: /^$/,
        fault: 'reset-response-body',
      },
      { method: 'GET', range: /^bytes=8388608-/, fault: 'reset-response-body' },
    );
    const pulled = await mloAsync(['pull', '--json'], { cwd: clone, env }).done;
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(parseJson<TransferJson>(pulled).retries).toBe(2);
    expect(readFileSync(join(clone, 'big.bin')).equals(big)).toBe(true);
    expect(proxy.log.filter((e) => e.fault === 'reset-response-body').length).toBe(2);
    await expectRemoteIntact(dir, prefix, tree);
  });
});

describe('S3 faults: the server killed mid-transfer', () => {
  async function restartLater(ms: number): Promise<void> {
    await server.kill();
    await new Promise((r) => setTimeout(r, ms));
    server = await startS3rver({ directory: serverDir, port: server.port });
  }

  it('killed in the middle of an upload: the push retries until it is back', async () => {
    await withProxy();
    const tree: Record<string, string | Buffer> = { 'big.bin': randomBytes(40 * MiB) };
    for (let i = 0; i < 20; i++) tree[`s/${i}.txt`] = `small ${i}`;
    const { dir, prefix } = repoWithRemote(tree);
    let restarted: Promise<void> | undefined;
    proxy.rules.push({
      method: 'PUT',
      url: PART_PUT(3),
      onMatch: () => {
        restarted ??= restartLater(1500);
      },
    });
    const r = await mloAsync(['push', '--json', '--jobs', '2'], { cwd: dir, env }).done;
    await restarted;
    expect(r.code, r.stderr).toBe(0);
    expect(parseJson<TransferJson>(r).retries).toBeGreaterThan(0);
    await expectRemoteIntact(dir, prefix, tree);
  });

  it('killed in the middle of a download: the pull retries until it is back', async () => {
    await withProxy();
    const tree = { 'big.bin': randomBytes(40 * MiB), 'a.txt': 'a' };
    const { dir, prefix } = repoWithRemote(tree);
    expect((await mloAsync(['push'], { cwd: dir, env }).done).code).toBe(0);
    const clone = join(tempDir(), 'clone');
    git(dir, 'clone', '-q', dir, clone);
    let restarted: Promise<void> | undefined;
    proxy.rules.push({
      method: 'GET',
      range: /^bytes=16777216-/,
      onMatch: () => {
        restarted ??= restartLater(1500);
      },
    });
    const r = await mloAsync(['pull', '--json', '--jobs', '2'], { cwd: clone, env }).done;
    await restarted;
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(clone, 'big.bin')).equals(tree['big.bin'])).toBe(true);
    await expectRemoteIntact(dir, prefix, tree);
  });
});

describe('S3 faults: mlo killed with SIGKILL', () => {
  /** Run mlo and SIGKILL it the moment the proxy sees a matching request. */
  async function killAt(
    args: string[],
    cwd: string,
    rule: { method: string; url?: RegExp; range?: RegExp },
  ): Promise<RunResult> {
    const run = mloAsync(args, { cwd, env });
    proxy.rules.push({
      ...rule,
      fault: 'hang',
      onMatch: () => run.child.kill('SIGKILL'),
    });
    const r = await run.done;
    proxy.rules.length = 0;
    return r;
  }

  it('an upload killed after two of five parts resumes: parts 1-2 are not sent again', async () => {
    await withProxy();
    const tree = { 'big.bin': randomBytes(40 * MiB) };
    const { dir, prefix } = repoWithRemote(tree);
    const killed = await killAt(['push', '--jobs', '1'], dir, { method: 'PUT', url: PART_PUT(3) });
    expect(killed.code).toBe(128);
    const journals = readdirSync(join(dir, '.mlo/remotes')).flatMap((d) =>
      readdirSync(join(dir, '.mlo/remotes', d, 'uploads')),
    );
    expect(journals).toEqual([`${sha256(tree['big.bin'])}.json`]);
    const before = proxy.log.length;
    const r = await mloAsync(['push', '--json'], { cwd: dir, env }).done;
    expect(r.code, r.stderr).toBe(0);
    const after = proxy.log.slice(before).filter((e) => /partNumber=/.test(e.url));
    expect(after.map((e) => /partNumber=(\d+)/.exec(e.url)![1]).sort()).toEqual(['3', '4', '5']);
    expect(proxy.log.slice(before).filter((e) => /uploads=/.test(e.url))).toHaveLength(0); // same upload id
    await expectRemoteIntact(dir, prefix, tree);
  });

  it('a download killed after two of five ranges resumes: ranges 1-2 are not fetched again', async () => {
    await withProxy();
    const tree = { 'big.bin': randomBytes(40 * MiB) };
    const { dir, prefix } = repoWithRemote(tree);
    expect((await mloAsync(['push'], { cwd: dir, env }).done).code).toBe(0);
    const clone = join(tempDir(), 'clone');
    git(dir, 'clone', '-q', dir, clone);
    const killed = await killAt(['pull', '--jobs', '1'], clone, {
      method: 'GET',
      range: /^bytes=16777216-/,
    });
    expect(killed.code).toBe(128);
    const before = proxy.log.length;
    const r = await mloAsync(['pull', '--json'], { cwd: clone, env }).done;
    expect(r.code, r.stderr).toBe(0);
    const ranges = proxy.log
      .slice(before)
      .map((e) => e.range)
      .filter(Boolean);
    expect(ranges.sort()).toEqual([
      'bytes=16777216-25165823',
      'bytes=25165824-33554431',
      'bytes=33554432-41943039',
    ]);
    expect(readFileSync(join(clone, 'big.bin')).equals(tree['big.bin'])).toBe(true);
    // nothing left behind: no journal, no partial file
    const state = join(clone, '.mlo/remotes');
    const leftovers = readdirSync(state).flatMap((d) =>
      existsSync(join(state, d, 'downloads')) ? readdirSync(join(state, d, 'downloads')) : [],
    );
    expect(leftovers).toEqual([]);
    await expectRemoteIntact(dir, prefix, tree);
  });

  it('an interrupted upload no longer wanted is aborted by the next push', async () => {
    await withProxy();
    const tree = { 'big.bin': randomBytes(24 * MiB), 'keep.txt': 'keep' };
    const { dir } = repoWithRemote(tree);
    await killAt(['push', 'big.bin', '--jobs', '1'], dir, { method: 'PUT', url: PART_PUT(2) });
    const r = await mloAsync(['push', 'keep.txt'], { cwd: dir, env }).done;
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.count('DELETE', /uploadId=/)).toBe(1);
    const state = join(dir, '.mlo/remotes');
    const journals = readdirSync(state).flatMap((d) => readdirSync(join(state, d, 'uploads')));
    expect(journals).toEqual([]);
  });
});
