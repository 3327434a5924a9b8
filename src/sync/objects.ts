/**
 * The objects records refer to (run artifacts and outputs, model files) travel
 * before the records that name them, so a server never holds a record whose bytes
 * it lacks; files go before the directory manifests that list them.
 */
import { existsSync, statSync } from 'node:fs';
import { cacheOf } from '../data/index.js';
import type { Repo } from '../repo/index.js';
import { tempPathFor } from '../util/atomic.js';
import { runPool } from '../util/pool.js';
import type { ServerClient } from './client.js';

export interface ObjectRef {
  hash: string;
  /** a directory's manifest: its files are sent too, before it */
  type?: string;
}

export interface ObjectStats {
  sent: number;
  skipped: number;
  bytes: number;
  /** referenced but not in this cache */
  missingLocal: string[];
}

const HAS_BATCH = 10_000;

/** Which of `hashes` the server holds. */
async function serverHas(
  client: ServerClient,
  objects: { hash: string; size?: number }[],
): Promise<Set<string>> {
  const present = new Set<string>();
  for (let i = 0; i < objects.length; i += HAS_BATCH) {
    const r = await client.json<{ present: string[] }>('POST', '/api/objects/has', {
      body: { objects: objects.slice(i, i + HAS_BATCH) },
      retry: 'idempotent',
    });
    for (const h of r.present) present.add(h);
  }
  return present;
}

/** Upload what the server lacks of `refs` (and of the files of directory manifests among them). */
export async function sendObjects(
  repo: Repo,
  client: ServerClient,
  refs: readonly ObjectRef[],
  options: { jobs?: number } = {},
): Promise<ObjectStats> {
  const cache = cacheOf(repo);
  const stats: ObjectStats = { sent: 0, skipped: 0, bytes: 0, missingLocal: [] };
  const files = new Set<string>();
  const manifests = new Set<string>();
  for (const r of refs) {
    if (!cache.has(r.hash)) {
      stats.missingLocal.push(r.hash);
      continue;
    }
    if (r.type === 'dir') {
      manifests.add(r.hash);
      for (const e of cache.readManifest(r.hash)) {
        if (cache.has(e.hash)) files.add(e.hash);
        else stats.missingLocal.push(e.hash);
      }
    } else files.add(r.hash);
  }
  for (const wave of [[...files], [...manifests]]) {
    if (wave.length === 0) continue;
    const present = await serverHas(
      client,
      wave.map((hash) => ({ hash })),
    );
    const missing = wave.filter((h) => !present.has(h));
    stats.skipped += wave.length - missing.length;
    await runPool(missing, options.jobs ?? 8, async (hash) => {
      const loose = cache.loosePath(hash);
      if (existsSync(loose)) {
        await client.putObject(hash, { path: loose });
        stats.bytes += statSync(loose).size;
      } else {
        const data = cache.read(hash);
        await client.putObject(hash, { data });
        stats.bytes += data.length;
      }
      stats.sent++;
    });
  }
  return stats;
}

/** Download the objects this cache lacks; returns those the server did not have. */
export async function fetchObjects(
  repo: Repo,
  client: ServerClient,
  hashes: readonly string[],
  options: { jobs?: number } = {},
): Promise<{ fetched: number; bytes: number; missing: string[] }> {
  const cache = cacheOf(repo);
  const wanted = cache.missing(new Set(hashes));
  const out = { fetched: 0, bytes: 0, missing: [] as string[] };
  if (wanted.length === 0) return out;
  const tmpDir = cache.ensureTmp();
  await runPool(wanted, options.jobs ?? 8, async (hash) => {
    const tmp = tempPathFor('pull', tmpDir);
    try {
      const { size } = await client.getObject(hash, tmp);
      cache.adoptTemp(hash, tmp);
      out.fetched++;
      out.bytes += size;
    } catch (err) {
      if ((err as { code?: string }).code === 'NOT_FOUND') out.missing.push(hash);
      else throw err;
    }
  });
  return out;
}
