/**
 * The data file's sha256, from the store's hash state when the file is in the repo and
 * unchanged, otherwise computed on a worker thread alongside the validation pass.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hashFile } from '../data/index.js';
import type { Repo } from '../repo/index.js';
import { getHashState, putHashStates } from '../store/index.js';
import { isInside, statOrNull, toPosixRelative } from '../util/fs.js';

/** Below this a worker's start-up costs more than the hashing it would overlap. */
const WORKER_FROM_BYTES = 16 << 20;

/** A hash being computed: await it after the work it overlaps. */
export function startFileHash(repo: Repo, abs: string): Promise<string> {
  const st = statOrNull(abs);
  const rel = isInside(repo.root, abs) ? toPosixRelative(repo.root, abs) : undefined;
  if (st !== null && rel !== undefined) {
    const state = getHashState(repo.store, rel);
    if (
      state !== undefined &&
      state.inode === st.ino &&
      state.mtimeMs === st.mtimeMs &&
      state.size === st.size
    ) {
      return Promise.resolve(state.hash);
    }
  }
  const remember = (hash: string): string => {
    if (st !== null && rel !== undefined) {
      putHashStates(repo.store, [
        { path: rel, inode: st.ino, mtimeMs: st.mtimeMs, size: st.size, hash },
      ]);
    }
    return hash;
  };
  const workerUrl = new URL('./file-hash.worker.js', import.meta.url);
  if (st === null || st.size < WORKER_FROM_BYTES || !existsSync(fileURLToPath(workerUrl))) {
    // inline, but after the caller's synchronous start: the pass runs first
    return Promise.resolve().then(() => remember(hashFile(abs).hash));
  }
  return hashOnWorker(workerUrl, abs).then(remember);
}

async function hashOnWorker(url: URL, abs: string): Promise<string> {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(url);
  try {
    const reply = await new Promise<{ hash?: string; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(abs);
    });
    if (reply.hash === undefined)
      throw new Error(`hashing ${abs} failed: ${reply.error ?? 'no reply'}`);
    return reply.hash;
  } finally {
    void worker.terminate();
  }
}
