/**
 * The SHA-256 of a data file being profiled. Hashing a 100 MB CSV costs about as much
 * as a fifth of parsing it, so for big files a worker thread hashes while the main
 * thread parses (the machine's second core); small files, and runs from source where
 * the worker script is not built, hash inline.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hashFile } from '../data/index.js';

const BACKGROUND_FROM = 8 << 20;

/** Start hashing `path`; await the result when needed. Never rejects: null on failure. */
export async function hashInBackground(path: string, size: number): Promise<string | null> {
  const workerUrl = new URL('./drift-hash.worker.js', import.meta.url);
  if (size < BACKGROUND_FROM || !existsSync(fileURLToPath(workerUrl))) {
    try {
      return hashFile(path).hash;
    } catch {
      return null;
    }
  }
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(workerUrl);
  try {
    const reply = await new Promise<{ hash?: string; error?: string }>((resolve) => {
      worker.once('message', resolve);
      worker.once('error', (err) => resolve({ error: err.message }));
      worker.postMessage(path);
    });
    return reply.hash ?? null;
  } finally {
    void worker.terminate();
  }
}
