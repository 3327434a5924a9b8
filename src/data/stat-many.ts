/**
 * stat() for many files at once. A no-change `mlo status` of a 100,000-file
 * directory is mostly stat calls; above a threshold a worker thread takes half of
 * them, so both cores work. Below it, or where the worker script is not built
 * (running from source), everything runs inline. `meanwhile` is other work for
 * this thread (status walks the directory): the worker then takes two thirds.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { statTriples } from './stat-triples.js';

const PARALLEL_FROM = 8192;

export async function statMany(
  paths: readonly string[],
  meanwhile?: () => void,
): Promise<Float64Array> {
  const workerUrl = new URL('./stat.worker.js', import.meta.url);
  if (paths.length < PARALLEL_FROM || !existsSync(fileURLToPath(workerUrl))) {
    meanwhile?.();
    return statTriples(paths);
  }
  const { Worker } = await import('node:worker_threads');
  const half = meanwhile ? Math.floor(paths.length / 3) : paths.length >> 1;
  const worker = new Worker(workerUrl);
  try {
    const theirs = new Promise<Float64Array>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    worker.postMessage(paths.slice(half));
    meanwhile?.();
    const mine = statTriples(paths, 0, half);
    const rest = await theirs;
    const out = new Float64Array(paths.length * 3);
    out.set(mine, 0);
    out.set(rest, half * 3);
    return out;
  } finally {
    void worker.terminate();
  }
}
