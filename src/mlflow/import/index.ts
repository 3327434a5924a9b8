/**
 * `mlo import mlflow PATH|URL`: an MLflow file store (`mlruns/`) or a tracking server
 * (http:// or https://) into mlo. Readers turn either into the same records
 * (source.ts); the ingest (ingest.ts) does the rest, the same for both.
 *
 *     const r = await importMlflow(repo, 'http://mlflow:5000');  // or a mlruns/ path
 */
import type { Repo } from '../../repo/index.js';
import { cacheOf } from '../../data/index.js';
import { trackingClient } from './client.js';
import { openFileStore } from './file-store.js';
import { emptyResult, ingestMlflow, type ImportResult } from './ingest.js';
import { openTrackingServer } from './server.js';

export type { ImportResult } from './ingest.js';

export const isTrackingUrl = (target: string): boolean => /^https?:\/\//i.test(target);

/** `target` is a URL or a path already resolved against the working directory. */
export async function importMlflow(repo: Repo, target: string): Promise<ImportResult> {
  const result = emptyResult();
  const warn = (m: string): void => void result.warnings.push(m);
  const source = isTrackingUrl(target)
    ? openTrackingServer(trackingClient(target), { tmpDir: cacheOf(repo).ensureTmp(), warn })
    : openFileStore(target);
  await ingestMlflow(repo, source, result);
  return result;
}
