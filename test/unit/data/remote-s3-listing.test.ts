/**
 * The S3 remote's bulk paths against s3rver with more objects than one listing page
 * holds: presence by listing or by HEAD (whichever costs fewer requests), the full
 * listing by fan-out prefix, remnants of a failed write, bulk delete and the epoch.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Remote } from '../../../src/data/remote/s3.js';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverHandle } from '../../helpers/s3rver.mjs';

let server: S3rverHandle;
let work: string;
const N = 1500;
const hashOf = (i: number): string => createHash('sha256').update(`object ${i}`).digest('hex');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mlo-s3-listing-'));
  server = await startS3rver({ directory: join(work, 'server') });
  const client = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  const keys = Array.from({ length: N }, (_, i) => hashOf(i));
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(
      keys.slice(i, i + 50).map((h, j) =>
        client.send(
          new PutObjectCommand({
            Bucket: 'mlo',
            Key: `big/${h.slice(0, 2)}/${h.slice(2)}`,
            Body: `object ${i + j}`,
          }),
        ),
      ),
    );
  }
  // a remnant of a failed write: the right name, the wrong size
  const bad = hashOf(N);
  await client.send(
    new PutObjectCommand({
      Bucket: 'mlo',
      Key: `big/${bad.slice(0, 2)}/${bad.slice(2)}`,
      Body: 'x',
    }),
  );
  // not mlo's: ignored by listings
  await client.send(new PutObjectCommand({ Bucket: 'mlo', Key: 'big/README', Body: 'hello' }));
  client.destroy();
}, 180_000);

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

function open(prefix: string): S3Remote {
  return new S3Remote(
    'test',
    {
      url: `s3://mlo/${prefix}`,
      endpoint: server.endpoint,
      region: 'us-east-1',
      access_key_id: S3RVER_CREDENTIALS.accessKeyId,
      secret_access_key: S3RVER_CREDENTIALS.secretAccessKey,
    },
    { jobs: 8, stateDir: join(work, 'state'), tmpDir: join(work, 'tmp') },
  );
}

describe('S3 remote listings', () => {
  it('lists every object past the first page, by fan-out prefix', async () => {
    const remote = open('big');
    const seen = new Map<string, number>();
    for await (const o of remote.list()) seen.set(o.hash, o.size);
    expect(seen.size).toBe(N + 1);
    expect(seen.get(hashOf(7))).toBe('object 7'.length);
    expect(remote.requests.list).toBeGreaterThan(2);
    remote.close();
  });

  it('checks many objects by listing and few by HEAD; a wrong size is not a copy', async () => {
    const many = open('big');
    const wanted = [
      ...Array.from({ length: 400 }, (_, i) => ({ hash: hashOf(i), size: `object ${i}`.length })),
      { hash: hashOf(N), size: `object ${N}`.length }, // present with the wrong size
      { hash: hashOf(N + 1), size: 3 }, // absent
    ];
    const found = await many.has(wanted);
    expect(found.size).toBe(400);
    expect(found.has(hashOf(N))).toBe(false);
    expect(many.requests.head ?? 0).toBe(0);
    expect(many.requests.list).toBeLessThan(400 / 2);
    many.close();

    const few = open('big');
    const some = await few.has([{ hash: hashOf(3), size: 8 }, { hash: hashOf(N + 2) }]);
    expect([...some]).toEqual([hashOf(3)]);
    expect(few.requests).toEqual({ head: 2 });
    few.close();
  });

  it('deletes in bulk; the epoch is an object of its own', async () => {
    const remote = open('big');
    expect(await remote.readEpoch()).toBe('');
    await remote.writeEpoch('abc');
    expect(await remote.readEpoch()).toBe('abc');
    await remote.delete(Array.from({ length: 1200 }, (_, i) => hashOf(i)));
    // 1,000 keys per request (s3rver's own bulk delete races with itself at times and
    // answers 500; those attempts are retried)
    expect(remote.requests.delete - remote.retries).toBe(2);
    const left: string[] = [];
    for await (const o of remote.list()) left.push(o.hash);
    expect(left).toHaveLength(N + 1 - 1200);
    remote.close();
  });
});
