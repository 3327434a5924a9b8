/**
 * Worker half of runColumnTasks (engine.ts): numeric columns arrive as transferred
 * Float64Arrays batch by batch; at the end each is profiled and either encoded
 * (baselines) or compared with its reference (checks). In between batches, while the
 * main thread parses, the worker hashes the data file a chunk at a time.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { isMloError } from '../errors.js';
import type { WorkerReply, WorkerRequest } from './engine.js';
import { computeOutcome, type ColumnOutcome } from './outcome.js';
import {
  decodeProfile,
  encodeProfile,
  NumericProfiler,
  type DriftOptions,
} from './profile/index.js';

const HASH_CHUNK = 4 << 20;

let columns: { profiler: NumericProfiler; reference: Uint8Array | null; options: DriftOptions }[] =
  [];

/** Hashes a file one chunk per turn of the event loop, so batches are never kept waiting. */
class ChunkedHash {
  private fd: number | null;
  private readonly hash: Hash = createHash('sha256');
  private readonly buf = Buffer.allocUnsafe(HASH_CHUNK);
  private failed = false;
  private done = false;

  constructor(path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch {
      this.fd = null;
      this.failed = true;
    }
    if (this.fd !== null) setImmediate(() => this.step());
  }

  /** Read and hash one chunk; false at the end. */
  private next(): boolean {
    if (this.fd === null || this.done) return false;
    try {
      const n = readSync(this.fd, this.buf, 0, HASH_CHUNK, null);
      if (n > 0) {
        this.hash.update(n === HASH_CHUNK ? this.buf : this.buf.subarray(0, n));
        return true;
      }
    } catch {
      this.failed = true;
    }
    this.close();
    return false;
  }

  private step(): void {
    if (this.next()) setImmediate(() => this.step());
  }

  /** Hash what is left now and return the digest (null if the file could not be read). */
  finish(): string | null {
    while (this.next());
    return this.failed ? null : this.hash.digest('hex');
  }

  private close(): void {
    this.done = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

let hashing: ChunkedHash | null = null;

function reply(message: WorkerReply): void {
  parentPort!.postMessage(message);
}

function handle(m: WorkerRequest): void {
  switch (m.type) {
    case 'init':
      columns = m.tasks.map((t) => ({
        profiler: new NumericProfiler(t.numeric),
        reference: t.reference,
        options: t.options,
      }));
      hashing = m.hashFile === null ? null : new ChunkedHash(m.hashFile);
      return;
    case 'batch':
      for (let j = 0; j < columns.length; j++) columns[j].profiler.add(m.arrays[j]);
      reply({ type: 'ack' });
      return;
    case 'finish': {
      const hash = hashing ? hashing.finish() : null;
      const results: ({ encoded: Uint8Array } | { outcome: ColumnOutcome })[] = [];
      for (const c of columns) {
        const profile = c.profiler.finish();
        if (c.reference === null) {
          results.push({ encoded: encodeProfile(profile) });
        } else {
          results.push({ outcome: computeOutcome(decodeProfile(c.reference), profile, c.options) });
        }
      }
      reply({ type: 'done', results, hash });
      return;
    }
  }
}

parentPort?.on('message', (m: WorkerRequest) => {
  try {
    handle(m);
  } catch (err) {
    reply({
      type: 'error',
      code: isMloError(err) ? err.code : null,
      message: err instanceof Error ? err.message : String(err),
    });
  }
});
